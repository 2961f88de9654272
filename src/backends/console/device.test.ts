import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConsoleBackend } from './device.js';
import { restoreConsoleState, saveConsoleState } from './persist.js';
import { XENCONS, XENCONS_PAGE_BYTES } from './regs.js';

const SENTINEL = 0xee;
const GUARD = 4096;

/**
 * The console ring page as the guest shares it: one page in the middle of a larger shared buffer
 * whose other bytes hold a sentinel, so any access outside the page would show.
 */
class Ring {
  readonly buffer = new SharedArrayBuffer(GUARD + XENCONS_PAGE_BYTES + GUARD);
  readonly page = new Uint8Array(this.buffer, GUARD, XENCONS_PAGE_BYTES);
  private readonly dv = new DataView(this.buffer, GUARD, XENCONS_PAGE_BYTES);
  readonly out: Uint8Array[] = [];
  notifies = 0;
  readonly backend: ConsoleBackend;

  constructor() {
    new Uint8Array(this.buffer).fill(SENTINEL);
    this.page.fill(0);
    this.backend = new ConsoleBackend({ page: this.page, notify: () => this.notifies++, output: (b) => this.out.push(b.slice()) });
  }

  get outCons(): number { return this.dv.getUint32(XENCONS.OUT_CONS, true); }
  set outCons(v: number) { this.dv.setUint32(XENCONS.OUT_CONS, v >>> 0, true); }
  get outProd(): number { return this.dv.getUint32(XENCONS.OUT_PROD, true); }
  set outProd(v: number) { this.dv.setUint32(XENCONS.OUT_PROD, v >>> 0, true); }
  get inCons(): number { return this.dv.getUint32(XENCONS.IN_CONS, true); }
  set inCons(v: number) { this.dv.setUint32(XENCONS.IN_CONS, v >>> 0, true); }
  get inProd(): number { return this.dv.getUint32(XENCONS.IN_PROD, true); }
  set inProd(v: number) { this.dv.setUint32(XENCONS.IN_PROD, v >>> 0, true); }

  /** The guest writes `bytes` to its output ring at out_prod and publishes them. */
  guestWrite(bytes: Uint8Array): void {
    let prod = this.outProd;
    for (const b of bytes) {
      this.page[XENCONS.OUT + (prod % XENCONS.OUT_SIZE)] = b;
      prod = (prod + 1) >>> 0;
    }
    this.outProd = prod;
  }

  /** The guest reads up to `max` bytes of input and advances in_cons. */
  guestRead(max = Infinity): number[] {
    const got: number[] = [];
    let cons = this.inCons;
    while (cons !== this.inProd && got.length < max) {
      got.push(this.page[XENCONS.IN + (cons % XENCONS.IN_SIZE)]!);
      cons = (cons + 1) >>> 0;
    }
    this.inCons = cons;
    return got;
  }

  output(): number[] {
    return this.out.flatMap((b) => [...b]);
  }

  /** Every byte outside the page still holds the sentinel. */
  assertOutsideUntouched(): void {
    const all = new Uint8Array(this.buffer);
    assert.ok(all.subarray(0, GUARD).every((b) => b === SENTINEL), 'the bytes before the page are untouched');
    assert.ok(all.subarray(GUARD + XENCONS_PAGE_BYTES).every((b) => b === SENTINEL), 'the bytes after the page are untouched');
  }
}

function bytes(n: number, seed = 0): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
}

