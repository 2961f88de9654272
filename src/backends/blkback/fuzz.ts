/**
 * Fuzz target for blkback's guest-facing surface: the input is a frontend's script of ring
 * requests (any 112 bytes, with grant refs steered towards granted pages half the time), producer
 * indices and xenstore state changes. It throws only when something escapes the backend, a grant
 * stays mapped after its request was answered, or a request goes unanswered.
 */
import { BugIndicatingError } from '../../lib/errors.js';
import { BLKIF_REQUEST_BYTES, REQ } from './regs.js';
import { FE, MemDisk, TestFrontend, settle } from './_test_frontend.js';

const DISK_BYTES = 256 * 1024;

export async function fuzzBlkback(bytes: Uint8Array): Promise<void> {
  const disk = new MemDisk(DISK_BYTES, (bytes[0] ?? 0) % 5 === 0, (bytes[0] ?? 0) % 3 === 0);
  const f = new TestFrontend(disk);
  for (let i = 0; i < 8; i++) f.grants.set(100 + i, { page: 1 + i, writable: i !== 7 });
  await f.connect();
  let at = 1;
  let sent = 0;
  while (at < bytes.length) {
    const action = bytes[at++]!;
    if (action < 0xe0) {
      const req = new Uint8Array(BLKIF_REQUEST_BYTES);
      req.set(bytes.subarray(at, at + BLKIF_REQUEST_BYTES));
      at += BLKIF_REQUEST_BYTES;
      // Half the requests get an op and grefs a real frontend would send, so the I/O paths run.
      if ((action & 1) === 0) {
        req[REQ.OPERATION] = action % 7;
        for (let s = 0; s < 11; s++) new DataView(req.buffer).setUint32(REQ.SEGMENTS + s * 8, 100 + ((req[REQ.SEGMENTS + s * 8]! & 7)), true);
        new DataView(req.buffer).setUint32(REQ.INDIRECT_GREFS, 100 + (action & 7), true);
      }
      f.put(req);
      sent++;
      if ((action & 6) === 0 || sent % 16 === 0) {
        await f.push();
        f.responses();
      }
    } else if (action < 0xf0) {
      // A producer index of the frontend's choosing, possibly far ahead of the ring.
      const prod = (bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8) | ((bytes[at + 2] ?? 0) << 16) | ((bytes[at + 3] ?? 0) << 24);
      at += 4;
      await f.push(prod >>> 0);
    } else {
      f.xs.write(`${FE}/state`, String(action & 7));
      await settle();
    }
  }
  await f.push();
  f.responses();
  await settle();
  const broken = f.backend.metrics.brokenRings > 0 || f.backend.xenbusState !== 4;
  if (!broken && f.mapped !== 1) throw new BugIndicatingError(`${f.mapped - 1} data grants stay mapped after every request was answered`);
  await f.backend.stop();
  if (f.mapped !== 0) throw new BugIndicatingError(`${f.mapped} grants stay mapped after the backend stopped`);
}
