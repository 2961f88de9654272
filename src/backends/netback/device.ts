/**
 * netback: Domain-0's network backend for Linux's xen-netfront (the role of Linux's
 * drivers/net/xen-netback). One instance serves one vif of one domU: the xenbus handshake in
 * xenstore, then per queue a TX ring (packets the guest sends, copied out of its granted pages and
 * handed to the vif's switch port) and an RX ring (packets for the guest, copied into the empty
 * pages it granted). Offloads pass through as netif flags: a guest's partial checksums and TCP
 * super-frames reach a peer guest untouched when its netfront took those features, and are
 * finished in software (net/offload.ts) when it did not.
 *
 * Everything the frontend controls is checked: its xenstore keys, ring indices (BackRing), every
 * TX request (tx.ts) and every grant (the hypervisor's grant checks). A frontend that breaks the
 * ring protocol gets its device closed with an error in xenstore, as Linux's xenvif_fatal_tx_err
 * does; a merely bad packet is dropped with error responses.
 */
import type { XsClient } from '../../xenstore/index.js';
import type { BackendEvents, BackendGrants, BackendLog, GrantedPage } from '../host.js';
import { finishOffloads } from '../net/offload.js';
import type { Packet } from '../net/packet.js';
import type { SwitchPort } from '../net/switch.js';
import { connectAll, queueDirs } from '../queues.js';
import { BackRing } from '../ring/back_ring.js';
import { readFlag, readUint, reportFatal } from '../xenbus_keys.js';
import { followFrontend, XenbusState } from '../xenbus_state.js';
import { NetbackMetrics } from './metrics.js';
import {
  EXTRA, EXTRA_BYTES, EXTRA_TYPE, GSO_TYPE, NETIF_RSP, NETRXF, NETTXF, PAGE_BYTES, RXREQ, RXRSP,
  RX_ENTRY_BYTES, TXRSP, TX_ENTRY_BYTES,
} from './regs.js';
import { readTxPacket, type TxPacket } from './tx.js';

export interface NetBackendOptions {
  /** A Domain-0 xenstore connection of its own (the backend's watches go away with it). */
  readonly xs: XsClient;
  /** `/local/domain/0/backend/vif/<domid>/<devid>` (the toolstack created it in state 1). */
  readonly backendPath: string;
  /** `/local/domain/<domid>/device/vif/<devid>`. */
  readonly frontendPath: string;
  /** The vif's name in Domain-0 ("vif3.0", as Xen's hotplug script names it). */
  readonly name: string;
  readonly grants: BackendGrants;
  readonly events: BackendEvents;
  readonly log: BackendLog;
  /** Queues offered (multi-queue-max-queues); Linux uses min(this, its vCPUs). */
  readonly maxQueues?: number;
}

/** What the frontend said it can receive (its feature-* keys). */
interface RxFeatures {
  readonly sg: boolean;
  readonly gsoTcpv4: boolean;
  readonly gsoTcpv6: boolean;
  /** False when the frontend wrote feature-no-csum-offload: partial checksums must be finished for it. */
  readonly csumOffload: boolean;
}

interface Queue {
  readonly tx: BackRing;
  readonly txPage: GrantedPage;
  readonly rx: BackRing;
  readonly rxPage: GrantedPage;
  /** Local ports: the same one twice unless the frontend split its event channels. */
  txPort: number;
  rxPort: number;
  /** Packets waiting for the guest to post receive buffers. */
  readonly rxBacklog: Packet[];
}

const DEFAULT_MAX_QUEUES = 4;
/** Packets held per queue while the guest has no receive buffers (Linux's rx_queue_max is in bytes; ours counts packets). */
const RX_BACKLOG_MAX = 256;
/** The frontend's MTU when it gave none (Ethernet's). */
const DEFAULT_MTU = 1500;

export class NetBackend implements SwitchPort {
  readonly metrics = new NetbackMetrics();
  /** Where the guest's packets go: the vif's switch attachment. Null drops them (no network). */
  onTransmit: ((p: Packet) => void) | null = null;
  private readonly o: NetBackendOptions;
  private queues: Queue[] = [];
  private features: RxFeatures = { sg: false, gsoTcpv4: false, gsoTcpv6: false, csumOffload: true };
  private mtu = DEFAULT_MTU;
  private state: number = XenbusState.Initialising;
  private readonly watchToken: string;
  private closing: (() => void) | null = null;
  private stopped = false;

