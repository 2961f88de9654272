import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertCleanGuestLog, guestLogProblems } from './guest_log.js';

/** A healthy boot's lines that mention the same words in passing. */
const CLEAN = [
  '[    0.000000] Booting Linux on physical CPU 0x0000000000 [0x410fd034]',
  '[    0.000000] rcu: Preemptible hierarchical RCU implementation.',
  '[    0.000000] rcu: RCU calculated value of scheduler-enlistment delay is 25 jiffies.',
  '[    0.000000] rcu: \tRCU restricting CPUs from NR_CPUS=256 to nr_cpu_ids=2.',
  '[    0.123456] Kernel command line: console=ttyAMA0 panic=-1 oops=panic',
  '[    1.000000] Run /init as init process',
  'XENON-INIT-START',
  'sum=42',
  '[    5.000000] reboot: Power down',
].join('\r\n');

test('a healthy boot log passes', () => {
  assert.deepEqual(guestLogProblems(CLEAN), []);
  assertCleanGuestLog(CLEAN);
});

const REPORTS: readonly (readonly [string, string])[] = [
  ['kernel Oops', '[   12.345678] Internal error: Oops: 0000000096000004 [#1] SMP'],
  ['kernel Oops', '[   12.345678] Internal error: Oops - BUG: 00000000f2000800 [#1] SMP'],
  ['kernel Oops', 'Oops: 0002 [#1] PREEMPT SMP'],
  ['kernel BUG', '[    3.000000] BUG: sleeping function called from invalid context at mm/slab.h:494'],
  ['kernel BUG', '[    3.000000][    T1] BUG: kernel NULL pointer dereference, address: 0000000000000008'],
  ['kernel BUG', '[    3.000000] kernel BUG at mm/slub.c:1234!'],
  ['kernel WARNING', '[    2.000000] WARNING: CPU: 1 PID: 0 at kernel/time/tick-sched.c:1234 tick_nohz_idle_exit+0x0/0x30'],
  ['kernel WARNING', '[    2.000000] WARNING: suspicious RCU usage'],
  ['RCU stall', '[   30.000000] rcu: INFO: rcu_preempt self-detected stall on CPU'],
  ['RCU stall', '[   30.000000] rcu: INFO: rcu_sched detected stalls on CPUs/tasks:'],
  ['RCU stall', '[   30.000000] rcu: INFO: rcu_sched detected expedited stalls on CPUs/tasks: { 1-... } 21 jiffies s: 89 root: 0x2/.'],
  ['RCU stall', 'INFO: rcu_sched self-detected stall on CPU'],
  ['RCU stall', '[   30.000000] RCU stall on CPU 1'],
  ['kernel panic', '[    9.000000] Kernel panic - not syncing: Attempted to kill init! exitcode=0x0000000b'],
  ['kernel fault', '[    4.000000] Unable to handle kernel paging request at virtual address ffff800080000000'],
];

for (const [kind, line] of REPORTS) {
  test(`"${line.slice(0, 60)}" is reported as ${kind}`, () => {
    const log = `${CLEAN}\n${line}\n[   99.0] Call trace:`;
    assert.deepEqual(guestLogProblems(log).map((p) => [p.kind, p.lineNo]), [[kind, 10]]);
    assert.throws(() => assertCleanGuestLog(log, 'boot'), (e: Error) => {
      assert.match(e.message, new RegExp(`^boot: the kernel reported trouble 1 time\\(s\\)\\n  line 10 \\(${kind}\\)`));
      assert.match(e.message, /Call trace:/, 'the lines after the report are quoted');
      return true;
    });
  });
}

test('the words alone, mid-line in program output, are not kernel reports', () => {
  const log = ['echo says WARNING: nothing', 'no BUG: here', 'Oopsie', 'test-rcu: INFO: fine'].join('\n');
  assert.deepEqual(guestLogProblems(log), []);
});
