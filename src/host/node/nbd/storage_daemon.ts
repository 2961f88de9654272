/**
 * Disk images in formats other than raw, opened by QEMU's own block layer as Xen's qdisk backend
 * does: one `qemu-storage-daemon` per disk exports the image over NBD on a Unix socket, and
 * NbdClient (client.ts) is the BlockDisk the block backend uses. QEMU's format drivers then do
 * all the parsing of the image (a guest-writable, hence hostile, file) in another process, and
 * qcow2 backing chains, vmdk extents and the like come for free.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BlockDiskError, type BlockDisk } from '../../common/block_disk.js';
import { NbdClient } from './client.js';

/** The daemon's binary, looked up on PATH. */
export const QEMU_STORAGE_DAEMON = 'qemu-storage-daemon';
/** The Debian package that ships /usr/bin/qemu-storage-daemon (Debian 12). */
export const QEMU_STORAGE_DAEMON_PACKAGE = 'qemu-system-common';

/**
 * Image formats accepted, by the name a disk spec uses, to QEMU's driver name. xl's "vhd" is
 * QEMU's "vpc". Only known names reach the command line: a format is interpolated into an option
 * string, where "qcow2,file.driver=…" would otherwise add options of its own.
 */
export const QEMU_IMAGE_FORMATS: ReadonlyMap<string, string> = new Map([
  ['raw', 'raw'],
  ['qcow2', 'qcow2'],
  ['qcow', 'qcow'],
  ['qed', 'qed'],
  ['vmdk', 'vmdk'],
  ['vdi', 'vdi'],
  ['vhdx', 'vhdx'],
  ['vpc', 'vpc'],
  ['vhd', 'vpc'],
]);

/** Options of startStorageDaemon(). */
export interface StorageDaemonOptions {
  /** Path of the image file (relative paths are taken from the current directory). */
  readonly image: string;
  /** A key of QEMU_IMAGE_FORMATS. */
  readonly format: string;
  readonly readOnly: boolean;
  /** Pass guest discards down to the image (discard=unmap), freeing space in it. */
  readonly discard: boolean;
  /** Directory for the NBD socket (created, mode 0700, if missing). */
  readonly runDir: string;
  /** How long the daemon may take to open the image and accept the connection; 10 s when omitted. */
  readonly startTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL; 5 s when omitted. */
  readonly stopTimeoutMs?: number;
}

/** A running daemon and the disk it serves. */
export interface StorageDaemon {
  readonly socketPath: string;
  readonly exportName: string;
  readonly disk: BlockDisk;
  /** Closes the disk (flushing it), then ends the daemon and removes the socket. Idempotent. */
  stop(): Promise<void>;
}

/** The name the image is exported under; one export per daemon, so it need not vary. */
const EXPORT_NAME = 'xenon';
/** sockaddr_un's sun_path holds 108 bytes including the terminating NUL. */
const MAX_SOCKET_PATH_BYTES = 107;
/** How much of the daemon's stderr is kept for messages (its errors are one line). */
const STDERR_TAIL_BYTES = 8192;
const CONNECT_RETRY_MS = 20;

/** QEMU's option syntax (QemuOpts/keyval): a comma inside a value is written twice. */
function qemuValue(s: string): string {
  return s.replaceAll(',', ',,');
}

/** The daemon's command line (without the binary) for `image` of QEMU driver `driver`. */
export function storageDaemonArgs(
  o: { readonly image: string; readonly driver: string; readonly readOnly: boolean; readonly discard: boolean },
  socket: { readonly socketPath: string; readonly exportName: string },
): string[] {
  // read-only on the file node too: otherwise QEMU opens the file O_RDWR, which fails on an image
  // the user may only read (a shared base, a file on read-only media).
  const ro = o.readOnly ? ',read-only=on' : '';
  const discard = o.discard ? ',discard=unmap' : '';
  return [
    '--blockdev', `driver=file,filename=${qemuValue(o.image)},node-name=file0${ro}${discard}`,
    // The format driver opens a qcow2's backing chain itself, read-only.
    '--blockdev', `driver=${o.driver},file=file0,node-name=disk0${ro}${discard}`,
    '--nbd-server', `addr.type=unix,addr.path=${qemuValue(socket.socketPath)}`,
    '--export', `type=nbd,id=exp0,node-name=disk0,name=${qemuValue(socket.exportName)},writable=${o.readOnly ? 'off' : 'on'}`,
  ];
}

/** Tracks the child: its stderr's last bytes and how it ended. */
class DaemonProcess {
  private stderrTail = '';
  private endedAs: string | null = null;
  /** Set when the binary could not be run at all. */
  private spawnError: BlockDiskError | null = null;
  /** Resolves with how the daemon ended ("exited with status 1"), or why it never ran. */
  readonly ended: Promise<string>;

