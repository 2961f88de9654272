/**
 * Fuzz target for netback's guest-facing surface: the input is a netfront's script of TX ring
 * entries (any 12 bytes, steered half the time towards granted pages and sane sizes so the copy
 * paths run), producer indices, receive buffers posted, packets arriving for the guest (with and
 * without offloads) and xenstore state changes. It throws only when something escapes the backend,
 * a data grant stays mapped, a published request goes unanswered on a ring still served, or
 * anything stays mapped after the backend stopped.
 */
import { BugIndicatingError } from '../../lib/errors.js';
import { settle } from '../blkback/_test_frontend.js';
import { tcpFrame } from '../net/_test_frames.js';
import { NETTXF, TX_ENTRY_BYTES } from './regs.js';
import { TestNetfront } from './_test_frontend.js';

export async function fuzzNetback(bytes: Uint8Array): Promise<void> {
  const f = new TestNetfront();
  const noGso = ((bytes[0] ?? 0) & 1) !== 0;
  await f.connect(noGso ? { 'feature-gso-tcpv4': '0', 'feature-no-csum-offload': '1' } : {});
  let at = 1;
  let published = 0;
  let answered = 0;
  const next = (): number => bytes[at++] ?? 0;
  while (at < bytes.length) {
    const action = next();
    if (action < 0x80) {
      const entry = new Uint8Array(TX_ENTRY_BYTES);
      entry.set(bytes.subarray(at, at + TX_ENTRY_BYTES));
      at += TX_ENTRY_BYTES;
      if ((action & 1) === 0) {
        const dv = new DataView(entry.buffer);
        dv.setUint32(0, 1000 + (entry[0]! % 40), true);
        dv.setUint16(4, dv.getUint16(4, true) & 0xfff, true);
        dv.setUint16(6, dv.getUint16(6, true) & (NETTXF.MORE_DATA | NETTXF.CSUM_BLANK | NETTXF.EXTRA_INFO), true);
        dv.setUint16(10, 14 + (dv.getUint16(10, true) % 3000), true);
      }
      f.putTx(entry);
      published++;
      if ((action & 6) === 0) f.pushTx();
    } else if (action < 0xc0) {
      const len = ((action & 0x3f) << 7) + next();
      const frame = tcpFrame({ payload: new Uint8Array(len).fill(action), partial: (action & 1) === 0 });
      const gso = (action & 2) === 0 ? { type: 'tcpv4' as const, mss: 1 + next() * 8 } : null;
      f.backend.deliver({ frame, checksumPartial: (action & 1) === 0, checksumValidated: true, gso });
    } else if (action < 0xe0) {
      f.postRx(1 + (action & 0x1f));
    } else if (action < 0xf0) {
      const prod = next() | (next() << 8) | (next() << 16) | (next() << 24);
      f.pushTx(prod >>> 0);
    } else {
      await f.setState(action & 7);
    }
    answered += f.txResponses().length;
    f.received();
  }
  f.pushTx();
  answered += f.txResponses().length;
  await settle();
  const served = f.backend.xenbusState === 4 && f.backend.metrics.brokenRings === 0 && f.backend.queueCount > 0;
  if (served && f.guest.mapped !== 2) throw new BugIndicatingError(`${f.guest.mapped - 2} data grants stay mapped on a connected vif`);
  if (served && answered !== published) throw new BugIndicatingError(`${published} TX requests published, ${answered} answered`);
  f.backend.stop();
  if (f.guest.mapped !== 0) throw new BugIndicatingError(`${f.guest.mapped} grants stay mapped after the backend stopped`);
}
