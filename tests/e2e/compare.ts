/** Comparing a program's behaviour under Xenon with its behaviour under QEMU. */
import assert from 'node:assert/strict';
import type { RunResult } from '../harness/tools.js';

export interface CompareOptions {
  /** Compare stdout as a sorted list of lines (output order that depends on directory order). */
  readonly sortLines?: boolean;
}

function normalise(out: Buffer, opts: CompareOptions): string {
  const text = out.toString('latin1');
  return opts.sortLines ? text.split('\n').sort().join('\n') : text;
}

/** Asserts identical stdout, exit status and terminating signal; shows our stderr when they differ. */
export function assertSameBehaviour(ours: RunResult, qemu: RunResult, opts: CompareOptions = {}): void {
  const context = `xenon stderr:\n${ours.stderr.slice(0, 2000)}`;
  assert.equal(normalise(ours.stdout, opts), normalise(qemu.stdout, opts), `stdout differs\n${context}`);
  assert.equal(ours.status, qemu.status, `exit status differs\n${context}`);
  assert.equal(ours.signal, qemu.signal, `terminating signal differs\n${context}`);
}
