/**
 * The Xenon side of `bench/system_hot.ts`, in a process of its own: boots the virt board here (as
 * `xenon boot --vcpus 1 --gic 2` does) and notes the host time and the instructions retired when each
 * of the /init's markers reaches the console, which an outside observer of `xenon boot` could not
 * count. Prints one JSON line (`HotRun`) on stdout when the guest powers off.
 *
 * Usage: node dist/bench/system_hot_child.js KERNEL INITRD APPEND
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { loadKernel } from '../src/cli/boot.js';
import { nodeHostClock } from '../src/host/node/clock.js';
import { NodeIdleWaiter } from '../src/host/node/console.js';
import { VirtMachine } from '../src/platform/virt/machine.js';
import { cpuVcpuFactory } from '../src/platform/virt/machine_cpu.js';
import { marksIn, type HotMark, type HotRun } from './system_hot_marks.js';

const MEMORY_MIB = 512;

async function main(): Promise<void> {
  const [kernelPath, initrdPath, append] = process.argv.slice(2);
  if (kernelPath === undefined || initrdPath === undefined || append === undefined) {
    throw new Error('usage: system_hot_child.js KERNEL INITRD APPEND');
  }
  const marks: HotMark[] = [];
  let text = '';
  const t0 = performance.now();
  const decoder = new TextDecoder();
  const machine: VirtMachine = new VirtMachine({
    memoryMiB: MEMORY_MIB, vcpus: 1, gicVersion: 2, kernel: loadKernel(kernelPath, MEMORY_MIB), initrd: readFileSync(initrdPath),
    bootargs: append, rngSeed: new Uint8Array(randomBytes(32)), hostClock: nodeHostClock, host: new NodeIdleWaiter(),
    vcpuFactory: cpuVcpuFactory(), warn: (line) => process.stderr.write(`xenon: ${line}\n`),
    console: {
      // Called as the board flushes its UART at the end of a scheduling round, so a mark's count is
      // exact to within one round's slice.
      write: (bytes) => {
        const from = text.lastIndexOf('\n') + 1;
        text += decoder.decode(bytes, { stream: true });
        marks.push(...marksIn(text, from, (performance.now() - t0) / 1000, machine.instructionsRetired()));
      },
    },
  });
  const result = await machine.run();
  if (result.kind !== 'off') throw new Error(`the guest did not power off (${JSON.stringify(result)})\n${text.slice(-3000)}`);
  const run: HotRun = { marks, console: text };
  process.stdout.write(`${JSON.stringify(run)}\n`);
}

await main();
