/**
 * Download progress on stderr: a redrawn bar on a terminal, plain lines (every 10 %) otherwise,
 * so logs stay readable.
 */

/** Where progress goes; `process.stderr` fits. */
export interface ProgressSink {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** Receives byte counts as a download proceeds. */
export interface Progress {
  update(receivedBytes: number): void;
  done(): void;
}

const MiB = 1024 * 1024;
const BAR_WIDTH = 24;

function mib(n: number): string {
  return (n / MiB).toFixed(1);
}

/** A progress reporter for one download of `totalBytes` (0 when unknown). */
export function createProgress(label: string, totalBytes: number, sink: ProgressSink, now = Date.now): Progress {
  const start = now();
  let lastDraw = 0;
  let lastDecile = -1;
  let received = 0;
  const line = (): string => {
    const secs = Math.max((now() - start) / 1000, 0.001);
    const rate = `${mib(received / secs)} MiB/s`;
    if (totalBytes <= 0) return `${label} ${mib(received)} MiB ${rate}`;
    const frac = Math.min(received / totalBytes, 1);
    const fill = Math.round(frac * BAR_WIDTH);
    const bar = `[${'#'.repeat(fill)}${'-'.repeat(BAR_WIDTH - fill)}]`;
    return `${label} ${bar} ${Math.floor(frac * 100)}% ${mib(received)}/${mib(totalBytes)} MiB ${rate}`;
  };
  return {
    update(receivedBytes: number): void {
      received = receivedBytes;
      if (sink.isTTY) {
        const t = now();
        if (t - lastDraw < 100) return;
        lastDraw = t;
        sink.write(`\r${line()}\x1b[K`);
      } else if (totalBytes > 0) {
        const decile = Math.floor((received / totalBytes) * 10);
        if (decile > lastDecile && decile < 10) {
          lastDecile = decile;
          sink.write(`${line()}\n`);
        }
      }
    },
    done(): void {
      sink.write(sink.isTTY ? `\r${line()}\x1b[K\n` : `${line()}\n`);
    },
  };
}