  constructor(o: NetBackendOptions) {
    this.o = o;
    this.watchToken = `netback:${o.backendPath}`;
  }

  get name(): string {
    return this.o.name;
  }

  get xenbusState(): number {
    return this.state;
  }

  get queueCount(): number {
    return this.queues.length;
  }

  /** Advertises the features and goes to InitWait (xen-netback's probe), then follows the frontend. */
  start(): void {
    const { xs, backendPath: be } = this.o;
    for (const key of ['feature-sg', 'feature-gso-tcpv4', 'feature-gso-tcpv6', 'feature-ipv6-csum-offload', 'feature-rx-copy', 'feature-split-event-channels']) {
      xs.write(`${be}/${key}`, '1');
    }
    xs.write(`${be}/feature-rx-flip`, '0');
    xs.write(`${be}/multi-queue-max-queues`, String(this.o.maxQueues ?? DEFAULT_MAX_QUEUES));
    this.switchState(XenbusState.InitWait);
    xs.watch(`${this.o.frontendPath}/state`, this.watchToken, () => this.frontendChanged());
  }

  /** Hot-detach: Closing, wait for the frontend to close (or `deadline`), then Closed and stop. */
  async close(deadline: Promise<void>): Promise<void> {
    if (this.stopped) return;
    const closed = new Promise<void>((resolve) => { this.closing = resolve; });
    this.o.xs.write(`${this.o.backendPath}/online`, '0');
    this.switchState(XenbusState.Closing);
    await Promise.race([closed, deadline]);
    this.disconnect();
    this.switchState(XenbusState.Closed);
    this.stop();
  }

  /** Ends the backend at once (the domain is gone): no more xenstore writes. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    try {
      this.o.xs.unwatch(`${this.o.frontendPath}/state`, this.watchToken);
    } catch {
      // The connection may already be closed with the domain; its watches went with it.
    }
    this.disconnect();
  }

  /** A packet for the guest (from the switch). Dropped and counted when it cannot be taken. */
  deliver(p: Packet): void {
    if (this.queues.length === 0) {
      this.metrics.rxDropped++;
      return;
    }
    const q = this.queues[this.queues.length === 1 ? 0 : flowHash(p.frame) % this.queues.length]!;
    for (const ready of this.fitForGuest(p)) {
      if (q.rxBacklog.length >= RX_BACKLOG_MAX) {
        this.metrics.rxDropped++;
        continue;
      }
      q.rxBacklog.push(ready);
    }
    this.flushRx(q);
  }

  /** The packet as this guest can take it: offloads it did not accept are finished here. */
  private fitForGuest(p: Packet): Packet[] {
    const f = this.features;
    const gsoOk = p.gso === null || (p.gso.type === 'tcpv4' ? f.gsoTcpv4 : f.gsoTcpv6);
    if (gsoOk && (f.csumOffload || !p.checksumPartial)) return [p];
    return finishOffloads(p, this.mtu).map((frame) => ({ frame, checksumPartial: false, checksumValidated: true, gso: null }));
  }

  private frontendChanged(): void {
    if (this.stopped) return;
    followFrontend(readUint(this.o.xs, `${this.o.frontendPath}/state`) ?? XenbusState.Unknown, {
      backendState: this.state,
      switchState: (st) => this.switchState(st),
      connect: () => this.connect(),
      closed: () => {
        this.disconnect();
        this.switchState(XenbusState.Closed);
        this.closing?.();
      },
    });
  }

