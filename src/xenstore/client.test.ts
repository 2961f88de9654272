import { test } from 'node:test';
import assert from 'node:assert/strict';
import { XsClient } from './client.js';
import { XsError } from './errors.js';
import { Xenstored } from './xenstored.js';

const tick = () => new Promise<void>((r) => setTimeout(r, 0));

test('XsClient reads, writes, lists, and manages permissions', () => {
  const xs = new XsClient(new Xenstored());
  xs.write('/local/domain/1/name', 'domU-ü');
  assert.equal(xs.read('/local/domain/1/name'), 'domU-ü');
  xs.mkdir('/local/domain/1/device');
  assert.deepEqual(xs.directory('/local/domain/1'), ['name', 'device']);
  assert.deepEqual(xs.directory('/local/domain/1/device'), []);
  xs.setPerms('/local/domain/1', ['n0', 'r1']);
  assert.deepEqual(xs.getPerms('/local/domain/1'), ['n0', 'r1']);
  xs.rm('/local/domain/1');
  assert.throws(() => xs.read('/local/domain/1/name'), (e) => e instanceof XsError && e.errno === 'ENOENT' && e.code === 'XENSTORE' && /read "\/local\/domain\/1\/name"/.test(e.message));
});

test('XsClient transactions commit, and a conflict throws EAGAIN', () => {
  const srv = new Xenstored();
  const a = new XsClient(srv);
  const b = new XsClient(srv);
  a.write('/s', '1');
  const tx = a.transactionStart();
  assert.equal(a.read('/s', { tx }), '1');
  a.write('/s', '2', { tx });
  b.write('/s', 'b');
  assert.throws(() => a.transactionEnd(tx, true), { errno: 'EAGAIN' });
  const tx2 = a.transactionStart();
  a.write('/s', '3', { tx: tx2 });
  a.transactionEnd(tx2, true);
  assert.equal(b.read('/s'), '3');
});

test('XsClient watch callbacks run after the request, once per event, and stop after unwatch', async () => {
  const srv = new Xenstored();
  const xs = new XsClient(srv);
  const other = new XsClient(srv);
  const seen: [string, string][] = [];
  xs.watch('/be', 'tok', (p, t) => seen.push([p, t]));
  assert.deepEqual(seen, []); // not synchronous
  await tick();
  assert.deepEqual(seen, [['/be', 'tok']]);
  other.write('/be/1/state', '4');
  await tick();
  assert.deepEqual(seen.at(-1), ['/be/1/state', 'tok']);
  xs.unwatch('/be', 'tok');
  other.write('/be/1/state', '5');
  await tick();
  assert.equal(seen.length, 2);
});

test('XsClient.close() drops the connection; later requests throw', () => {
  const xs = new XsClient(new Xenstored());
  xs.close();
  assert.throws(() => xs.read('/'), { errno: 'EIO' });
});
