import { test } from 'node:test';
import assert from 'node:assert/strict';
import { XenonError } from '../lib/errors.js';
import { parseRunElfArgs } from './run_elf.js';

test('parseRunElfArgs() stops at the executable: later options belong to the guest', () => {
  assert.deepEqual(parseRunElfArgs(['--trace', '--memory', '64', '--stats', 'prog', '--trace', '-x']), {
    trace: true, stats: true, jit: 'wasm', memoryMiB: 64, exe: 'prog', argv: ['prog', '--trace', '-x'],
  });
  assert.deepEqual(parseRunElfArgs(['--memory=32', '--', '-odd-name']), { trace: false, stats: false, jit: 'wasm', memoryMiB: 32, exe: '-odd-name', argv: ['-odd-name'] });
  assert.equal(parseRunElfArgs(['p']).memoryMiB, 1024);
});

test('parseRunElfArgs() rejects bad options with USAGE errors', () => {
  const usage = (args: string[], re: RegExp): void =>
    assert.throws(() => parseRunElfArgs(args), (e: unknown) => e instanceof XenonError && e.code === 'USAGE' && re.test(e.message));
  usage([], /Missing the executable/);
  usage(['--trace'], /Missing the executable/);
  usage(['--bogus', 'p'], /Unknown option "--bogus"/);
  usage(['--memory', '3', 'p'], /--memory "3"/);
  usage(['--memory', 'x', 'p'], /--memory "x"/);
  usage(['--memory'], /--memory ""/);
  // Regressions (issue 10): 4096 made every program die of SIGILL (the RAM's 16- and 32-bit views came out
  // empty); a hex or padded number was quietly read as decimal.
  usage(['--memory', '4096', 'p'], /from 16 to 4095/);
  usage(['--memory', '0x100', 'p'], /--memory "0x100"/);
  usage(['--memory', ' 64', 'p'], /--memory " 64"/);
  assert.equal(parseRunElfArgs(['--memory', '4095', 'p']).memoryMiB, 4095);
});