  /** connect(): the frontend's queues, rings and channels, then Connected. */
  private connect(): void {
    const { xs, frontendPath: fe } = this.o;
    if (!readFlag(xs, `${fe}/request-rx-copy`)) return this.fatal('The frontend must use rx-copy (request-rx-copy); page flipping is not supported');
    if (!readFlag(xs, `${fe}/feature-rx-notify`)) return this.fatal('feature-rx-notify is mandatory');
    const maxQueues = this.o.maxQueues ?? DEFAULT_MAX_QUEUES;
    const nrQueues = readUint(xs, `${fe}/multi-queue-num-queues`) ?? 1;
    if (nrQueues < 1 || nrQueues > maxQueues) return this.fatal(`Guest requested ${nrQueues} queues, exceeding the maximum of ${maxQueues}`);
    this.features = {
      sg: readFlag(xs, `${fe}/feature-sg`),
      gsoTcpv4: readFlag(xs, `${fe}/feature-gso-tcpv4`),
      gsoTcpv6: readFlag(xs, `${fe}/feature-gso-tcpv6`),
      csumOffload: !readFlag(xs, `${fe}/feature-no-csum-offload`),
    };
    const mtu = readUint(xs, `${fe}/mtu`);
    this.mtu = mtu !== undefined && mtu >= 68 && mtu <= 65535 ? mtu : DEFAULT_MTU;
    const dirs = queueDirs(fe, nrQueues, nrQueues === 1);
    const queues = connectAll(dirs, (dir) => this.connectQueue(dir), (q) => this.releaseQueue(q));
    if (typeof queues === 'string') return this.fatal(queues);
    this.queues = queues;
    this.switchState(XenbusState.Connected);
    this.o.log(`netback ${this.o.name}: connected, ${queues.length} queue(s), sg ${this.features.sg ? 'on' : 'off'}, gso ${this.features.gsoTcpv4 ? 'on' : 'off'}`);
    // Packets queued before the channels were bound raised no event here.
    for (const q of queues) this.serviceQueue(q);
  }

  private connectQueue(dir: string): Queue | string {
    const { xs, grants, events } = this.o;
    const txRef = readUint(xs, `${dir}/tx-ring-ref`);
    const rxRef = readUint(xs, `${dir}/rx-ring-ref`);
    if (txRef === undefined) return `Reading ${dir}/tx-ring-ref`;
    if (rxRef === undefined) return `Reading ${dir}/rx-ring-ref`;
    const single = readUint(xs, `${dir}/event-channel`);
    const txChannel = single ?? readUint(xs, `${dir}/event-channel-tx`);
    const rxChannel = single ?? readUint(xs, `${dir}/event-channel-rx`);
    if (txChannel === undefined || rxChannel === undefined) return `Reading ${dir}/event-channel(-tx/rx)`;
    const held: GrantedPage[] = [];
    const fail = (why: string): string => {
      for (const g of held) g.release();
      return why;
    };
    const txPage = grants.map(txRef, true);
    if (typeof txPage === 'string') return fail(`Cannot map tx-ring-ref ${txRef}: ${txPage}`);
    held.push(txPage);
    const rxPage = grants.map(rxRef, true);
    if (typeof rxPage === 'string') return fail(`Cannot map rx-ring-ref ${rxRef}: ${rxPage}`);
    held.push(rxPage);
    let q: Queue;
    try {
      q = {
        tx: new BackRing(() => txPage.page, TX_ENTRY_BYTES), txPage,
        rx: new BackRing(() => rxPage.page, RX_ENTRY_BYTES), rxPage,
        txPort: -1, rxPort: -1, rxBacklog: [],
      };
    } catch (e) {
      return fail(`Cannot use the rings: ${(e as Error).message}`);
    }
    if (single !== undefined) {
      const port = events.bind(single, () => this.serviceQueue(q));
      if (typeof port === 'string') return fail(`Cannot bind event-channel ${single}: ${port}`);
      q.txPort = q.rxPort = port;
      return q;
    }
    const txPort = events.bind(txChannel, () => this.serviceTx(q));
    if (typeof txPort === 'string') return fail(`Cannot bind event-channel-tx ${txChannel}: ${txPort}`);
    const rxPort = events.bind(rxChannel, () => this.flushRx(q));
    if (typeof rxPort === 'string') {
      events.unbind(txPort);
      return fail(`Cannot bind event-channel-rx ${rxChannel}: ${rxPort}`);
    }
    q.txPort = txPort;
    q.rxPort = rxPort;
    return q;
  }

  private disconnect(): void {
    for (const q of this.queues.splice(0)) {
      this.metrics.rxDropped += q.rxBacklog.length;
      this.releaseQueue(q);
    }
  }

  private releaseQueue(q: Queue): void {
    if (q.txPort >= 0) this.o.events.unbind(q.txPort);
    if (q.rxPort >= 0 && q.rxPort !== q.txPort) this.o.events.unbind(q.rxPort);
    q.txPage.release();
    q.rxPage.release();
  }

