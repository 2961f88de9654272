/**
 * Our own C programs (tests/programs), compiled with aarch64-linux-gnu-gcc -O2 -static, must behave
 * identically under `xenon run-elf` and under qemu-aarch64-static.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileProgram, missingTools, runQemu, runXenon } from '../harness/tools.js';
import { assertSameBehaviour } from './compare.js';
import { skipUnlessAvailable } from '../harness/prereq.js';

const PROGRAMS = [
  { name: 'int128', what: '128-bit multiplication and division' },
  { name: 'strings', what: "glibc's SIMD string functions over many lengths and alignments" },
  { name: 'fp_libm', what: 'libm under all four rounding modes' },
  { name: 'fp_flags', what: 'IEEE exception flags through fenv' },
  { name: 'threads', what: 'pthreads with atomics, a mutex and a condition variable' },
  { name: 'compute', what: 'the benchmark workload (integer hash, sieve, FP matrix product)' },
];

const opts = skipUnlessAvailable(missingTools(['qemu', 'gcc']));

for (const p of PROGRAMS) {
  test(`run-elf ${p.name}: ${p.what} matches QEMU`, opts, () => {
    const exe = compileProgram(p.name);
    const qemu = runQemu(exe, []);
    assert.equal(qemu.status, 0, `the program fails under QEMU: ${qemu.stderr}`);
    assertSameBehaviour(runXenon(exe, []), qemu);
  });
}