describe('ConsoleBackend output', () => {
  test('kick() hands the guest\'s output to the sink in order, advances out_cons and notifies the guest', () => {
    const r = new Ring();
    r.guestWrite(new TextEncoder().encode('hello, '));
    r.guestWrite(new TextEncoder().encode('world\n'));
    r.backend.kick();
    assert.equal(new TextDecoder().decode(Uint8Array.from(r.output())), 'hello, world\n');
    assert.equal(r.outCons, 13);
    assert.equal(r.notifies, 1);
    assert.equal(r.backend.metrics.outBytes, 13);
  });

  test('kick() with nothing new neither outputs nor notifies', () => {
    const r = new Ring();
    r.backend.kick();
    assert.deepEqual(r.out, []);
    assert.equal(r.notifies, 0);
  });

  test('kick() drains output in order across the wrap of the 2048-byte ring', () => {
    const r = new Ring();
    r.outCons = 2000;
    r.outProd = 2000;
    const data = bytes(300, 1);
    r.guestWrite(data);
    r.backend.kick();
    assert.deepEqual(r.output(), [...data]);
    assert.equal(r.outCons, 2300);
  });

  test('kick() drains output across the wrap of the 32-bit indices', () => {
    const r = new Ring();
    r.outCons = 0xffff_fff0;
    r.outProd = 0xffff_fff0;
    const data = bytes(64, 2);
    r.guestWrite(data);
    assert.equal(r.outProd, 0x30);
    r.backend.kick();
    assert.deepEqual(r.output(), [...data]);
    assert.equal(r.outCons, 0x30);
    assert.equal(r.backend.metrics.badIndices, 0);
  });

  test('kick() takes a completely full ring (prod - cons = 2048) in one piece', () => {
    const r = new Ring();
    r.outCons = 100;
    r.outProd = 100;
    const data = bytes(2048, 3);
    r.guestWrite(data);
    r.backend.kick();
    assert.deepEqual(r.output(), [...data]);
    r.assertOutsideUntouched();
  });

  test('kick() counts a producer more than a ring ahead, outputs nothing, and resets the ring to empty', () => {
    const r = new Ring();
    r.outCons = 10;
    r.outProd = 10 + 2049;
    assert.doesNotThrow(() => r.backend.kick());
    assert.deepEqual(r.out, []);
    assert.equal(r.backend.metrics.badIndices, 1);
    assert.equal(r.outCons, r.outProd, 'the ring is empty again');
    // The ring works again afterwards.
    r.guestWrite(new TextEncoder().encode('ok'));
    r.backend.kick();
    assert.deepEqual(r.output(), [0x6f, 0x6b]);
    r.assertOutsideUntouched();
  });

  test('kick() counts a consumer ahead of the producer and never throws or leaves the page', () => {
    const r = new Ring();
    for (const [cons, prod] of [[5, 0], [3000, 1000], [0x8000_0000, 0], [2048, 0], [0, 0xffff_ffff]]) {
      r.outCons = cons!;
      r.outProd = prod!;
      assert.doesNotThrow(() => r.backend.kick(), `cons ${cons} prod ${prod}`);
    }
    assert.equal(r.backend.metrics.badIndices, 5);
    assert.deepEqual(r.out, []);
    r.assertOutsideUntouched();
  });

  test('ConsoleBackend() refuses a ring that is not one aligned 4 KiB page', () => {
    const notify = () => undefined;
    const output = () => undefined;
    assert.throws(() => new ConsoleBackend({ page: new Uint8Array(4095), notify, output }), RangeError);
    assert.throws(() => new ConsoleBackend({ page: new Uint8Array(new ArrayBuffer(8192), 2, 4096), notify, output }), RangeError);
  });
});