  private serviceQueue(q: Queue): void {
    this.serviceTx(q);
    this.flushRx(q);
  }

  /** The guest signalled its TX ring: take every packet it published. */
  private serviceTx(q: Queue): void {
    if (!this.queues.includes(q)) return;
    const entry = new Uint8Array(TX_ENTRY_BYTES);
    const take = (): Uint8Array | undefined => (q.tx.takeRequest(entry) ? entry.slice() : undefined);
    for (;;) {
      while (q.tx.pending() > 0) {
        const pkt = readTxPacket(take);
        if (typeof pkt === 'string') return this.brokenRing(`TX ring: ${pkt}`);
        this.transmit(q, pkt);
        if (!this.queues.includes(q)) return;
      }
      if (q.tx.broken !== null) return this.brokenRing(`TX ring: ${q.tx.broken}`);
      if (!q.tx.finalCheckForRequests()) return;
    }
  }

  /** Copies one packet out of the guest's pages, answers its slots, and hands it to the switch. */
  private transmit(q: Queue, pkt: TxPacket): void {
    let status: number = NETIF_RSP.OKAY;
    let frame: Uint8Array | null = null;
    if (pkt.multicastControl) {
      // No multicast filter is kept (it is not advertised): the update is acknowledged, nothing is sent.
    } else if (pkt.drop !== null) {
      this.o.log(`netback ${this.o.name}: dropped a packet: ${pkt.drop}`);
      status = NETIF_RSP.ERROR;
    } else {
      const gathered = this.gather(pkt);
      if (typeof gathered === 'string') {
        this.o.log(`netback ${this.o.name}: dropped a packet: ${gathered}`);
        status = NETIF_RSP.ERROR;
      } else {
        frame = gathered;
      }
    }
    // make_tx_response: the first slot, NULL for each extra-info slot, then the other data slots.
    this.txResponse(q, pkt.slots[0]!.id, status);
    for (let i = 0; i < pkt.extraSlots; i++) this.txResponse(q, 0, NETIF_RSP.NULL);
    for (const s of pkt.slots.slice(1)) this.txResponse(q, s.id, status);
    if (q.tx.pushResponses()) this.o.events.notify(q.txPort);
    if (status !== NETIF_RSP.OKAY) this.metrics.txErrors++;
    if (frame === null) return;
    this.metrics.txPackets++;
    this.metrics.txBytes += frame.length;
    this.onTransmit?.({
      frame,
      checksumPartial: (pkt.flags & NETTXF.CSUM_BLANK) !== 0,
      checksumValidated: (pkt.flags & NETTXF.DATA_VALIDATED) !== 0,
      gso: pkt.gso,
    });
  }

  /** The packet's bytes from its granted pages (each mapped read-only, copied, released). */
  private gather(pkt: TxPacket): Uint8Array | string {
    const frame = new Uint8Array(pkt.length);
    let at = 0;
    for (const s of pkt.slots) {
      const m = this.o.grants.map(s.gref, false);
      if (typeof m === 'string') return `gref ${s.gref}: ${m}`;
      frame.set(m.page.subarray(s.offset, s.offset + s.size), at);
      m.release();
      at += s.size;
    }
    return frame;
  }

  private txResponse(q: Queue, id: number, status: number): void {
    const rsp = new Uint8Array(TX_ENTRY_BYTES);
    const dv = new DataView(rsp.buffer);
    dv.setUint16(TXRSP.ID, id, true);
    dv.setInt16(TXRSP.STATUS, status, true);
    q.tx.putResponse(rsp);
  }

  /** Gives the guest as many waiting packets as it has posted receive buffers for. */
  private flushRx(q: Queue): void {
    if (!this.queues.includes(q)) return;
    let sent = false;
    while (q.rxBacklog.length > 0) {
      const p = q.rxBacklog[0]!;
      const dataSlots = Math.max(1, Math.ceil(p.frame.length / PAGE_BYTES));
      if (dataSlots > 1 && !this.features.sg) {
        // Without scatter-gather the frontend takes one page per packet.
        q.rxBacklog.shift();
        this.metrics.rxDropped++;
        continue;
      }
      const needed = dataSlots + (p.gso !== null ? 1 : 0);
      if (q.rx.pending() < needed && q.rx.armForNextRequest() < needed) break;
      q.rxBacklog.shift();
      this.receive(q, p, dataSlots);
      sent = true;
    }
    if (q.rx.broken !== null) return this.brokenRing(`RX ring: ${q.rx.broken}`);
    if (sent && q.rx.pushResponses()) this.o.events.notify(q.rxPort);
  }

