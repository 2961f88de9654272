import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pl011 } from './device.js';
import { FR, INT, LCR_H_FEN, PL011_REGS as R } from './regs.js';

function rig() {
  const out: number[] = [];
  const levels: boolean[] = [];
  const uart = new Pl011({ irq: { set: (l) => levels.push(l) }, tx: (b) => out.push(b) });
  return { uart, out, levels };
}

test('PL011 transmits DR writes to the sink and reports an empty transmit FIFO', () => {
  const { uart, out } = rig();
  for (const ch of 'ok\n') uart.write(R.DR, 4, ch.charCodeAt(0));
  assert.equal(String.fromCharCode(...out), 'ok\n');
  assert.equal(uart.read(R.FR, 4) & (FR.TXFE | FR.TXFF), FR.TXFE);
  assert.equal(uart.metrics.txBytes, 3);
});

test('PL011 receive FIFO raises RX interrupts when unmasked and drains through DR', () => {
  const { uart, levels } = rig();
  uart.write(R.LCR_H, 4, LCR_H_FEN);
  uart.write(R.IMSC, 4, INT.RX | INT.RT);
  assert.equal(uart.read(R.FR, 4) & FR.RXFE, FR.RXFE);
  uart.receive(0x61);
  uart.receive(0x62);
  assert.equal(levels.at(-1), true);
  assert.equal(uart.read(R.MIS, 4) & INT.RX, INT.RX);
  assert.equal(uart.read(R.DR, 4), 0x61);
  assert.equal(uart.read(R.DR, 4), 0x62);
  assert.equal(levels.at(-1), false);
  assert.equal(uart.read(R.FR, 4) & FR.RXFE, FR.RXFE);
});

test('PL011 without FIFO holds one byte and counts overruns; with FIFO holds 16', () => {
  const { uart } = rig();
  assert.equal(uart.receive(1), true);
  assert.equal(uart.receive(2), false);
  assert.equal(uart.metrics.rxOverruns, 1);
  uart.write(R.LCR_H, 4, LCR_H_FEN);
  for (let i = 0; i < 15; i++) assert.equal(uart.receive(i), true);
  assert.equal(uart.receive(99), false);
  assert.equal(uart.read(R.FR, 4) & FR.RXFF, FR.RXFF);
});

test('PL011 state survives save/restore, including queued input', () => {
  const a = rig();
  a.uart.write(R.LCR_H, 4, LCR_H_FEN | 0x60);
  a.uart.write(R.IBRD, 4, 13);
  a.uart.write(R.IMSC, 4, INT.RX);
  a.uart.receive(0x41);
  a.uart.receive(0x42);
  const b = rig();
  b.uart.restore(a.uart.save());
  assert.equal(b.uart.read(R.LCR_H, 4), LCR_H_FEN | 0x60);
  assert.equal(b.uart.read(R.IBRD, 4), 13);
  assert.equal(b.levels.at(-1), true);
  assert.equal(b.uart.read(R.DR, 4), 0x41);
  assert.equal(b.uart.read(R.DR, 4), 0x42);
  assert.throws(() => b.uart.restore(new Uint8Array(3)), /truncated/);
});
