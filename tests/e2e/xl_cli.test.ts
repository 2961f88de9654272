/**
 * The xl-style CLI and the daemon with Debian's kernel, as a user runs them: `xenon daemon`, then
 * `xenon create` from an xl.cfg, `xenon list`, `xenon console` (a command piped into the guest's
 * shell, detaching at the end of the input), Debian's own `xenstore-read` against the daemon's
 * xenstored, `xenon mem-set` (the guest balloons down), `xenon reboot` (on_reboot = "restart"
 * brings it back with a new domid), `xenon shutdown -w` (the guest powers off through its xenstore
 * control node), the domain gone from `xenon list`, and the daemon stopping cleanly on SIGTERM.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureGuestImages } from '../../src/images/index.js';
import { DOMU_INIT_PROLOGUE } from '../harness/guest_init.js';
import { assertCleanGuestLog } from '../harness/guest_log.js';
import { firstMissing, missingCommands, skipUnlessAvailable } from '../harness/prereq.js';
import { missingGuestImages } from '../harness/tools.js';

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');
const TIMEOUT_MS = 240_000;
const INIT = `${DOMU_INIT_PROLOGUE}echo XENON-CLI-READY
exec sh
`;

const opts = skipUnlessAvailable(firstMissing(missingGuestImages(), missingCommands('xenstore-read')));

describe('xl-style CLI over the daemon', opts, () => {
  test('create, list, xenstore-read, mem-set, reboot, shutdown -w and a clean daemon stop, with Debian\'s kernel', async () => {
    const img = await ensureGuestImages({ initScript: INIT, log: () => undefined });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xenon-cli-'));
    const env = { ...process.env, XENON_SOCKET: path.join(dir, 'xenond.sock'), XENON_LOG_DIR: path.join(dir, 'log'), XENSTORED_PATH: path.join(dir, 'xenstored.sock') };
    const xenon = (...args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { env, encoding: 'utf8', timeout: TIMEOUT_MS });
    const daemon = spawn(process.execPath, [MAIN, 'daemon'], { env, stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => daemon.on('exit', (code) => resolve(code)));
    try {
      const cfg = path.join(dir, 'cli.cfg');
      fs.writeFileSync(cfg, [
        'name = "clitest"', 'type = "pvh"', 'memory = 192', 'vcpus = 1', `kernel = "${img.kernelImage}"`, `ramdisk = "${img.initramfs}"`,
        'extra = "console=hvc0 rdinit=/init cryptomgr.notests"', 'on_reboot = "restart"', '',
      ].join('\n'));
      for (let i = 0; i < 100 && !fs.existsSync(env.XENON_SOCKET); i++) await new Promise((r) => setTimeout(r, 100));
      const created = xenon('create', cfg);
      assert.equal(created.status, 0, created.stderr);
      assert.match(created.stderr, /Parsing config from /);

      const log = path.join(dir, 'log', 'console', 'guest-clitest.log');
      const t0 = Date.now();
      while (!(fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes('XENON-CLI-READY'))) {
        assert.ok(Date.now() - t0 < TIMEOUT_MS, `the guest did not reach its /init:\n${fs.existsSync(log) ? fs.readFileSync(log, 'utf8').slice(-2000) : '(no console log)'}`);
        await new Promise((r) => setTimeout(r, 500));
      }
      const list = xenon('list');
      assert.equal(list.status, 0, list.stderr);
      const lines = list.stdout.split('\n');
      assert.equal(lines[0], 'Name                                        ID   Mem VCPUs\tState\tTime(s)');
      assert.match(lines[1]!, new RegExp(`^${'Domain-0'.padEnd(40)}     0   512     2     r----- +\\d+\\.\\d$`));
      assert.match(lines[2]!, new RegExp(`^${'clitest'.padEnd(40)}     1   192     1     [r-][b-]---- +\\d+\\.\\d$`));
      const domid = xenon('domid', 'clitest').stdout.trim();
      assert.equal(domid, '1');

      // console: what is piped in reaches the guest's shell and its answer comes back; the end of the input detaches.
      const con = spawn(process.execPath, [MAIN, 'console', 'clitest'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
      let seen = '';
      con.stdout.on('data', (b: Buffer) => (seen += b.toString('latin1')));
      const conExit = new Promise<number | null>((resolve) => con.on('exit', (code) => resolve(code)));
      await new Promise((r) => setTimeout(r, 500));
      con.stdin.write('echo console-$((6*7))\n');
      for (let i = 0; i < 200 && !seen.includes('console-42'); i++) await new Promise((r) => setTimeout(r, 100));
      assert.match(seen, /console-42/, `the guest's shell answered through xenon console:\n${seen.slice(-500)}`);
      con.stdin.end();
      assert.equal(await conExit, 0, 'the end of piped input detaches');
      assert.match(xenon('list', 'clitest').stdout, /clitest/, 'and the domain runs on');

      const xs = spawnSync('xenstore-read', [`/local/domain/${domid}/name`], { env, encoding: 'utf8' });
      assert.equal(xs.status, 0, xs.stderr);
      assert.equal(xs.stdout.trim(), 'clitest', 'Debian\'s xenstore-read reads the domain\'s name from our xenstored');

      // mem-set: the guest's balloon driver follows memory/target (XENMEM_decrease_reservation).
      const before = JSON.parse(xenon('debug', 'counters', 'clitest').stdout) as { hypercalls: [number, number][] };
      assert.equal(xenon('mem-set', 'clitest', '160m').status, 0);
      assert.equal(spawnSync('xenstore-read', [`/local/domain/${domid}/memory/target`], { env, encoding: 'utf8' }).stdout.trim(), String(160 * 1024));
      const memoryOps = (c: { hypercalls: [number, number][] }) => c.hypercalls.find(([nr]) => nr === 12)?.[1] ?? 0;
      let after = before;
      for (let i = 0; i < 100 && memoryOps(after) === memoryOps(before); i++) {
        await new Promise((r) => setTimeout(r, 200));
        after = JSON.parse(xenon('debug', 'counters', 'clitest').stdout) as { hypercalls: [number, number][] };
      }
      assert.ok(memoryOps(after) > memoryOps(before), 'the balloon driver gave memory back');

      // reboot: on_reboot = "restart" brings it back under the same name with a new domid.
      assert.equal(xenon('reboot', 'clitest').status, 0);
      const t1 = Date.now();
      while (fs.readFileSync(log, 'utf8').split('XENON-CLI-READY').length - 1 < 2) {
        assert.ok(Date.now() - t1 < TIMEOUT_MS, 'the domain did not come back after reboot');
        await new Promise((r) => setTimeout(r, 500));
      }
      const newId = xenon('domid', 'clitest').stdout.trim();
      assert.notEqual(newId, domid, 'a restarted domain gets a new domid');

      const down = xenon('shutdown', '-w', 'clitest');
      assert.equal(down.status, 0, down.stderr);
      assert.equal(down.stdout, `Shutting down domain ${newId}\nWaiting for 1 domains\nDomain ${newId} has been shut down, reason code 0\n`);
      for (let i = 0; i < 50 && xenon('list').stdout.includes('clitest'); i++) await new Promise((r) => setTimeout(r, 100));
      assert.doesNotMatch(xenon('list').stdout, /clitest/, 'on_poweroff = destroy removes the domain');
      assertCleanGuestLog(fs.readFileSync(log, 'utf8'), 'domU console');

      daemon.kill('SIGTERM');
      assert.equal(await exited, 0, 'the daemon exits cleanly on SIGTERM');
      assert.ok(!fs.existsSync(env.XENON_SOCKET), 'the daemon removes its socket');
    } finally {
      daemon.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
