/**
 * Fuzz target for the EVTCHNOP surface: interprets bytes as a sequence of subops with arguments,
 * issued by two guest domains (one privileged) against each other and Domain-0, mixed with guest
 * actions (mapping shared_info, consuming events, scribbling on its own memory). It throws only
 * when an exception escapes the event-channel code or when the interdomain links stop being
 * symmetric, which is a bug either way.
 */
import { DOMID_SELF, XEN_PAGE_SIZE } from '../../../abi/xen.js';
import { BugIndicatingError } from '../../../lib/errors.js';
import { ECS_INTERDOMAIN, EVTCHNOP_ARG_BYTES } from './abi.js';
import { EventChannelDirectory } from './directory.js';
import { DomainEventChannels } from './event_channel.js';
import { PortField, wordDomid, wordState } from './port_table.js';
import { FakeGuest, RAM_GFN } from './_test_guest.js';

const FRAMES = 8;
const DOMID_CHOICES = [DOMID_SELF, 0, 1, 2, 3, 0x7ff4, 0xffff];

class ByteSource {
  private at = 0;
  constructor(private readonly b: Uint8Array) {}
  get done(): boolean {
    return this.at >= this.b.length;
  }
  next(): number {
    return this.at < this.b.length ? this.b[this.at++]! : 0;
  }
  /** A 32-bit value biased towards interesting ones: small ports, guest frames, domids, anything. */
  word(): number {
    const c = this.next();
    switch (c & 7) {
      case 0:
      case 1:
        return this.next() % 72;
      case 2:
        return RAM_GFN + (this.next() % (FRAMES + 2));
      case 3:
        return DOMID_CHOICES[this.next() % DOMID_CHOICES.length]! | (DOMID_CHOICES[this.next() % DOMID_CHOICES.length]! << 16);
      case 4:
        return (this.next() & 0x7f) << 5;
      case 5:
        return this.next() % 24;
      default:
        return (this.next() | (this.next() << 8) | (this.next() << 16) | (this.next() << 24)) >>> 0;
    }
  }
}

/** Every interdomain port must point at a port that points back (event_channel.c's BUG_ONs). */
function checkLinks(dir: EventChannelDirectory, domids: readonly number[]): void {
  for (const domid of domids) {
    const t = dir.lookup(domid)?.table;
    if (t === undefined) continue;
    for (let p = 1; p < t.validEvtchns; p++) {
      const w = t.get(p, PortField.STATE);
      if (wordState(w) !== ECS_INTERDOMAIN) continue;
      const peer = dir.lookup(wordDomid(w))?.table;
      const rp = t.get(p, PortField.REMOTE_PORT);
      const back = peer?.get(rp, PortField.STATE);
      if (peer === undefined || back === undefined || wordState(back) !== ECS_INTERDOMAIN || wordDomid(back) !== domid || peer.get(rp, PortField.REMOTE_PORT) !== p) {
        throw new BugIndicatingError(`Interdomain link ${domid}:${p} is not symmetric`);
      }
    }
  }
}

function guestAction(src: ByteSource, g: FakeGuest, d: DomainEventChannels): void {
  switch (src.next() % 5) {
    case 0:
      g.sharedInfoGfn = RAM_GFN + (src.next() % FRAMES);
      d.sharedInfoMapped();
      break;
    case 1:
      g.vcpuInfoGpa[src.next() % g.nrVcpus] = FakeGuest.gpa(src.next() % FRAMES, (src.next() << 4) % XEN_PAGE_SIZE) - (src.next() & 1) * 4096 * 1000;
      break;
    case 2: {
      // Scribble on any word of guest RAM: event words, control blocks, bitmaps alike.
      const at = ((src.next() << 8) | src.next()) % ((FRAMES * XEN_PAGE_SIZE) / 4);
      g.mem.i32[at] = src.word() | 0;
      break;
    }
    case 3:
      d.processDoorbell();
      break;
    default: {
      const v = src.next() % g.nrVcpus;
      if (g.sharedInfoGfn >= 0 && g.vcpuInfoOffset(v) >= 0) g.consume2l(v);
      break;
    }
  }
}

/** Runs one fuzz input. Throws only on a bug (an escaped exception or broken link symmetry). */
export function fuzzEventChannelOps(bytes: Uint8Array): void {
  const dir = new EventChannelDirectory();
  new DomainEventChannels({ domid: 0, nrVcpus: 1, directory: dir, privileged: true, host: { onEvent: () => {} } });
  const guests = [new FakeGuest(2, FRAMES), new FakeGuest(2, FRAMES)];
  const doms = guests.map((g, i) => new DomainEventChannels({ domid: i + 1, maxPort: 127 + i * 200, nrVcpus: 2, directory: dir, privileged: i === 1, guest: g }));
  const src = new ByteSource(bytes);
  const arg = new DataView(new ArrayBuffer(24));
  for (let step = 0; step < 512 && !src.done; step++) {
    const sel = src.next();
    const who = (sel >>> 7) & 1;
    const d = doms[who]!;
    const cmd = sel & 15;
    if (cmd === 15) {
      guestAction(src, guests[who]!, d);
    } else if (cmd === 14 && (sel & 0x70) === 0x70) {
      d.destroy();
      doms[who] = new DomainEventChannels({ domid: who + 1, nrVcpus: 2, directory: dir, guest: guests[who]! });
    } else {
      for (let i = 0; i < 24; i += 4) arg.setUint32(i, src.word(), true);
      const size = (src.next() & 15) === 0 ? src.next() % 24 : (EVTCHNOP_ARG_BYTES[cmd] ?? 8);
      d.doEventChannelOp(cmd, new DataView(arg.buffer, 0, size), 0);
    }
    checkLinks(dir, [0, 1, 2]);
  }
}
