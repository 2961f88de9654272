/** What the system-mode hot-code benchmark's /init prints around each workload, and what is noted then. */

/** A whole marker line: `XENON-HOT BEGIN name` or `XENON-HOT END name` (a name such as `sha256sum-2`). */
const MARK_PATTERN = /XENON-HOT (BEGIN|END) ([\w-]+)\r?\n/g;

/** A marker as seen on a console: when (seconds from the start) and, for Xenon, after how many guest instructions. */
export interface HotMark {
  readonly phase: 'BEGIN' | 'END';
  readonly name: string;
  readonly seconds: number;
  readonly insns: number | null;
}

/** One boot's markers and its whole console. */
export interface HotRun {
  readonly marks: readonly HotMark[];
  readonly console: string;
}

/** The markers in `text` from `from` on (whole lines only), each noted at `seconds` and `insns`. */
export function marksIn(text: string, from: number, seconds: number, insns: number | null): HotMark[] {
  return [...text.slice(from).matchAll(MARK_PATTERN)].map((m) => ({ phase: m[1] as HotMark['phase'], name: m[2]!, seconds, insns }));
}
