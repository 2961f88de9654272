/**
 * xenstored's Unix socket, so Xen's own command-line tools (xenstore-read, xenstore-ls, …) and
 * anything linked against libxenstore can use our store. libxenstore connects to
 * $XENSTORED_PATH if set, else <rundir>/socket (tools/libs/store/xs.c); like C xenstored, every
 * socket client is Domain-0 and privileged. This file only moves bytes: the xenstore layer's
 * stream service (src/xenstore/stream.ts, xenstoredStreamService) frames them, so the host layer
 * does not depend on it.
 */
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Where C xenstored listens, and where libxenstore looks by default. */
export const XENSTORED_ROOT_SOCKET = '/run/xenstored/socket';

/** What decides the default path; the process's own values when omitted. */
export interface XenstoredSocketEnv {
  readonly uid?: number;
  readonly xdgRuntimeDir?: string | undefined;
  readonly tmpDir?: string;
}

/**
 * The socket path to serve on: /run/xenstored/socket for root (where libxenstore looks), else
 * $XDG_RUNTIME_DIR/xenon/xenstored/socket, else a directory under the temp dir. Non-root users
 * point the tools at it with XENSTORED_PATH.
 */
export function defaultXenstoredSocketPath(env: XenstoredSocketEnv = {}): string {
  const uid = env.uid ?? process.getuid?.() ?? -1;
  if (uid === 0) return XENSTORED_ROOT_SOCKET;
  const runtime = 'xdgRuntimeDir' in env ? env.xdgRuntimeDir : process.env['XDG_RUNTIME_DIR'];
  if (runtime !== undefined && runtime !== '') return join(runtime, 'xenon', 'xenstored', 'socket');
  return join(env.tmpDir ?? tmpdir(), `xenon-${uid}`, 'xenstored', 'socket');
}

/** A listening socket server. */
export interface XenstoredSocketServer {
  readonly path: string;
  /** Stops listening, disconnects every client and removes the socket file. */
  close(): Promise<void>;
}

/** Options of serveXenstoredSocket(). */
export interface ServeOptions {
  /** Socket path; defaultXenstoredSocketPath() when omitted. */
  readonly path?: string;
}

/** The host's end of one client stream (structurally src/xenstore/stream.ts XsStreamPeer). */
export interface StreamPeer {
  send(bytes: Uint8Array): void;
  close(): void;
}

/** One client session (structurally XsStreamSession). */
export interface StreamSession {
  receive(chunk: Uint8Array): void;
  close(): void;
}

/** Opens a session per connecting client (structurally XsStreamService). */
export interface StreamService {
  open(peer: StreamPeer): StreamSession;
}

function serveClient(service: StreamService, socket: Socket, sessions: Set<StreamSession>): void {
  const session = service.open({
    send: (bytes) => {
      if (!socket.destroyed) socket.write(bytes);
    },
    close: () => socket.destroy(),
  });
  sessions.add(session);
  let open = true;
  const drop = (): void => {
    if (!open) return;
    open = false;
    sessions.delete(session);
    session.close();
  };
  socket.on('data', (chunk: Buffer) => session.receive(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
  socket.on('close', drop);
  socket.on('error', drop);
}

/** Removes a stale socket file left by a previous run; never removes anything else. */
function removeStaleSocket(path: string): void {
  try {
    if (statSync(path).isSocket()) rmSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/**
 * Serves xenstored on a Unix socket, creating the socket's directory (mode 0700) if needed.
 * Pass `xenstoredStreamService(store)` from src/xenstore/stream.ts.
 */
export async function serveXenstoredSocket(service: StreamService, opts: ServeOptions = {}): Promise<XenstoredSocketServer> {
  const path = opts.path ?? defaultXenstoredSocketPath();
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  removeStaleSocket(path);
  const sessions = new Set<StreamSession>();
  const server: Server = createServer((socket) => serveClient(service, socket, sessions));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    path,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of [...sessions]) s.close();
        server.close(() => {
          removeStaleSocket(path);
          resolve();
        });
      }),
  };
}
