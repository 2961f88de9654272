/** Running the benchmarks' guests as child processes, timed from spawn, their output watched as it arrives. */
import { spawn, spawnSync } from 'node:child_process';

/** What a timed child printed, and how long it ran from spawn to exit. */
export interface TimedRun {
  readonly seconds: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Whether `cmd` is on the PATH. */
export function haveCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Spawns `cmd` with stdin closed (an empty pipe, as the e2e boot tests do) and resolves at its exit.
 * After each chunk of stdout, `watch` gets the whole output so far, where the chunk's first line
 * began (so a search over `stdout.slice(from)` sees every line once, however it was split), and the
 * seconds since spawn: timestamps cost nothing extra. Rejects when the child cannot start, exits
 * non-zero, or runs past `timeoutMs` (killed: only a hung guest takes that long). `what` names the
 * benchmark in errors.
 */
export function spawnTimed(
  what: string, cmd: string, args: readonly string[], timeoutMs: number, watch: (stdout: string, from: number, seconds: number) => void,
): Promise<TimedRun> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const since = (): number => Number(process.hrtime.bigint() - t0) / 1e9;
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.end();
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const from = stdout.lastIndexOf('\n') + 1;
      stdout += chunk;
      watch(stdout, from, since());
    });
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`Cannot start "${cmd}": ${e.message}`, { cause: e }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const seconds = since();
      if (code !== 0) {
        const why = signal !== null ? `killed by ${signal}${signal === 'SIGKILL' ? ' (timeout)' : ''}` : `exit status ${code}`;
        reject(new Error(`${what}: "${cmd}" failed (${why})\n--- console tail ---\n${stdout.slice(-3000)}\n--- stderr ---\n${stderr.slice(-2000)}`));
        return;
      }
      resolve({ seconds, stdout, stderr });
    });
  });
}
