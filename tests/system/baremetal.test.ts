/**
 * End-to-end test of the system-mode CPU with a bare-metal program built by the cross gcc at test
 * time (tests/system/baremetal: vectors, page tables, MMU on, a high alias, a handled data abort, a
 * round trip to EL0 by ERET and SVC). The program reports a bit mask of passed checks in X0 by HVC.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../harness/tools.js';
import { missingCommands, skipUnlessAvailable } from '../harness/prereq.js';
import { systemMachine } from '../harness/system_machine.js';

const LOAD_ADDR = 0x80000;
const ALL_CHECKS = 0x3fn;

function sourceDir(): string | null {
  for (const root of [REPO_ROOT, process.cwd()]) {
    const dir = path.join(root, 'tests/system/baremetal');
    if (existsSync(path.join(dir, 'main.c'))) return dir;
  }
  return null;
}

function build(src: string): Uint8Array {
  const out = mkdtempSync(path.join(tmpdir(), 'xenon-baremetal-'));
  try {
    const elf = path.join(out, 'test.elf');
    const bin = path.join(out, 'test.bin');
    const cc = spawnSync('aarch64-linux-gnu-gcc', [
      '-O2', '-nostdlib', '-ffreestanding', '-fno-pic', '-fno-stack-protector', '-static', '-mgeneral-regs-only',
      '-Wl,--build-id=none', '-Wl,--no-warn-rwx-segments', '-T', path.join(src, 'link.ld'), '-o', elf,
      path.join(src, 'start.S'), path.join(src, 'main.c'),
    ], { encoding: 'utf8' });
    assert.equal(cc.status, 0, `gcc failed: ${cc.stderr}`);
    const oc = spawnSync('aarch64-linux-gnu-objcopy', ['-O', 'binary', elf, bin], { encoding: 'utf8' });
    assert.equal(oc.status, 0, `objcopy failed: ${oc.stderr}`);
    return new Uint8Array(readFileSync(bin));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const SOURCES = sourceDir();
const opts = skipUnlessAvailable(
  missingCommands('aarch64-linux-gnu-gcc', 'aarch64-linux-gnu-objcopy') ?? (SOURCES === null && 'tests/system/baremetal sources not found'),
);

test('bare-metal EL1 program: MMU, high alias, data abort, EL0 round trip', opts, () => {
  const image = build(SOURCES!);
  const m = systemMachine({ ramBytes: 4 << 20 });
  m.ram.set(image, LOAD_ADDR);
  m.cpu.flushCode();
  m.cpu.state.pc = LOAD_ADDR;
  const exit = m.run(10_000_000);
  assert.equal(exit.kind, 'hvc', `stopped with ${JSON.stringify(exit)} at ${m.cpu.state.pc.toString(16)}`);
  assert.equal(exit.kind === 'hvc' && exit.imm, 0, `unexpected exception: ESR ${m.x(0).toString(16)}`);
  assert.equal(m.x(0), ALL_CHECKS, `checks passed: ${m.x(0).toString(2)}`);
});
