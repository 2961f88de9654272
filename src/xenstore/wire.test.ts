import { test } from 'node:test';
import assert from 'node:assert/strict';
import { XsWireError } from './errors.js';
import {
  decodeHeader, encodeMessage, errorPayload, isXsErrno, splitStrings, XENSTORE_PAYLOAD_MAX, XsWireParser,
  XS_DIRECTORY_PART, XS_INVALID, XS_RESET_WATCHES, XS_SET_TARGET, XS_WATCH_EVENT, XSD_ERRORS,
} from './wire.js';

test('message type numbers match xs_wire.h', () => {
  assert.equal(XS_WATCH_EVENT, 15);
  assert.equal(XS_SET_TARGET, 19);
  assert.equal(XS_RESET_WATCHES, 21);
  assert.equal(XS_DIRECTORY_PART, 22);
  assert.equal(XS_INVALID, 0xffff);
  assert.deepEqual(XSD_ERRORS.slice(0, 5), ['EINVAL', 'EACCES', 'EEXIST', 'EISDIR', 'ENOENT']);
  assert.equal(XSD_ERRORS.at(-1), 'EPERM');
});

test('encodeMessage() writes a little-endian xsd_sockmsg that decodeHeader() reads back', () => {
  const bytes = encodeMessage({ type: 2, reqId: 0x01020304, txId: 7, payload: new Uint8Array([0x61, 0]) });
  assert.deepEqual([...bytes.subarray(0, 16)], [2, 0, 0, 0, 4, 3, 2, 1, 7, 0, 0, 0, 2, 0, 0, 0]);
  assert.deepEqual(decodeHeader(bytes), { type: 2, reqId: 0x01020304, txId: 7, len: 2 });
});

test('XsWireParser.feed() frames messages split across arbitrary chunks', () => {
  const a = encodeMessage({ type: 2, reqId: 1, txId: 0, payload: new TextEncoder().encode('/a\0') });
  const b = encodeMessage({ type: 1, reqId: 2, txId: 3, payload: new Uint8Array(0) });
  const stream = new Uint8Array([...a, ...b]);
  for (const step of [1, 3, 16, 19, stream.length]) {
    const p = new XsWireParser();
    const got = [];
    for (let i = 0; i < stream.length; i += step) got.push(...p.feed(stream.subarray(i, i + step)));
    assert.equal(got.length, 2, `step ${step}`);
    assert.deepEqual([got[0]!.type, got[0]!.reqId, [...got[0]!.payload]], [2, 1, [0x2f, 0x61, 0]]);
    assert.deepEqual([got[1]!.type, got[1]!.txId, got[1]!.payload.length], [1, 3, 0]);
    assert.ok(p.idle);
  }
});

test('XsWireParser.feed() accepts a 4096-byte payload and rejects 4097 with XsWireError', () => {
  const max = encodeMessage({ type: 11, reqId: 1, txId: 0, payload: new Uint8Array(XENSTORE_PAYLOAD_MAX) });
  assert.equal(new XsWireParser().feed(max)[0]!.payload.length, XENSTORE_PAYLOAD_MAX);
  const over = new Uint8Array(16);
  new DataView(over.buffer).setUint32(12, XENSTORE_PAYLOAD_MAX + 1, true);
  assert.throws(() => new XsWireParser().feed(over), (e) => e instanceof XsWireError && e.code === 'XENSTORE' && /4097/.test(e.message));
});

test('splitStrings() needs a final NUL; errorPayload() is the name and a NUL', () => {
  assert.deepEqual(splitStrings(new TextEncoder().encode('a\0b\0')), ['a', 'b']);
  assert.equal(splitStrings(new TextEncoder().encode('a\0b')), undefined);
  assert.equal(splitStrings(new Uint8Array(0)), undefined);
  assert.deepEqual([...errorPayload('ENOENT')], [...new TextEncoder().encode('ENOENT\0')]);
  assert.ok(isXsErrno('EAGAIN'));
  assert.ok(!isXsErrno('EQUOTA'));
});