  /**
   * Copies one packet into the guest's next receive buffers: the first data slot, the GSO extra
   * slot, then the remaining data slots, each response in its request's slot.
   */
  private receive(q: Queue, p: Packet, dataSlots: number): void {
    const req = new Uint8Array(RX_ENTRY_BYTES);
    let csumFlags = 0;
    if (p.checksumPartial) csumFlags = NETRXF.CSUM_BLANK | NETRXF.DATA_VALIDATED;
    else if (p.checksumValidated) csumFlags = NETRXF.DATA_VALIDATED;
    let failed = false;
    for (let i = 0; i < dataSlots; i++) {
      q.rx.takeRequest(req);
      const dv = new DataView(req.buffer);
      const id = dv.getUint16(RXREQ.ID, true);
      const gref = dv.getUint32(RXREQ.GREF, true);
      const chunk = p.frame.subarray(i * PAGE_BYTES, Math.min(p.frame.length, (i + 1) * PAGE_BYTES));
      const m = this.o.grants.map(gref, true);
      let status = chunk.length;
      if (typeof m === 'string') {
        if (!failed) this.o.log(`netback ${this.o.name}: receive buffer gref ${gref}: ${m}`);
        this.metrics.rxGrantErrors++;
        failed = true;
        status = NETIF_RSP.ERROR;
      } else {
        m.page.set(chunk, 0);
        m.release();
      }
      let flags = i < dataSlots - 1 ? NETRXF.MORE_DATA : 0;
      if (i === 0) flags |= csumFlags | (p.gso !== null ? NETRXF.EXTRA_INFO : 0);
      const rsp = new Uint8Array(RX_ENTRY_BYTES);
      const rv = new DataView(rsp.buffer);
      rv.setUint16(RXRSP.ID, id, true);
      rv.setUint16(RXRSP.OFFSET, 0, true);
      rv.setUint16(RXRSP.FLAGS, flags, true);
      rv.setInt16(RXRSP.STATUS, status, true);
      q.rx.putResponse(rsp);
      if (i === 0 && p.gso !== null) {
        q.rx.takeRequest(req);
        const extra = new Uint8Array(EXTRA_BYTES);
        const ev = new DataView(extra.buffer);
        ev.setUint8(EXTRA.TYPE, EXTRA_TYPE.GSO);
        ev.setUint16(EXTRA.GSO_SIZE, p.gso.mss, true);
        ev.setUint8(EXTRA.GSO_TYPE, p.gso.type === 'tcpv4' ? GSO_TYPE.TCPV4 : GSO_TYPE.TCPV6);
        q.rx.putResponse(extra);
      }
    }
    if (failed) {
      this.metrics.rxDropped++;
      return;
    }
    this.metrics.rxPackets++;
    this.metrics.rxBytes += p.frame.length;
  }

  private brokenRing(reason: string): void {
    this.metrics.brokenRings++;
    this.fatal(`Frontend ${reason}`);
    this.disconnect();
  }

  /** xenbus_dev_fatal: the reason in Domain-0's error/ tree, and the device goes to Closing. */
  private fatal(reason: string): void {
    this.o.log(`netback ${this.o.name}: ${reason}`);
    reportFatal(this.o.xs, this.o.backendPath, reason);
    this.switchState(XenbusState.Closing);
  }

  private switchState(s: number): void {
    if (this.state === s || this.stopped) return;
    this.state = s;
    try {
      this.o.xs.write(`${this.o.backendPath}/state`, String(s));
    } catch (e) {
      this.o.log(`netback ${this.o.name}: cannot write state ${s}: ${(e as Error).message}`);
    }
  }
}

/** A flow's queue: the IPv4 addresses and ports (or the MACs), so one flow keeps its order. */
function flowHash(f: Uint8Array): number {
  let h = 2166136261;
  const to = Math.min(f.length, 38);
  for (let i = f.length >= 38 && f[12] === 0x08 && f[13] === 0x00 ? 26 : 0; i < to; i++) h = Math.imul(h ^ f[i]!, 16777619);
  return h >>> 0;
}
