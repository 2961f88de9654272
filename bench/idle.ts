/**
 * `npm run bench:idle [-- --domus N] [--later S] [--no-peer]`: the idle-domUs benchmark alone
 * (`bench/idle_domus.ts`), for working on issue 7's idle cost without the whole `npm run bench`.
 */
import { parseArgs } from 'node:util';
import { benchIdleDomus } from './idle_domus.js';

const { values } = parseArgs({
  options: { domus: { type: 'string' }, later: { type: 'string' }, 'no-peer': { type: 'boolean' } },
});
const count = (flag: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`bench:idle: --${flag} wants a whole number, not "${v}"`);
  return n;
};
const domus = count('domus', values.domus);
const later = count('later', values.later);
await benchIdleDomus({
  ...(domus !== undefined && { domus }), ...(later !== undefined && { laterMs: later * 1000 }), peer: !values['no-peer'],
});
