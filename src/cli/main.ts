#!/usr/bin/env node
/** The `xenon` command line: dispatches to the command table (cmdtable.ts). */
import { ERROR_CODES } from '../lib/error_codes.js';
import { XenonError } from '../lib/errors.js';
import { COMMANDS, findCommand } from './cmdtable.js';
import { describeSystemError, handleStdoutErrors, isSystemError } from './host_errors.js';

function helpText(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: xenon <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run "xenon help <command>" for a command\'s options.',
  ].join('\n');
}

/** Runs the CLI on `argv` (without node and the script) and returns the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || (name === 'help' && rest.length === 0)) {
    process.stdout.write(helpText() + '\n');
    return name === undefined ? ERROR_CODES.USAGE.exitStatus : 0;
  }
  if (name === 'help') {
    const c = findCommand(rest[0]!);
    if (c === undefined) {
      process.stderr.write(`xenon: Unknown command "${rest[0]}"\n`);
      return ERROR_CODES.USAGE.exitStatus;
    }
    process.stdout.write(`Usage: ${c.usage}\n\n${c.summary}\n${c.help}\n`);
    return 0;
  }
  const cmd = findCommand(name);
  if (cmd === undefined) {
    process.stderr.write(`xenon: Unknown command "${name}"; run "xenon --help" for the list\n`);
    return ERROR_CODES.USAGE.exitStatus;
  }
  try {
    return await cmd.handler(rest);
  } catch (e) {
    if (e instanceof XenonError) {
      process.stderr.write(`xenon: ${e.message}\n`);
      return e.exitStatus;
    }
    // A host file the user named (or the cache, or a log) could not be read or written: say which and why.
    if (isSystemError(e)) {
      process.stderr.write(`xenon: Cannot ${describeSystemError(e)}\n`);
      return ERROR_CODES.HOST_IO.exitStatus;
    }
    throw e;
  }
}

handleStdoutErrors(process.stdout, process.stderr, (status) => process.exit(status));
process.exitCode = await main(process.argv.slice(2));
