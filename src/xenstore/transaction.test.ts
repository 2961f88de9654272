import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectPair, WireClient } from './_harness.js';
import { XS_DIRECTORY, XS_READ, XS_SET_PERMS, XS_TRANSACTION_END, XS_TRANSACTION_START, XS_WATCH, XS_WRITE } from './wire.js';
import { Xenstored } from './xenstored.js';

const W = WireClient.writePayload;

function start(c: WireClient): number {
  return Number(c.result(XS_TRANSACTION_START, ['']).replace(/\0$/, ''));
}

test('writes in a transaction are private until commit, then fire watches once', () => {
  const { dom0 } = connectPair(new Xenstored());
  dom0.req(XS_WATCH, ['/t', 'tok']);
  dom0.takeEvents();
  const tx = start(dom0);
  assert.ok(tx > 0);
  assert.equal(dom0.result(XS_WRITE, W('/t/a', '1'), tx), 'OK\0');
  assert.equal(dom0.result(XS_READ, ['/t/a'], tx), '1');
  assert.equal(dom0.result(XS_READ, ['/t/a']), 'error:ENOENT');
  assert.deepEqual(dom0.takeEvents(), []);
  assert.equal(dom0.result(XS_TRANSACTION_END, ['T'], tx), 'OK\0');
  assert.equal(dom0.result(XS_READ, ['/t/a']), '1');
  assert.deepEqual(dom0.takeEvents(), [['/t/a', 'tok']]);
});

test('a transaction that read a node changed by another writer fails commit with EAGAIN', () => {
  const { dom0 } = connectPair(new Xenstored());
  dom0.req(XS_WRITE, W('/c/state', '1'));
  const tx = start(dom0);
  assert.equal(dom0.result(XS_READ, ['/c/state'], tx), '1');
  dom0.req(XS_WRITE, W('/c/state', '2'));
  dom0.req(XS_WRITE, W('/c/other', 'x'), tx);
  assert.equal(dom0.result(XS_TRANSACTION_END, ['T'], tx), 'error:EAGAIN');
  assert.equal(dom0.result(XS_READ, ['/c/other']), 'error:ENOENT');
  assert.equal(dom0.result(XS_TRANSACTION_END, ['T'], tx), 'error:ENOENT');
});

test('a transaction that wrote a node another writer also changed fails with EAGAIN', () => {
  const { dom0 } = connectPair(new Xenstored());
  dom0.req(XS_WRITE, W('/k', '0'));
  const tx = start(dom0);
  dom0.req(XS_WRITE, W('/k', 'tx'), tx);
  dom0.req(XS_WRITE, W('/k', 'outside'));
  assert.equal(dom0.result(XS_TRANSACTION_END, ['T'], tx), 'error:EAGAIN');
  assert.equal(dom0.result(XS_READ, ['/k']), 'outside');
});

test('independent transactions both commit; abort discards and fires nothing', () => {
  const { dom0 } = connectPair(new Xenstored());
  dom0.req(XS_WRITE, W('/i/a', ''));
  dom0.req(XS_WRITE, W('/i/b', ''));
  const t1 = start(dom0);
  const t2 = start(dom0);
  dom0.req(XS_WRITE, W('/i/a', '1'), t1);
  dom0.req(XS_WRITE, W('/i/b', '2'), t2);
  assert.equal(dom0.result(XS_TRANSACTION_END, ['T'], t1), 'OK\0');
  assert.equal(dom0.result(XS_TRANSACTION_END, ['T'], t2), 'OK\0');
  dom0.req(XS_WATCH, ['/i', 'w']);
  dom0.takeEvents();
  const t3 = start(dom0);
  dom0.req(XS_WRITE, W('/i/c', '3'), t3);
  assert.equal(dom0.result(XS_TRANSACTION_END, ['F'], t3), 'OK\0');
  assert.equal(dom0.result(XS_DIRECTORY, ['/i']), 'a\0b\0');
  assert.deepEqual(dom0.takeEvents(), []);
});

test('transaction ids: unknown id is ENOENT, nesting is EBUSY, bad end argument is EINVAL', () => {
  const { dom0 } = connectPair(new Xenstored());
  assert.equal(dom0.result(XS_READ, ['/'], 999), 'error:ENOENT');
  const tx = start(dom0);
  assert.equal(dom0.result(XS_TRANSACTION_START, [''], tx), 'error:EBUSY');
  assert.equal(dom0.result(XS_TRANSACTION_END, ['X'], tx), 'error:EINVAL');
  assert.equal(dom0.result(XS_TRANSACTION_END, ['T']), 'error:ENOENT');
});

test('a domU may hold transactions up to its quota, then gets ENOSPC', () => {
  const { domU } = connectPair(new Xenstored({ quotas: { transactions: 3 } }));
  start(domU);
  start(domU);
  assert.equal(domU.result(XS_TRANSACTION_START, ['']), 'error:ENOSPC');
});

test('a transaction touching too many nodes gets ENOSPC (transaction-nodes quota)', () => {
  const { dom0, domU } = connectPair(new Xenstored({ quotas: { transactionNodes: 4 } }));
  dom0.req(XS_WRITE, W('/local/domain/1', ''));
  dom0.req(XS_SET_PERMS, ['/local/domain/1', 'n1']);
  const tx = start(domU);
  assert.equal(domU.result(XS_WRITE, W('a', '1'), tx), 'OK\0');
  assert.equal(domU.result(XS_WRITE, W('b', '1'), tx), 'OK\0');
  assert.equal(domU.result(XS_WRITE, W('c', '1'), tx), 'error:ENOSPC');
});
