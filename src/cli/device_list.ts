/**
 * What xl's device list commands share (block-list, network-list): one table over every domain
 * named, a domain that cannot be listed reported and skipped, as xl goes on to the next one.
 */
import { XenonError } from '../lib/errors.js';
import { connectDaemon } from './client.js';
import { domainPath } from './vmcontrol.js';

/**
 * Prints `format` of the rows of `/domains/{ref}/{resource}` for each of `refs`, in order; resolves
 * to the exit status (that of the last domain that could not be listed, else 0).
 */
export async function printDeviceLists<Row>(refs: readonly string[], o: { readonly resource: string; readonly format: (rows: readonly Row[]) => string }): Promise<number> {
  const client = await connectDaemon();
  const rows: Row[] = [];
  let status = 0;
  for (const ref of refs) {
    try {
      rows.push(...await client.request<Row[]>('GET', `${domainPath(ref)}/${o.resource}`));
    } catch (e) {
      if (!(e instanceof XenonError)) throw e;
      process.stderr.write(`xenon: ${e.message}\n`);
      status = e.exitStatus;
    }
  }
  process.stdout.write(o.format(rows));
  return status;
}