  constructor(
    readonly child: ChildProcess,
    private readonly image: string,
  ) {
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (s: string) => {
      this.stderrTail = (this.stderrTail + s).slice(-STDERR_TAIL_BYTES);
    });
    this.ended = new Promise((resolveEnded) => {
      // 'close' rather than 'exit': it comes after stderr is drained, so the message is complete.
      child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
        this.endedAs ??= code !== null ? `exited with status ${code}` : `was killed by ${signal ?? 'a signal'}`;
        resolveEnded(this.endedAs);
      });
      child.once('error', (err: NodeJS.ErrnoException) => {
        this.spawnError =
          err.code === 'ENOENT'
            ? new BlockDiskError('open', image, `"${QEMU_STORAGE_DAEMON}" is not on PATH: install the Debian package "${QEMU_STORAGE_DAEMON_PACKAGE}"`, { cause: err })
            : new BlockDiskError('open', image, `cannot run "${QEMU_STORAGE_DAEMON}" (${err.code ?? err.message})`, { cause: err });
        this.endedAs ??= 'could not be started';
        resolveEnded(this.endedAs);
      });
    });
  }

  /** Throws the reason the daemon is gone, if it is: why it could not run, or its own message. */
  checkRunning(): void {
    if (this.spawnError !== null) throw this.spawnError;
    if (this.endedAs !== null) throw this.failure(this.endedAs);
  }

  /** A BlockDiskError with what happened to the daemon and its stderr ("--blockdev …: Image is not in qcow2 format"). */
  failure(how: string): BlockDiskError {
    const text = this.stderrTail.replace(new RegExp(`^${QEMU_STORAGE_DAEMON}: `, 'gm'), '').trim().replace(/\s*\n\s*/g, '; ');
    return new BlockDiskError('open', this.image, `${QEMU_STORAGE_DAEMON} ${how}${text === '' ? '' : `: ${text}`}`);
  }

  /** SIGTERM (qemu-storage-daemon then closes its images cleanly), SIGKILL after `timeoutMs`. */
  async terminate(timeoutMs: number): Promise<void> {
    if (this.endedAs !== null || this.child.pid === undefined) return;
    this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const killed = new Promise<void>((res) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        res();
      }, timeoutMs);
    });
    await Promise.race([this.ended, killed]);
    clearTimeout(timer);
    await this.ended;
  }
}

function validate(opts: StorageDaemonOptions): { driver: string; socketPath: string } {
  const driver = QEMU_IMAGE_FORMATS.get(opts.format);
  if (driver === undefined) {
    throw new BlockDiskError('open', opts.image, `unknown image format "${opts.format}" (known: ${[...QEMU_IMAGE_FORMATS.keys()].join(', ')})`);
  }
  const socketPath = join(resolve(opts.runDir), `qsd-${process.pid}-${randomBytes(6).toString('hex')}.sock`);
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH_BYTES) {
    throw new BlockDiskError('open', opts.image, `socket path "${socketPath}" is longer than ${MAX_SOCKET_PATH_BYTES} bytes: use a shorter run directory`);
  }
  return { driver, socketPath };
}

function isRetryable(err: unknown): boolean {
  // Until the daemon has bound its socket the path is missing (ENOENT) or not yet listening.
  const code = err instanceof BlockDiskError ? (err.cause as NodeJS.ErrnoException | undefined)?.code : undefined;
  return code === 'ENOENT' || code === 'ECONNREFUSED';
}

/**
 * Connects once the daemon accepts. The daemon binds the socket while it processes its options
 * and serves clients only from its main loop, after the export exists; so a connection that
 * succeeds is served by the complete export, and a daemon that fails exits before serving anyone.
 */
async function connectWhenReady(d: DaemonProcess, socketPath: string, opts: StorageDaemonOptions): Promise<NbdClient> {
  const timeoutMs = opts.startTimeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    d.checkRunning();
    try {
      const handshakeTimeoutMs = Math.max(deadline - Date.now(), 1000);
      const connectOpts = { image: opts.image, readOnly: opts.readOnly, discard: opts.discard, handshakeTimeoutMs };
      return await NbdClient.connect(socketPath, EXPORT_NAME, connectOpts);
    } catch (err) {
      if (!isRetryable(err)) {
        // The daemon exiting is the likelier story, and its stderr the better message.
        await Promise.race([d.ended, new Promise((res) => setTimeout(res, 500))]);
        d.checkRunning();
        throw err;
      }
      if (Date.now() >= deadline) throw d.failure(`did not accept connections within ${timeoutMs} ms`);
      await Promise.race([d.ended, new Promise((res) => setTimeout(res, CONNECT_RETRY_MS))]);
    }
  }
}

/**
 * Starts qemu-storage-daemon on `opts.image` and connects to its NBD export. Rejects with a
 * BlockDiskError (op "open") carrying the daemon's own message when it cannot open the image
 * (missing file, wrong format, locked by another process), or naming the Debian package when the
 * daemon is not installed; the daemon and socket are cleaned up then.
 */
export async function startStorageDaemon(opts: StorageDaemonOptions): Promise<StorageDaemon> {
  const { driver, socketPath } = validate(opts);
  mkdirSync(resolve(opts.runDir), { recursive: true, mode: 0o700 });
  const image = resolve(opts.image);
  const args = storageDaemonArgs({ image, driver, readOnly: opts.readOnly, discard: opts.discard }, { socketPath, exportName: EXPORT_NAME });
  const d = new DaemonProcess(spawn(QEMU_STORAGE_DAEMON, args, { stdio: ['ignore', 'ignore', 'pipe'] }), opts.image);
  const stopTimeoutMs = opts.stopTimeoutMs ?? 5000;
  let disk: NbdClient;
  try {
    disk = await connectWhenReady(d, socketPath, opts);
  } catch (err) {
    await d.terminate(stopTimeoutMs);
    rmSync(socketPath, { force: true });
    throw err;
  }
  let stopping: Promise<void> | null = null;
  const stop = async (): Promise<void> => {
    let closeError: unknown = null;
    await disk.close().catch((err: unknown) => {
      closeError = err;
    });
    await d.terminate(stopTimeoutMs);
    rmSync(socketPath, { force: true });
    if (closeError !== null) throw closeError;
  };
  return {
    socketPath,
    exportName: EXPORT_NAME,
    disk,
    stop: () => (stopping ??= stop()),
  };
}
