/**
 * A toolstack as a user runs it, for the end-to-end tests of xl's commands: `xenon daemon` of its
 * own in a temporary directory (socket, logs and xenstored socket there), the `xenon` CLI run
 * against it from that directory, and the consoles the daemon logs for its domains.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');

export interface XlSession {
  /** The session's directory: the CLI's working directory, where relative paths are taken from. */
  readonly dir: string;
  /** Runs `xenon ARGS` against this session's daemon and waits for it. */
  xenon(...args: string[]): SpawnSyncReturns<string>;
  /**
   * Writes `NAME.cfg` for a 192 MiB, one-vCPU PVH domU booting `images` with console=hvc0 and
   * rdinit=/init, and creates it with `xenon create`.
   */
  createDomU(name: string, images: { readonly kernelImage: string; readonly initramfs: string }): void;
  /** What domain `name`'s console has printed so far. */
  consoleText(name: string): string;
  /** Waits until domain `name`'s console shows `marker`; fails with `what` and the console's tail after the session's timeout. */
  waitFor(name: string, marker: string, what: string): Promise<void>;
  /** SIGTERM to the daemon; resolves to its exit status. */
  stop(): Promise<number | null>;
  /** Kills the daemon if it still runs and removes the directory. */
  dispose(): void;
}

/** Starts the daemon in a new directory under the system's temporary one (`prefix` names it); each wait is bounded by `timeoutMs`. */
export async function startXlSession(o: { readonly prefix: string; readonly timeoutMs: number }): Promise<XlSession> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), o.prefix));
  const env = { ...process.env, XENON_SOCKET: path.join(dir, 'xenond.sock'), XENON_LOG_DIR: path.join(dir, 'log'), XENSTORED_PATH: path.join(dir, 'xenstored.sock') };
  const xenon = (...args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { env, cwd: dir, encoding: 'utf8', timeout: o.timeoutMs });
  const daemon = spawn(process.execPath, [MAIN, 'daemon'], { env, stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => daemon.on('exit', (code) => resolve(code)));
  const consoleText = (name: string) => {
    const log = path.join(dir, 'log', 'console', `guest-${name}.log`);
    return fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '';
  };
  for (let i = 0; i < 100 && !fs.existsSync(env.XENON_SOCKET); i++) await new Promise((r) => setTimeout(r, 100));
  return {
    dir, xenon, consoleText,
    createDomU: (name, images) => {
      fs.writeFileSync(path.join(dir, `${name}.cfg`), [
        `name = "${name}"`, 'type = "pvh"', 'memory = 192', 'vcpus = 1', `kernel = "${images.kernelImage}"`, `ramdisk = "${images.initramfs}"`,
        'extra = "console=hvc0 rdinit=/init cryptomgr.notests"', '',
      ].join('\n'));
      const created = xenon('create', `${name}.cfg`);
      assert.equal(created.status, 0, created.stderr);
    },
    waitFor: async (name, marker, what) => {
      const t0 = Date.now();
      while (!consoleText(name).includes(marker)) {
        assert.ok(Date.now() - t0 < o.timeoutMs, `${what}; console:\n${consoleText(name).slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    stop: () => {
      daemon.kill('SIGTERM');
      return exited;
    },
    dispose: () => {
      daemon.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
