/**
 * Many Debian domUs at once through the daemon and the CLI, as a Xen host runs them: 8 domUs of
 * 128 MiB together; two busy ones pinned to one CPU by xl.cfg's `cpus` get CPU time by their credit2
 * weights (set with `xenon sched-credit2`, 256 against 512: about 1:2); `xenon top -b`,
 * `vcpu-list`, `list -v` and `sched-credit2` show them; a guest crashed with sysrq `c` panics and,
 * with `panic=1`, reboots itself, which on_reboot = "preserve" keeps as shut down for reboot
 * ("---sr-", reason code 1), as real Xen does on arm64 (Linux's arm64 Xen guest has no
 * SCHEDOP_shutdown(crash) on panic: the oracle shows the same).
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
import { assertCleanGuestLog, guestLogProblems } from '../harness/guest_log.js';
import { skipUnlessAvailable } from '../harness/prereq.js';
import { missingGuestImages } from '../harness/tools.js';

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');
const BOOT_TIMEOUT_MS = 15 * 60_000;
const IDLE = 6;
const INIT = `${DOMU_INIT_PROLOGUE}case "$(cat /proc/cmdline)" in
  *xenon.busy*) echo XENON-BUSY; while :; do :; done ;;
esac
echo XENON-MANY-UP
while true; do sleep 60; done
`;

const opts = skipUnlessAvailable(missingGuestImages());

describe('many domUs, credit2 weights and a guest panic, through the daemon', opts, () => {
  test('8 Debian domUs of 128 MiB at once; busy ones pinned to one CPU share it 1:2 by weight; sysrq c with panic=1 ends as a reboot', async () => {
    const img = await ensureGuestImages({ initScript: INIT, log: () => undefined });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xenon-many-'));
    const env = { ...process.env, XENON_SOCKET: path.join(dir, 'xenond.sock'), XENON_LOG_DIR: path.join(dir, 'log'), XENSTORED_PATH: path.join(dir, 'xenstored.sock') };
    const xenon = (...args: string[]) => {
      const r = spawnSync(process.execPath, [MAIN, ...args], { env, encoding: 'utf8', timeout: 120_000 });
      assert.equal(r.status, 0, `xenon ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    const consoleLog = (name: string) => {
      const f = path.join(dir, 'log', 'console', `guest-${name}.log`);
      return fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '';
    };
    const waitFor = async (what: string, cond: () => boolean) => {
      const t0 = Date.now();
      while (!cond()) {
        assert.ok(Date.now() - t0 < BOOT_TIMEOUT_MS, `timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    };
    const daemon = spawn(process.execPath, [MAIN, 'daemon'], { env, stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => daemon.on('exit', (code) => resolve(code)));
    try {
      const cfg = path.join(dir, 'many.cfg');
      fs.writeFileSync(cfg, [
        'type = "pvh"', 'memory = 128', 'vcpus = 1', `kernel = "${img.kernelImage}"`, `ramdisk = "${img.initramfs}"`,
        'extra = "console=hvc0 rdinit=/init cryptomgr.notests"', '',
      ].join('\n'));
      for (let i = 0; i < 100 && !fs.existsSync(env.XENON_SOCKET); i++) await new Promise((r) => setTimeout(r, 100));

      // Six idle domUs; the first can be crashed (sysrq c is masked by Debian's default) and reboots 1 s after a panic.
      const idle = Array.from({ length: IDLE }, (_, i) => `many${i}`);
      xenon('create', cfg, 'name="many0"', 'extra="console=hvc0 rdinit=/init cryptomgr.notests sysrq_always_enabled panic=1"', 'on_reboot="preserve"');
      for (const name of idle.slice(1)) xenon('create', cfg, `name="${name}"`);
      await waitFor('six idle domUs to reach /init', () => idle.every((n) => consoleLog(n).includes('XENON-MANY-UP')));

      // Two busy domUs, both pinned to CPU 0.
      for (const name of ['busyA', 'busyB']) xenon('create', cfg, `name="${name}"`, 'cpus="0"', 'extra="console=hvc0 rdinit=/init cryptomgr.notests xenon.busy"');
      await waitFor('both busy domUs to start spinning', () => ['busyA', 'busyB'].every((n) => consoleLog(n).includes('XENON-BUSY')));
      xenon('sched-credit2', '-d', 'busyA', '-w', '256');
      xenon('sched-credit2', '-d', 'busyB', '-w', '512');

      const list = xenon('list').split('\n').filter((l) => l !== '');
      assert.equal(list.length, 1 + IDLE + 2 + 1, `Domain-0 and eight domUs:\n${list.join('\n')}`);
      for (const name of [...idle, 'busyA', 'busyB']) assert.match(xenon('list'), new RegExp(`^${name.padEnd(40)} +\\d+   128     1 `, 'm'));

      const cpuTime = () => {
        const t = new Map<string, number>();
        for (const line of xenon('list').split('\n').slice(1)) {
          const f = line.trim().split(/\s+/);
          if (f.length >= 6) t.set(f[0]!, Number(f[f.length - 1]));
        }
        return t;
      };
      await new Promise((r) => setTimeout(r, 2000));
      const t0 = cpuTime();
      await new Promise((r) => setTimeout(r, 15_000));
      const t1 = cpuTime();
      const ranA = t1.get('busyA')! - t0.get('busyA')!;
      const ranB = t1.get('busyB')! - t0.get('busyB')!;
      assert.ok(ranA + ranB > 10, `the busy pair ran ${ranA + ranB} s of CPU in 15 s on their one CPU`);
      assert.ok(ranB / ranA > 1.5 && ranB / ranA < 2.6, `weights 256:512 gave ${ranA.toFixed(1)} s : ${ranB.toFixed(1)} s of CPU`);
      console.log(`# credit2 256:512 on one CPU over 15 s: ${ranA.toFixed(1)} s : ${ranB.toFixed(1)} s (ratio ${(ranB / ranA).toFixed(2)})`);

      const header = `${'Name'.padEnd(33)}   ID Weight  Cap\n`;
      assert.ok(xenon('sched-credit2').startsWith(`Cpupool Pool-0: ratelimit=1000us\n${header}${'Domain-0'.padEnd(33)}    0    256    0\n`));
      assert.match(xenon('sched-credit2', '-d', 'busyB'), new RegExp(`^${header}busyB {28} +\\d+    512    0\n$`));
      assert.match(xenon('vcpu-list', 'busyA'), /^busyA +\d+ +0 +0   [r-]-- +\d+\.\d  0 \/ all$/m);
      assert.match(xenon('vcpu-list', 'many1'), /^many1 +\d+ +0 +\d   [r-][b-]- +\d+\.\d  all \/ all$/m);
      const top = xenon('top', '-b', '-i', '2', '-d', '1').split('\n').filter((l) => l !== '');
      assert.equal(top.length, 2 * (1 + 1 + IDLE + 2), `two iterations of a header and nine domains:\n${top.join('\n')}`);
      const busyTop = top.filter((l) => /^ +busy[AB] /.test(l)).slice(-2).map((l) => Number(l.trim().split(/\s+/)[3]));
      assert.ok(busyTop.every((p) => p > 10), `xentop's CPU(%) for the busy pair: ${busyTop.join(', ')}`);

      // sysrq c: the guest panics and, with panic=1, reboots itself; on_reboot = "preserve" keeps it, shut down for reboot.
      xenon('sysrq', 'many0', 'c');
      await waitFor('many0 to shut down after its panic', () => /^many0 .*---sr- /m.test(xenon('list')));
      assert.match(consoleLog('many0'), /sysrq: Trigger a crash[\s\S]*Kernel panic - not syncing: sysrq triggered crash[\s\S]*Rebooting in 1 seconds/);
      assert.deepEqual(guestLogProblems(consoleLog('many0')).map((p) => p.kind), ['kernel panic'], 'the panic is the only trouble in its log');
      assert.match(xenon('list', '-v', 'many0'), /^many0 .*---sr- +\d+\.\d [0-9a-f-]{36}        1 {16}-$/m);

      for (const name of [...idle.slice(1), 'busyA', 'busyB']) assertCleanGuestLog(consoleLog(name), `${name}'s console`);
      daemon.kill('SIGTERM');
      assert.equal(await exited, 0, 'the daemon stops every domain and exits cleanly');
    } finally {
      daemon.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
