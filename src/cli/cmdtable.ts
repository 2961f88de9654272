/**
 * The `xenon` command table, in the manner of xl's xl_cmdtable.c: one entry per command with its
 * handler, a one-line summary and its usage. Commands live in their own files and register here.
 */
import { BLOCK_COMMANDS } from './block.js';
import { bootCommand } from './boot.js';
import { createCommand } from './create.js';
import { imageCommand } from './image.js';
import { NETWORK_COMMANDS } from './network.js';
import { runElfCommand } from './run_elf.js';
import { SCHED_COMMANDS } from './sched.js';
import { topCommand } from './top.js';
import { startCommand } from './start.js';
import { VMCONTROL_COMMANDS } from './vmcontrol.js';

export interface Command {
  readonly name: string;
  /** Runs the command with the arguments after its name; resolves to the process exit status. */
  readonly handler: (args: readonly string[]) => number | Promise<number>;
  readonly summary: string;
  readonly usage: string;
  readonly help: string;
}

export const COMMANDS: readonly Command[] = [startCommand, createCommand, ...VMCONTROL_COMMANDS, ...SCHED_COMMANDS, ...BLOCK_COMMANDS, ...NETWORK_COMMANDS, topCommand, runElfCommand, bootCommand, imageCommand];

export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name);
}