describe('ConsoleBackend input', () => {
  test('input() puts bytes into the guest\'s input ring at in_prod and notifies the guest', () => {
    const r = new Ring();
    r.backend.input(new TextEncoder().encode('ls\n'));
    assert.equal(r.inProd, 3);
    assert.equal(r.notifies, 1);
    assert.deepEqual(r.guestRead(), [0x6c, 0x73, 0x0a]);
    assert.equal(r.backend.metrics.inBytes, 3);
  });

  test('input() wraps the 1024-byte input ring in order', () => {
    const r = new Ring();
    r.inCons = 1000;
    r.inProd = 1000;
    const data = bytes(100, 4);
    r.backend.input(data);
    assert.deepEqual(r.guestRead(), [...data]);
    r.assertOutsideUntouched();
  });

  test('input() feeds what fits and holds the rest back until the guest has read', () => {
    const r = new Ring();
    const data = bytes(3000, 5);
    r.backend.input(data);
    assert.equal(r.inProd - r.inCons, 1024, 'the ring is filled');
    assert.equal(r.backend.metrics.inputBacklog, 3000 - 1024);
    const got = r.guestRead(600);
    r.backend.kick();
    assert.equal(r.inProd - r.inCons, 1024, 'refilled after the guest read');
    while (got.length < data.length) {
      got.push(...r.guestRead());
      r.backend.kick();
    }
    assert.deepEqual(got, [...data], 'every byte, in order, once');
    assert.equal(r.backend.metrics.inputBacklog, 0);
    assert.equal(r.backend.metrics.inBytes, 3000);
  });

  test('input() holds back at most 64 KiB and drops the rest', () => {
    const r = new Ring();
    r.backend.input(bytes(100 * 1024, 6));
    let total = r.guestRead().length;
    for (let i = 0; i < 200; i++) {
      r.backend.kick();
      const n = r.guestRead().length;
      if (n === 0) break;
      total += n;
    }
    assert.equal(total, 64 * 1024);
  });

  test('input() while the ring is full keeps everything for later', () => {
    const r = new Ring();
    r.backend.input(bytes(1024, 7));
    r.backend.input(bytes(10, 8));
    const notifies = r.notifies;
    assert.equal(r.inProd - r.inCons, 1024);
    assert.equal(notifies, 1, 'no notification when nothing was added');
    const got = r.guestRead();
    r.backend.kick();
    got.push(...r.guestRead());
    assert.deepEqual(got, [...bytes(1024, 7), ...bytes(10, 8)]);
  });

  test('metrics.inputBacklog counts input held back while the ring is full', () => {
    const r = new Ring();
    r.backend.input(bytes(1024, 7));
    r.backend.input(bytes(10, 8));
    assert.equal(r.backend.metrics.inputBacklog, 10);
  });

  test('input() with hostile input indices counts them, writes nothing and keeps the input', () => {
    const r = new Ring();
    for (const [cons, prod] of [[0, 1025], [7, 3], [0x8000_0005, 5]]) {
      r.inCons = cons!;
      r.inProd = prod!;
      const before = r.page.slice(XENCONS.IN, XENCONS.IN + XENCONS.IN_SIZE);
      assert.doesNotThrow(() => r.backend.input(bytes(16, 9)));
      assert.deepEqual(r.page.slice(XENCONS.IN, XENCONS.IN + XENCONS.IN_SIZE), before, `nothing written for cons ${cons} prod ${prod}`);
      assert.equal(r.inProd, prod, 'in_prod unchanged');
    }
    assert.equal(r.backend.metrics.badIndices, 3);
    assert.equal(r.notifies, 0);
    r.assertOutsideUntouched();
    // Sane indices again: all that input arrives.
    r.inCons = 0;
    r.inProd = 0;
    r.backend.kick();
    assert.deepEqual(r.guestRead(), [...bytes(16, 9), ...bytes(16, 9), ...bytes(16, 9)]);
  });
});

describe('ConsoleBackend save/restore', () => {
  test('save() and restore() carry input the guest has not accepted yet', () => {
    const a = new Ring();
    a.backend.input(bytes(1500, 10));
    const accepted = a.guestRead();
    const saved = a.backend.save();
    const b = new Ring();
    b.backend.restore(saved);
    b.backend.kick();
    const rest: number[] = [];
    for (let i = 0; i < 4; i++) {
      rest.push(...b.guestRead());
      b.backend.kick();
    }
    assert.deepEqual([...accepted, ...rest], [...bytes(1500, 10)]);
  });

  test('save() of a backend with nothing pending restores to nothing pending', () => {
    const b = new Ring();
    b.backend.restore(new Ring().backend.save());
    b.backend.kick();
    assert.equal(b.inProd, 0);
    assert.deepEqual(b.out, []);
  });

  test('restore() refuses another version, another magic and truncated state', () => {
    const good = saveConsoleState(bytes(20, 11));
    assert.deepEqual([...restoreConsoleState(good)], [...bytes(20, 11)]);
    const v2 = good.slice();
    new DataView(v2.buffer).setUint32(4, 2, true);
    const r = new Ring();
    assert.throws(() => r.backend.restore(v2), /version 2; this Xenon reads version 1/);
    const magic = good.slice();
    magic[0] ^= 0xff;
    assert.throws(() => r.backend.restore(magic), /Not a saved console backend state/);
    assert.throws(() => r.backend.restore(good.slice(0, 20)), /truncated/);
    assert.throws(() => r.backend.restore(good.slice(0, 8)), RangeError);
    // A refused restore leaves the pending input as it was.
    r.backend.kick();
    assert.equal(r.inProd, 0);
  });
});
