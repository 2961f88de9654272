/**
 * Runs one domain in this process until it is gone: the domain manager with Node's host services,
 * xenstored on its Unix socket for Debian's xenstore tools, the console on the terminal when asked,
 * and SIGINT/SIGTERM as `xl destroy`.
 */
import { TerminalConsole } from '../host/node/console.js';
import { defaultXenstoredSocketPath, serveXenstoredSocket } from '../host/node/xenstored_socket.js';
import { DomainManager } from '../toolstack/domain_manager.js';
import type { DomainSpec } from '../toolstack/domain_spec.js';
import { xenstoredStreamService } from '../xenstore/index.js';
import { nodeDomainHost } from './node_domain_host.js';

export interface ForegroundOptions {
  readonly console: boolean;
  readonly paused: boolean;
}

function say(line: string): void {
  process.stderr.write(`\r\nxenon: ${line}\n`);
}

export async function runDomainInForeground(spec: DomainSpec, opts: ForegroundOptions): Promise<number> {
  const m = new DomainManager(nodeDomainHost());
  let socket: Awaited<ReturnType<typeof serveXenstoredSocket>> | null = null;
  try {
    socket = await serveXenstoredSocket(xenstoredStreamService(m.xenstored), { path: defaultXenstoredSocketPath(process.env) });
  } catch (e) {
    say(`xenstored socket not available (${e instanceof Error ? e.message : String(e)}); continuing without it`);
  }
  let term: TerminalConsole | null = null;
  let detachSink: (() => void) | null = null;
  const detach = () => {
    detachSink?.();
    detachSink = null;
    term?.close();
    term = null;
  };
  const attach = (domid: number) => {
    detachSink?.();
    detachSink = m.attachConsole(domid, (b) => process.stdout.write(b));
    term ??= new TerminalConsole({
      singleKeyEscape: true,
      onInput: (b) => {
        const id = m.domid(spec.name);
        if (id !== undefined) m.consoleInput(id, b);
      },
      onQuit: () => {
        detach();
        say(`detached from "${spec.name}"; it keeps running in this process until it shuts down (Ctrl-C destroys it)`);
      },
    });
  };
  m.onEvent((e) => {
    // A restarted domain (on_reboot = "restart") keeps the console, as xl's monitor does.
    if (e.kind === 'created' && opts.console && term !== null) attach(e.domid);
    if (e.kind === 'shutdown') say(`domain ${e.domid} ("${e.name}") shut down: ${e.reason}`);
  });
  const domid = await m.create(spec, { paused: opts.paused });
  say(`created domain ${domid} ("${spec.name}")${socket === null ? '' : `; xenstored at ${socket.path}`}`);
  if (opts.console) attach(domid);
  const stop = () => {
    const id = m.domid(spec.name);
    if (id === undefined) return;
    say(`destroying domain ${id} ("${spec.name}")`);
    void m.destroy(id).then(() => m.stop());
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    await m.run(() => m.domid(spec.name) === undefined);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    detach();
    await socket?.close();
  }
  // xl create returns 0 once the domain was created, whatever became of it later.
  return 0;
}
