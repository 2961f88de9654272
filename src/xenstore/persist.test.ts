import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectPair, RecordingTransport } from './_harness.js';
import { XsClient } from './client.js';
import { XsImageError } from './errors.js';
import { XS_IMAGE_VERSION } from './persist.js';
import { XS_WATCH } from './wire.js';
import { Xenstored } from './xenstored.js';

test('save() then restore() reproduces nodes, permissions, generations, quotas and domain watches', () => {
  const srv = new Xenstored({ quotas: { watches: 50 } });
  const xs = new XsClient(srv);
  xs.write('/local/domain/3/name', 'g\x00\xff');
  xs.setPerms('/local/domain/3', ['n0', 'r3']);
  const { domU } = connectPair(srv, 3);
  domU.req(XS_WATCH, ['device', 'fe']);
  const gen = srv.store.get('/local/domain/3')!.generation;
  const image = srv.save();

  const copy = new Xenstored();
  copy.restore(image);
  assert.deepEqual([...copy.store.walk()], [...srv.store.walk()]);
  assert.equal(copy.store.get('/local/domain/3')!.generation, gen);
  assert.equal(copy.quotas.watches, 50);
  assert.deepEqual(copy.save(), image);

  // The domain's watch comes back when its ring is introduced again, still relative.
  const t = new RecordingTransport();
  copy.introduceDomain(3, t);
  const dom0 = new XsClient(copy);
  dom0.write('/local/domain/3/device/x', '1');
  assert.ok(t.received.some((m) => m.text === 'device/x\0fe\0'));
});

test('restore() refuses a bad magic, an unknown version and truncated or trailing bytes', () => {
  const image = new Xenstored().save();
  const badMagic = image.slice();
  badMagic[0] ^= 0xff;
  assert.throws(() => new Xenstored().restore(badMagic), (e) => e instanceof XsImageError && /magic/.test(e.message));
  const badVersion = image.slice();
  new DataView(badVersion.buffer).setUint32(4, XS_IMAGE_VERSION + 1, true);
  assert.throws(() => new Xenstored().restore(badVersion), /unsupported version 2/);
  assert.throws(() => new Xenstored().restore(image.subarray(0, image.length - 3)), XsImageError);
  assert.throws(() => new Xenstored().restore(new Uint8Array([...image, 0])), /trailing/);
});

test('restore() leaves the store untouched when the image is rejected', () => {
  const srv = new Xenstored();
  new XsClient(srv).write('/keep', '1');
  assert.throws(() => srv.restore(new Uint8Array(8)));
  assert.ok(srv.store.get('/keep'));
});
