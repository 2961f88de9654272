/**
 * ARM PL011 UART: what Linux's amba-pl011 driver and earlycon use. Transmit goes straight to the
 * console sink (the FIFO never fills, as in QEMU's model); receive has a FIFO fed by the console,
 * with RX and receive-timeout interrupts so an interactive shell gets its input.
 */
import type { MmioDevice } from '../bus.js';
import type { IrqLine } from '../irq.js';
import { Pl011Metrics } from './metrics.js';
import { restorePl011, savePl011 } from './persist.js';
import { FR, INT, LCR_H_FEN, PL011_FIFO_DEPTH, PL011_ID, PL011_ID_BASE, PL011_REGS as R } from './regs.js';

export interface Pl011Options {
  readonly irq: IrqLine;
  /** Where transmitted bytes go (the terminal, a log, a test). */
  readonly tx: (byte: number) => void;
}

export class Pl011 implements MmioDevice {
  readonly name = 'pl011';
  readonly metrics = new Pl011Metrics();
  private readonly irq: IrqLine;
  private readonly tx: (byte: number) => void;
  private rxFifo: number[] = [];
  private ibrd = 0;
  private fbrd = 0;
  private lcrh = 0;
  private cr = 0x300; // TXE | RXE, the reset value
  private ifls = 0x12;
  private imsc = 0;
  private ris = 0;
  private dmacr = 0;
  private ilpr = 0;

  constructor(opts: Pl011Options) {
    this.irq = opts.irq;
    this.tx = opts.tx;
  }

  /** Bytes the receive FIFO can still take; the console holds the rest back until then. */
  rxSpace(): number {
    return this.fifoDepth() - this.rxFifo.length;
  }

  /** Input from the console. Returns false (byte dropped, overrun counted) when the FIFO is full. */
  receive(byte: number): boolean {
    if (this.rxFifo.length >= this.fifoDepth()) {
      this.metrics.rxOverruns++;
      return false;
    }
    this.rxFifo.push(byte & 0xff);
    this.metrics.rxBytes++;
    this.ris |= INT.RX | INT.RT;
    this.update();
    return true;
  }

  private fifoDepth(): number {
    return (this.lcrh & LCR_H_FEN) !== 0 ? PL011_FIFO_DEPTH : 1;
  }

  private update(): void {
    this.irq.set((this.ris & this.imsc) !== 0);
  }

  read(offset: number, sizeBytes: number): number {
    if (sizeBytes > 4 || (offset & 3) !== 0) {
      this.metrics.badAccesses++;
      return 0;
    }
    switch (offset) {
      case R.DR: {
        const b = this.rxFifo.shift() ?? 0;
        if (this.rxFifo.length === 0) this.ris &= ~(INT.RX | INT.RT);
        this.update();
        return b;
      }
      case R.RSR: return 0;
      case R.FR: {
        const n = this.rxFifo.length;
        return FR.TXFE | (n === 0 ? FR.RXFE : 0) | (n >= this.fifoDepth() ? FR.RXFF : 0);
      }
      case R.ILPR: return this.ilpr;
      case R.IBRD: return this.ibrd;
      case R.FBRD: return this.fbrd;
      case R.LCR_H: return this.lcrh;
      case R.CR: return this.cr;
      case R.IFLS: return this.ifls;
      case R.IMSC: return this.imsc;
      case R.RIS: return this.ris;
      case R.MIS: return this.ris & this.imsc;
      case R.DMACR: return this.dmacr;
    }
    if (offset >= PL011_ID_BASE && offset < PL011_ID_BASE + 4 * PL011_ID.length) return PL011_ID[(offset - PL011_ID_BASE) >> 2]!;
    this.metrics.badAccesses++;
    return 0;
  }

  write(offset: number, sizeBytes: number, value: number): void {
    if (sizeBytes > 4 || (offset & 3) !== 0) {
      this.metrics.badAccesses++;
      return;
    }
    switch (offset) {
      case R.DR:
        this.tx(value & 0xff);
        this.metrics.txBytes++;
        // The byte leaves at once, so the transmit FIFO is below its trigger level again.
        this.ris |= INT.TX;
        this.update();
        return;
      case R.RSR: return; // error clear: we never report errors
      case R.ILPR: this.ilpr = value & 0xff; return;
      case R.IBRD: this.ibrd = value & 0xffff; return;
      case R.FBRD: this.fbrd = value & 0x3f; return;
      case R.LCR_H:
        // Turning the FIFO off leaves at most one character, as the hardware's one-deep holding register.
        this.lcrh = value & 0xff;
        if ((this.lcrh & LCR_H_FEN) === 0) this.rxFifo = this.rxFifo.slice(0, 1);
        return;
      case R.CR: this.cr = value & 0xffff; return;
      case R.IFLS: this.ifls = value & 0x3f; return;
      case R.IMSC: this.imsc = value & 0x7ff; this.update(); return;
      case R.ICR: this.ris &= ~value; this.update(); return;
      case R.DMACR: this.dmacr = value & 7; return;
    }
    this.metrics.badAccesses++;
  }

  save(): Uint8Array {
    return savePl011({
      regs: { ibrd: this.ibrd, fbrd: this.fbrd, lcrh: this.lcrh, cr: this.cr, ifls: this.ifls, imsc: this.imsc, ris: this.ris, dmacr: this.dmacr, ilpr: this.ilpr },
      rxFifo: this.rxFifo,
    });
  }

  restore(bytes: Uint8Array): void {
    const s = restorePl011(bytes, PL011_FIFO_DEPTH);
    ({ ibrd: this.ibrd, fbrd: this.fbrd, lcrh: this.lcrh, cr: this.cr, ifls: this.ifls, imsc: this.imsc, ris: this.ris, dmacr: this.dmacr, ilpr: this.ilpr } = s.regs);
    this.rxFifo = [...s.rxFifo];
    this.update();
  }
}
