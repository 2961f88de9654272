/**
 * The hypervisor's own log, kept in a bounded ring as Xen's console ring is (what `xl dmesg` prints,
 * without timestamps, as Xen without console_timestamps), and Domain-0's console_io writes. Messages a guest can trigger are rate-limited per domain, as
 * Xen's XENLOG_G_* levels are, so a hostile guest cannot flood it.
 */
const DEFAULT_RING_BYTES = 64 * 1024;
/** Guest-triggered messages allowed per domain before further ones are dropped (and counted). */
const GUEST_MESSAGE_BURST = 50;

export class HypervisorLog {
  private lines: string[] = [];
  private bytes = 0;
  private readonly guestBudget = new Map<number, number>();
  /** Guest-triggered messages dropped by the rate limit. */
  dropped = 0;
  /** Where each new line also goes (a host log file or the daemon's structured log). */
  sink: ((line: string) => void) | null = null;

  constructor(private readonly ringBytes = DEFAULT_RING_BYTES) {}

  info(msg: string): void {
    this.append(`(XEN) ${msg}`);
  }

  /** A message a guest caused: rate-limited per domain. */
  guest(domid: number, msg: string): void {
    const used = this.guestBudget.get(domid) ?? 0;
    if (used >= GUEST_MESSAGE_BURST) {
      this.dropped++;
      return;
    }
    this.guestBudget.set(domid, used + 1);
    this.append(`(XEN) d${domid}: ${msg}`);
  }

  /** A line another thread's log already formatted (a domain's worker). */
  relay(line: string): void {
    this.append(line);
  }

  /** Text written by a privileged domain through console_io. */
  console(domid: number, text: string): void {
    for (const l of text.split('\n')) if (l.length > 0) this.append(`(d${domid}) ${l}`);
  }

  private append(line: string): void {
    this.lines.push(line);
    this.bytes += line.length + 1;
    while (this.bytes > this.ringBytes && this.lines.length > 1) this.bytes -= this.lines.shift()!.length + 1;
    this.sink?.(line);
  }

  /** The ring's contents, oldest first (`xl dmesg`); `clear` empties it as `xl dmesg -c` does. */
  read(clear = false): string {
    const text = this.lines.map((l) => `${l}\n`).join('');
    if (clear) {
      this.lines = [];
      this.bytes = 0;
    }
    return text;
  }
}
