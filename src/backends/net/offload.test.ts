/** Checksum completion and TCP segmentation, judged by an independent checksum check. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { finishOffloads, parseLayout, segmentTcp } from './offload.js';
import { checksumsValid, patterned, payloadOf, rawFrame, tcpFrame, MAC_A, MAC_B } from './_test_frames.js';

test('a partial TCP checksum is completed; a full one is left as it is', () => {
  const partial = tcpFrame({ payload: patterned(1001), partial: true });
  assert.equal(checksumsValid(partial), false);
  const [done] = finishOffloads({ frame: partial, checksumPartial: true, checksumValidated: true, gso: null }, 1500);
  assert.ok(checksumsValid(done!));
  const full = tcpFrame({ payload: patterned(10) });
  const before = full.slice();
  finishOffloads({ frame: full, checksumPartial: false, checksumValidated: false, gso: null }, 1500);
  assert.deepEqual(full, before);
});

test('TSO: a 4000-byte super-frame becomes MSS-sized segments with sequence numbers, flags, IP ids and checksums of their own', () => {
  const payload = patterned(4000, 9);
  const big = tcpFrame({ payload, partial: true, seq: 0xfffffc00, flags: 0x19 | 0x80, ipId: 0xfffe });
  const segs = segmentTcp(big, 1448, 1500);
  assert.equal(segs.length, 3);
  const seqs = segs.map((s) => new DataView(s.buffer).getUint32(14 + 20 + 4));
  assert.deepEqual(seqs, [0xfffffc00, (0xfffffc00 + 1448) >>> 0, (0xfffffc00 + 2896) >>> 0]);
  assert.deepEqual(segs.map((s) => s[14 + 20 + 13]), [0x80 | 0x10, 0x10, 0x19], 'CWR on the first, FIN and PSH on the last');
  assert.deepEqual(segs.map((s) => new DataView(s.buffer).getUint16(14 + 4)), [0xfffe, 0xffff, 0]);
  for (const s of segs) assert.ok(checksumsValid(s));
  const joined = Buffer.concat(segs.map((s) => payloadOf(s)));
  assert.deepEqual(new Uint8Array(joined), payload);
});

test('TSO keeps segments within the receiver MTU when the guest MSS is larger', () => {
  const segs = segmentTcp(tcpFrame({ payload: patterned(3000) }), 9000, 576);
  assert.ok(segs.every((s) => s.length - 14 <= 576));
  assert.equal(segs.reduce((n, s) => n + payloadOf(s).length, 0), 3000);
});

test('frames that do not parse pass untouched: short, non-IP, truncated IP, fragments', () => {
  const short = new Uint8Array(10);
  assert.equal(parseLayout(short), undefined);
  const other = rawFrame(MAC_B, MAC_A, 60);
  assert.equal(parseLayout(other), undefined);
  const truncated = tcpFrame({ payload: patterned(100) }).subarray(0, 60);
  assert.equal(parseLayout(truncated), undefined);
  assert.deepEqual(segmentTcp(truncated, 10, 1500), [truncated]);
  const frag = tcpFrame({ payload: patterned(100) });
  frag[14 + 6] = 0x20; // more fragments
  assert.equal(parseLayout(frag), undefined);
  const liar = tcpFrame({ payload: patterned(100) });
  liar[14] = 0x4f; // IHL 60 bytes: the TCP header would start past what the total length allows
  liar[14 + 2] = 0;
  liar[14 + 3] = 40;
  assert.equal(parseLayout(liar), undefined);
});
