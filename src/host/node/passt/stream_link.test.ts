import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Duplex } from 'node:stream';
import { encodeFrame } from './frame_stream.js';
import { StreamLink, type StreamLinkOptions } from './stream_link.js';

/** The far end of a link's stream: records what the link writes and feeds it bytes. */
class FakePeer extends Duplex {
  readonly written: Uint8Array[] = [];
  /** While set, writes are never acknowledged: the peer has stopped reading. */
  stalled = false;

  override _read(): void {}

  override _write(chunk: Uint8Array, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    // As plain bytes: the stream hands over Buffers, which deepEqual tells apart from Uint8Arrays.
    this.written.push(new Uint8Array(chunk));
    if (!this.stalled) done();
  }

  feed(bytes: Uint8Array): void {
    this.push(bytes);
  }
}

function frameOf(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (seed + i) & 0xff);
}

interface Harness {
  peer: FakePeer;
  link: StreamLink;
  received: Uint8Array[];
  downs: string[];
  stops: number;
  /** Resolves with the reason once onDown has been called (rejects after a second). */
  down: Promise<string>;
}

function harness(opts: Partial<StreamLinkOptions> = {}): Harness {
  const peer = new FakePeer();
  const h: Harness = { peer, link: null!, received: [], downs: [], stops: 0, down: null! };
  h.link = new StreamLink(peer, {
    name: 'test',
    stop: () => {
      h.stops++;
      return Promise.resolve();
    },
    ...opts,
  });
  h.link.onFrame = (f) => h.received.push(f);
  h.down = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('onDown was not called within 1000 ms')), 1000);
    h.link.onDown = (reason) => {
      h.downs.push(reason);
      clearTimeout(timer);
      resolve(reason);
    };
  });
  // Tests that never go down do not wait on it.
  h.down.catch(() => {});
  return h;
}

/** Lets stream events and promise callbacks run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 10));
}

test('StreamLink.send() writes each frame after its length and counts it', () => {
  const h = harness();
  const a = frameOf(60, 1);
  const b = frameOf(1514, 2);
  h.link.send(a);
  h.link.send(b);
  assert.deepEqual(h.peer.written, [encodeFrame(a), encodeFrame(b)]);
  assert.equal(h.link.stats.txFrames, 2);
  assert.equal(h.link.stats.txBytes, 60 + 1514);
});

test('StreamLink.send() drops and counts frames shorter than an Ethernet header or longer than the link carries', () => {
  const h = harness({ maxTxFrameBytes: 2000 });
  h.link.send(frameOf(13, 1));
  h.link.send(frameOf(2001, 1));
  h.link.send(frameOf(0, 1));
  h.link.send(frameOf(2000, 1));
  assert.equal(h.peer.written.length, 1);
  assert.equal(h.link.stats.txDroppedSize, 3);
  assert.equal(h.link.stats.txFrames, 1);
});

test('StreamLink.send() drops instead of queueing once the unwritten backlog is at its bound', () => {
  const h = harness({ maxTxBacklogBytes: 1000 });
  h.peer.stalled = true;
  for (let i = 0; i < 10; i++) h.link.send(frameOf(200, i));
  // 4 frames of 204 bytes on the stream fit in 1000; the fifth would not.
  assert.equal(h.link.stats.txFrames, 4);
  assert.equal(h.link.stats.txDroppedBacklog, 6);
  assert.ok(h.peer.writableLength <= 1000);
});

test('StreamLink delivers received frames to onFrame and counts runts and unclaimed frames', async () => {
  const h = harness();
  const a = frameOf(60, 3);
  h.peer.feed(encodeFrame(a));
  h.peer.feed(encodeFrame(frameOf(10, 4)));
  await settle();
  assert.deepEqual(h.received, [a]);
  h.link.onFrame = null;
  h.peer.feed(encodeFrame(a));
  await settle();
  assert.deepEqual(h.link.stats, { ...h.link.stats, rxFrames: 2, rxBytes: 120, rxDroppedRunt: 1, rxDroppedUnclaimed: 1 });
});

test('StreamLink goes down once on a zero-length frame, stops the far end and ignores what follows', async () => {
  const h = harness();
  h.peer.feed(new Uint8Array([0, 0, 0, 0]));
  assert.equal(await h.down, 'test sent a broken stream: frame length 0 on the stream');
  h.peer.feed(encodeFrame(frameOf(60, 1)));
  await settle();
  assert.deepEqual(h.received, []);
  assert.equal(h.downs.length, 1);
  assert.equal(h.stops, 1);
  assert.equal(h.peer.destroyed, true);
});

test('StreamLink goes down on an oversized length before the frame arrives', async () => {
  const h = harness();
  h.peer.feed(Uint8Array.of(0x7f, 0xff, 0xff, 0xff, 1, 2, 3));
  assert.match(await h.down, /frame length 2147483647 on the stream exceeds 65549 bytes/);
});

test('StreamLink goes down once with the owner\'s account when the far end closes the stream', async () => {
  const h = harness({ explainEnd: () => Promise.resolve('helper exited with status 3') });
  h.peer.feed(encodeFrame(frameOf(20, 1)));
  h.peer.push(null);
  assert.equal(await h.down, 'helper exited with status 3');
  await settle();
  assert.equal(h.downs.length, 1);
  assert.equal(h.stops, 1);
  assert.equal(h.received.length, 1);
  assert.equal(h.link.isUp, false);
  h.link.send(frameOf(60, 1));
  assert.equal(h.link.stats.txDroppedDown, 1);
});

test('StreamLink goes down with the stream\'s own account when the owner gives none', async () => {
  const h = harness();
  h.peer.destroy(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
  assert.equal(await h.down, 'test stream failed (EPIPE)');
});

test('StreamLink.close() stops the far end once and never calls onDown', async () => {
  const h = harness();
  await Promise.all([h.link.close(), h.link.close()]);
  await settle();
  assert.equal(h.stops, 1);
  assert.deepEqual(h.downs, []);
  assert.equal(h.peer.destroyed, true);
  h.link.send(frameOf(60, 1));
  assert.equal(h.link.stats.txDroppedDown, 1);
});

test('StreamLink.fail() reports the owner\'s reason once', async () => {
  const h = harness();
  h.link.fail('helper was killed by SIGKILL');
  h.link.fail('again');
  assert.equal(await h.down, 'helper was killed by SIGKILL');
  await settle();
  assert.deepEqual(h.downs, ['helper was killed by SIGKILL']);
});
