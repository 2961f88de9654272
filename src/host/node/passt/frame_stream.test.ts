import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_LINK_FRAME_BYTES } from '../../common/ethernet_link.js';
import { encodeFrame, FrameDecoder } from './frame_stream.js';

function frameOf(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (seed + i) & 0xff);
}

function header(length: number): Uint8Array {
  const h = new Uint8Array(4);
  new DataView(h.buffer).setUint32(0, length, false);
  return h;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Feeds `chunks` to a fresh decoder: the frames it delivered and the error it ended with. */
function decode(chunks: readonly Uint8Array[], max?: number): { frames: Uint8Array[]; error: string | null } {
  const d = new FrameDecoder(max);
  const frames: Uint8Array[] = [];
  let error: string | null = null;
  for (const c of chunks) error = d.push(c, (f) => frames.push(f));
  return { frames, error };
}

test('encodeFrame() puts the length, big-endian, before a copy of the frame', () => {
  const frame = frameOf(300, 7);
  const out = encodeFrame(frame);
  assert.deepEqual(out.subarray(0, 4), Uint8Array.of(0, 0, 1, 44));
  assert.deepEqual(out.subarray(4), frame);
  frame[0] = 0xaa;
  assert.equal(out[4], 7);
});

test('FrameDecoder.push() delivers many frames from one chunk, in order', () => {
  const frames = [frameOf(60, 1), frameOf(1514, 2), frameOf(14, 3)];
  const { frames: got, error } = decode([concat(...frames.map(encodeFrame))]);
  assert.equal(error, null);
  assert.deepEqual(got, frames);
});

test('FrameDecoder.push() reassembles frames split anywhere, the length word included', () => {
  const frames = [frameOf(64, 9), frameOf(200, 10), frameOf(15, 11)];
  const stream = concat(...frames.map(encodeFrame));
  // Every split point of a two-chunk stream, then one byte at a time.
  for (let cut = 0; cut <= stream.length; cut++) {
    const { frames: got, error } = decode([stream.subarray(0, cut), stream.subarray(cut)]);
    assert.equal(error, null);
    assert.deepEqual(got, frames, `split at ${cut}`);
  }
  const bytes = [...stream].map((b) => Uint8Array.of(b));
  assert.deepEqual(decode(bytes).frames, frames);
});

test('FrameDecoder.push() delivers frames the caller may keep while the chunk is reused', () => {
  const chunk = encodeFrame(frameOf(20, 5));
  const d = new FrameDecoder();
  const got: Uint8Array[] = [];
  d.push(chunk, (f) => got.push(f));
  chunk.fill(0);
  assert.deepEqual(got[0], frameOf(20, 5));
});

test('FrameDecoder.push() breaks the stream on a zero length, keeping the frames before it', () => {
  const good = frameOf(60, 4);
  const { frames, error } = decode([concat(encodeFrame(good), header(0), encodeFrame(good))]);
  assert.deepEqual(frames, [good]);
  assert.equal(error, 'frame length 0 on the stream');
});

test('FrameDecoder.push() breaks the stream on a length over the maximum without allocating it', () => {
  const { frames, error } = decode([header(MAX_LINK_FRAME_BYTES + 1), new Uint8Array(100)]);
  assert.deepEqual(frames, []);
  assert.equal(error, `frame length ${MAX_LINK_FRAME_BYTES + 1} on the stream exceeds ${MAX_LINK_FRAME_BYTES} bytes`);
  assert.match(decode([header(0xffffffff)]).error ?? '', /frame length 4294967295 .* exceeds/);
  assert.match(decode([header(101)], 100).error ?? '', /frame length 101 .* exceeds 100 bytes/);
});

test('FrameDecoder.push() accepts a frame of exactly the maximum length', () => {
  const big = frameOf(MAX_LINK_FRAME_BYTES, 3);
  const enc = encodeFrame(big);
  const { frames, error } = decode([enc.subarray(0, enc.length >> 1), enc.subarray(enc.length >> 1)]);
  assert.equal(error, null);
  assert.equal(frames.length, 1);
  assert.deepEqual(frames[0], big);
});

test('FrameDecoder.push() delivers nothing once broken, and keeps reporting why', () => {
  const d = new FrameDecoder();
  const got: Uint8Array[] = [];
  assert.equal(d.push(header(0), (f) => got.push(f)), 'frame length 0 on the stream');
  assert.equal(d.push(encodeFrame(frameOf(60, 1)), (f) => got.push(f)), 'frame length 0 on the stream');
  assert.equal(d.error, 'frame length 0 on the stream');
  assert.deepEqual(got, []);
});

test('FrameDecoder.atBoundary is false inside a length word or a frame', () => {
  const d = new FrameDecoder();
  const enc = encodeFrame(frameOf(30, 1));
  assert.equal(d.atBoundary, true);
  d.push(enc.subarray(0, 2), () => {});
  assert.equal(d.atBoundary, false);
  d.push(enc.subarray(2, 10), () => {});
  assert.equal(d.atBoundary, false);
  d.push(enc.subarray(10), () => {});
  assert.equal(d.atBoundary, true);
});

test('FrameDecoder.push() stays consistent when the receiver throws', () => {
  const d = new FrameDecoder();
  const a = frameOf(20, 1);
  const b = frameOf(21, 2);
  assert.throws(() => d.push(encodeFrame(a), () => {
    throw new Error('receiver failed');
  }), /receiver failed/);
  const got: Uint8Array[] = [];
  assert.equal(d.push(encodeFrame(b), (f) => got.push(f)), null);
  assert.deepEqual(got, [b]);
});
