/**
 * `xl console`'s client side: the domain's console stream on the terminal until Ctrl-] (the
 * domain keeps running in the daemon) or until the domain is gone.
 */
import { TerminalConsole } from '../host/node/console.js';
import type { DaemonClient } from './client.js';

/**
 * Attaches the terminal to domain `ref`'s console; resolves when detached (Ctrl-] on a terminal,
 * the end of piped input) or when the domain is gone.
 */
export async function attachConsole(client: DaemonClient, ref: string): Promise<'detached' | 'closed'> {
  const stream = await client.console(ref);
  return new Promise((resolve) => {
    let how: 'detached' | 'closed' = 'closed';
    const term = new TerminalConsole({
      singleKeyEscape: true,
      quitAtEnd: true,
      onInput: (b) => stream.write(b),
      onQuit: () => {
        how = 'detached';
        // Not a half-close: the daemon keeps its side open, and detaching must not wait for it.
        stream.destroy();
      },
    });
    stream.on('data', (b: Buffer) => process.stdout.write(b));
    const done = () => {
      term.close();
      resolve(how);
    };
    stream.on('close', done);
    stream.on('error', done);
  });
}
