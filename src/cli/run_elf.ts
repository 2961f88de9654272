/** `xenon run-elf`: run a static arm64 Linux executable on our CPU, like qemu-aarch64. */
import * as fs from 'node:fs';
import { XenonError } from '../lib/errors.js';
import { BadExecutableError } from '../lib/elf.js';
import { runStaticElf } from '../linux_user/run.js';
import type { Command } from './cmdtable.js';
import { applyJitMode, jitHelp, jitStatsLine, parseJitMode, type JitMode } from './jit_option.js';

/** The largest RAM the CPU's memory path addresses (its 16- and 32-bit views need fewer than 2^32 bytes). */
const MAX_MEMORY_MIB = 4095;
const USAGE = 'xenon run-elf [--trace] [--stats] [--jit wasm|js|off] [--no-jit] [--memory MiB] <static-arm64-elf> [args...]';

interface RunElfArgs {
  readonly trace: boolean;
  readonly stats: boolean;
  /** Interpret every block (no compiled blocks). */
  readonly jit: JitMode;
  readonly memoryMiB: number;
  readonly exe: string;
  readonly argv: readonly string[];
}

/** Options stop at the executable's name: everything after it belongs to the guest. */
export function parseRunElfArgs(args: readonly string[]): RunElfArgs {
  let trace = false;
  let stats = false;
  let jit: JitMode = 'wasm';
  let memoryMiB = 1024;
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-') || a === '-') break;
    if (a === '--trace') trace = true;
    else if (a === '--stats') stats = true;
    else if (a === '--no-jit') jit = 'off';
    else if (a === '--jit' || a.startsWith('--jit=')) jit = parseJitMode((a.includes('=') ? a.slice(a.indexOf('=') + 1) : args[++i]) ?? '');
    else if (a === '--memory' || a.startsWith('--memory=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : args[++i];
      // Decimal digits only ("0x100" is not 256 here); the CPU's RAM views stop below 4 GiB.
      const n = v !== undefined && /^[0-9]+$/.test(v) ? Number(v) : NaN;
      if (!(n >= 16 && n <= MAX_MEMORY_MIB)) {
        throw new XenonError('USAGE', `Cannot use --memory "${v ?? ''}": give a whole number of MiB from 16 to ${MAX_MEMORY_MIB}`);
      }
      memoryMiB = n;
    } else throw new XenonError('USAGE', `Unknown option "${a}"; usage: ${USAGE}`);
  }
  const exe = args[i];
  if (exe === undefined) throw new XenonError('USAGE', `Missing the executable; usage: ${USAGE}`);
  return { trace, stats, jit, memoryMiB, exe, argv: args.slice(i) };
}

function runElf(args: readonly string[]): number {
  const a = parseRunElfArgs(args);
  if (!fs.existsSync(a.exe)) throw new XenonError('FILE_NOT_FOUND', `Cannot run "${a.exe}": no such file`);
  applyJitMode(a.jit);
  const envp = Object.entries(process.env).map(([k, v]) => `${k}=${v ?? ''}`);
  let result;
  try {
    result = runStaticElf({ exe: a.exe, argv: a.argv, envp, memoryBytes: a.memoryMiB * 1024 * 1024, trace: a.trace, stats: a.stats });
    if (a.stats) process.stderr.write(`${jitStatsLine()}\n`);
  } catch (e) {
    if (e instanceof BadExecutableError) throw new XenonError(e.code, `Cannot run "${a.exe}": ${e.reason}`, { cause: e });
    throw e;
  }
  return result;
}

export const runElfCommand: Command = {
  name: 'run-elf',
  handler: runElf,
  summary: 'Run a static arm64 Linux executable on the Xenon CPU',
  usage: USAGE,
  help: [
    'Runs the program at EL0 with a Linux system-call layer, passing stdin, stdout, stderr and the exit',
    'status through. A program killed by a signal kills xenon with the same signal.',
    '  --trace        print each system call, signal and fault on stderr',
    '  --stats        print the guest instruction count and rate on stderr at the end',
    ...jitHelp(14),
    '  --memory MiB   guest RAM shared by all guest processes (default 1024)',
  ].join('\n'),
};
