/**
 * Decoding one transmitted packet from the TX ring (Linux netback's xenvif_tx_build_gops,
 * xenvif_get_extras and xenvif_count_requests): the first request, its extra-info slots, then the
 * data slots chained by more_data. Every value comes from the guest and is checked here; the
 * outcome says whether the packet goes on, is dropped with error responses (a bad packet), or
 * breaks the ring (a frontend that cannot be trusted to keep the protocol, as Linux's
 * xenvif_fatal_tx_err).
 */
import {
  EXTRA, EXTRA_FLAG_MORE, EXTRA_TYPE, EXTRA_TYPE_MAX, FATAL_TX_SLOTS, GSO_TYPE,
  MAX_TX_SLOTS, NETTXF, PAGE_BYTES, TXREQ, TX_ENTRY_BYTES,
} from './regs.js';
import { ETH_HEADER_BYTES, type GsoType } from '../net/packet.js';

export interface TxSlot {
  readonly gref: number;
  readonly offset: number;
  /** Bytes of packet data in this slot (for the first slot: what remains after the others). */
  readonly size: number;
  readonly id: number;
}

export interface TxPacket {
  /** The packet's data slots, first to last. */
  readonly slots: readonly TxSlot[];
  /** Extra-info slots that followed the first request (each answered NULL). */
  readonly extraSlots: number;
  /** Announced packet length (the first request's size). */
  readonly length: number;
  readonly flags: number;
  readonly gso: { readonly type: GsoType; readonly mss: number } | null;
  /** A multicast filter update (MCAST_ADD/DEL): answered, not sent anywhere. */
  readonly multicastControl: boolean;
  /** Why the packet is dropped (its slots answered with an error), or null when it goes on. */
  readonly drop: string | null;
}

/** The next request from the ring, or undefined when the frontend has published no more. */
export type TakeRequest = () => Uint8Array | undefined;

interface RawRequest {
  gref: number;
  offset: number;
  flags: number;
  id: number;
  size: number;
}

function decode(b: Uint8Array): RawRequest {
  const dv = new DataView(b.buffer, b.byteOffset, TX_ENTRY_BYTES);
  return {
    gref: dv.getUint32(TXREQ.GREF, true),
    offset: dv.getUint16(TXREQ.OFFSET, true),
    flags: dv.getUint16(TXREQ.FLAGS, true),
    id: dv.getUint16(TXREQ.ID, true),
    size: dv.getUint16(TXREQ.SIZE, true),
  };
}

/**
 * Reads one packet's slots through `take`, starting with its first request. Returns the packet,
 * or a string when the frontend broke the protocol (the ring must not be served any more).
 */
export function readTxPacket(take: TakeRequest): TxPacket | string {
  const firstBytes = take();
  if (firstBytes === undefined) return 'readTxPacket called on an empty ring';
  const first = decode(firstBytes);
  let drop: string | null = null;
  let gso: TxPacket['gso'] = null;
  let multicastControl = false;
  let extraSlots = 0;
  if ((first.flags & NETTXF.EXTRA_INFO) !== 0) {
    for (let more = true; more;) {
      const b = take();
      if (b === undefined) return 'Missing extra info';
      extraSlots++;
      const type = b[EXTRA.TYPE]!;
      more = (b[EXTRA.FLAGS]! & EXTRA_FLAG_MORE) !== 0;
      if (type === EXTRA_TYPE.NONE || type >= EXTRA_TYPE_MAX) return `Invalid extra type: ${type}`;
      if (extraSlots > EXTRA_TYPE_MAX) return 'Too many extra info slots';
      if (type === EXTRA_TYPE.GSO) {
        const dv = new DataView(b.buffer, b.byteOffset, TX_ENTRY_BYTES);
        const mss = dv.getUint16(EXTRA.GSO_SIZE, true);
        const gsoType = b[EXTRA.GSO_TYPE]!;
        if (mss === 0) drop ??= 'GSO size must not be zero';
        else if (gsoType !== GSO_TYPE.TCPV4 && gsoType !== GSO_TYPE.TCPV6) drop ??= `Bad GSO type ${gsoType}`;
        else gso = { type: gsoType === GSO_TYPE.TCPV4 ? 'tcpv4' : 'tcpv6', mss };
      } else if (type === EXTRA_TYPE.MCAST_ADD || type === EXTRA_TYPE.MCAST_DEL) {
        multicastControl = true;
      }
      // HASH and XDP extras carry nothing a switch needs.
    }
  }
  // xenvif_count_requests: the data slots after the first, while more_data says so.
  const rest: RawRequest[] = [];
  let remaining = first.size;
  for (let prev = first; (prev.flags & NETTXF.MORE_DATA) !== 0;) {
    if (rest.length + 1 >= FATAL_TX_SLOTS) return `Too many slots (more than ${FATAL_TX_SLOTS}) in one packet`;
    const b = take();
    if (b === undefined) return `Asked for ${rest.length + 2} slots but only ${rest.length + 1} were published`;
    const r = decode(b);
    if (r.size > remaining) return `Invalid tx request, slot size ${r.size} > remaining size ${remaining}`;
    if (r.offset + r.size > PAGE_BYTES) return `Cross page boundary, txp->offset: ${r.offset}, size: ${r.size}`;
    remaining -= r.size;
    rest.push(r);
    prev = r;
  }
  if (first.offset + remaining > PAGE_BYTES) return `Cross page boundary, txp->offset: ${first.offset}, size: ${remaining}`;
  if (rest.length + 1 > MAX_TX_SLOTS) drop ??= `Too many slots (${rest.length + 1} > ${MAX_TX_SLOTS})`;
  if (first.size < ETH_HEADER_BYTES) drop ??= `Bad packet size: ${first.size}`;
  const slots: TxSlot[] = [{ gref: first.gref, offset: first.offset, size: remaining, id: first.id }, ...rest];
  return { slots, extraSlots, length: first.size, flags: first.flags, gso, multicastControl, drop };
}
