/**
 * blkback: Domain-0's block backend for Linux's xen-blkfront (the role of Linux's
 * drivers/block/xen-blkback, or QEMU's xen-block for qdisk disks). One instance serves one
 * virtual block device of one domU: the xenbus handshake in xenstore, then requests from one ring
 * per queue, each answered once its I/O on the `BlockDisk` finished.
 *
 * Guarantees the guest can rely on: a write is answered OKAY only once the disk accepted it, a
 * flush only once everything answered before it is on stable storage, and a failed I/O is an
 * ERROR response, never dropped. A read-only disk answers writes with ERROR.
 *
 * Everything the frontend controls is checked: its xenstore keys (ring-ref, event-channel,
 * protocol, queue counts), the ring's indices (BackRing), every request field (request.ts) and
 * every grant (the hypervisor's grant checks). A frontend that breaks the ring protocol gets its
 * device closed with an error in xenstore, as xenbus_dev_fatal does; other devices and domains
 * go on.
 */
import type { BlockDisk } from '../../host/common/block_disk.js';
import type { XsClient } from '../../xenstore/index.js';
import type { BackendEvents, BackendGrants, BackendLog, GrantedPage } from '../host.js';
import { connectAll, queueDirs } from '../queues.js';
import { BackRing } from '../ring/back_ring.js';
import { followFrontend, XenbusState } from '../xenbus_state.js';
import { readKey, readUint, reportFatal } from '../xenbus_keys.js';
import { BlkbackMetrics } from './metrics.js';
import { checkRange, decodeIndirectSegments, decodeRequest, transferBytes, type BlkRequest, type Segment } from './request.js';
import { BLKIF_REQUEST_BYTES, BLKIF_RESPONSE_BYTES, BLKIF_RSP, MAX_INDIRECT_SEGMENTS, SECTOR_BYTES, VDISK } from './regs.js';

export interface BlkBackendOptions {
  /** A Domain-0 xenstore connection of its own (the backend's watches go away with it). */
  readonly xs: XsClient;
  /** `/local/domain/0/backend/vbd/<domid>/<devid>` (the toolstack created it in state 1). */
  readonly backendPath: string;
  /** `/local/domain/<domid>/device/vbd/<devid>`. */
  readonly frontendPath: string;
  readonly disk: BlockDisk;
  readonly grants: BackendGrants;
  readonly events: BackendEvents;
  readonly log: BackendLog;
  /** A cdrom (device-type "cdrom"): reported in `info`, always read-only. */
  readonly cdrom?: boolean;
  /** Queues offered (multi-queue-max-queues); Linux uses min(this, 4, its vCPUs). */
  readonly maxQueues?: number;
}

/** One queue: its ring, event channel and the requests in flight on it. */
interface Queue {
  readonly ring: BackRing;
  readonly ringPage: GrantedPage;
  readonly port: number;
  inFlight: number;
}

const DEFAULT_MAX_QUEUES = 4;
/** Requests taken from one ring per pass before other work gets a turn. */
const BATCH = 32;

export class BlkBackend {
  readonly metrics = new BlkbackMetrics();
  private readonly o: BlkBackendOptions;
  private queues: Queue[] = [];
  private state: number = XenbusState.Initialising;
  private readonly watchToken: string;
  /** Writes (and flushes) in flight, so a flush waits for those issued before it. */
  private readonly writesInFlight = new Set<Promise<unknown>>();
  /** disconnect() calls waiting for the queues' I/O to finish (a frontend close and a stop may overlap). */
  private readonly idleWaiters: (() => void)[] = [];
  private closing: { resolve: () => void } | null = null;
  private stopped = false;

  constructor(o: BlkBackendOptions) {
    this.o = o;
    this.watchToken = `blkback:${o.backendPath}`;
  }

  /** Sector count of the disk (the `sectors` key). */
  get sectors(): number {
    return Math.floor(this.o.disk.sizeBytes / SECTOR_BYTES);
  }

  /** The backend's xenbus state. */
  get xenbusState(): number {
    return this.state;
  }

  get readOnly(): boolean {
    return this.o.disk.readOnly || this.o.cdrom === true;
  }

  /**
   * Advertises the features and goes to InitWait (what xen-blkback's probe does), then follows the
   * frontend's state through a watch.
   */
  start(): void {
    const { xs, backendPath: be } = this.o;
    xs.write(`${be}/feature-max-indirect-segments`, String(MAX_INDIRECT_SEGMENTS));
    xs.write(`${be}/multi-queue-max-queues`, String(this.o.maxQueues ?? DEFAULT_MAX_QUEUES));
    this.switchState(XenbusState.InitWait);
    xs.watch(`${this.o.frontendPath}/state`, this.watchToken, () => this.frontendChanged());
  }

  /**
   * Hot-detach (libxl's device removal): switches to Closing, waits for the frontend to close
   * (or `deadline`), drains the I/O in flight, and closes. The toolstack removes the
   * xenstore directories afterwards.
   */
  async close(deadline: Promise<void>): Promise<void> {
    if (this.stopped) return;
    const closed = new Promise<void>((resolve) => { this.closing = { resolve }; });
    this.o.xs.write(`${this.o.backendPath}/online`, '0');
    this.switchState(XenbusState.Closing);
    await Promise.race([closed, deadline]);
    await this.disconnect();
    this.switchState(XenbusState.Closed);
    await this.stop();
  }

  /** Ends the backend at once (the domain is gone): no more xenstore writes; I/O in flight is awaited. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    try {
      this.o.xs.unwatch(`${this.o.frontendPath}/state`, this.watchToken);
    } catch {
      // The connection may already be closed with the domain; its watches went with it.
    }
    await this.disconnect();
    await this.o.disk.close();
  }

  /** The frontend signalled a queue's event channel (or may have written requests before binding). */
  private kick(q: Queue): void {
    if (this.stopped) return;
    const req = new Uint8Array(BLKIF_REQUEST_BYTES);
    for (;;) {
      let taken = 0;
      while (taken < BATCH && q.ring.takeRequest(req)) {
        taken++;
        this.dispatch(q, decodeRequest(req));
      }
      if (q.ring.broken !== null) {
        this.metrics.brokenRings++;
        this.fatal(`Frontend ring is broken: ${q.ring.broken}`);
        return;
      }
      if (taken === BATCH) continue;
      if (!q.ring.finalCheckForRequests()) return;
    }
  }

  private frontendChanged(): void {
    if (this.stopped) return;
    followFrontend(this.readInt(`${this.o.frontendPath}/state`) ?? XenbusState.Unknown, {
      backendState: this.state,
      switchState: (st) => this.switchState(st),
      connect: () => this.connect(),
      closed: () => void this.disconnect().then(() => {
        if (this.stopped) return;
        this.switchState(XenbusState.Closed);
        this.closing?.resolve();
      }),
    });
  }

  /** connect_ring + connect: map the rings the frontend granted, bind its channels, publish the disk. */
  private connect(): void {
    const { xs, frontendPath: fe, backendPath: be } = this.o;
    const protocol = this.readString(`${fe}/protocol`) ?? 'arm-abi';
    if (protocol !== 'arm-abi') return this.fatal(`Unsupported protocol "${protocol}" (this backend speaks arm-abi)`);
    if ((this.readInt(`${fe}/ring-page-order`) ?? 0) !== 0) return this.fatal('Multi-page rings are not offered (max-ring-page-order is not advertised)');
    const maxQueues = this.o.maxQueues ?? DEFAULT_MAX_QUEUES;
    const nrQueues = this.readInt(`${fe}/multi-queue-num-queues`) ?? 1;
    if (nrQueues < 1 || nrQueues > maxQueues) return this.fatal(`Frontend asked for ${nrQueues} queues (1 to ${maxQueues} offered)`);
    const dirs = queueDirs(fe, nrQueues, nrQueues === 1 && this.readString(`${fe}/ring-ref`) !== undefined);
    const queues = connectAll(dirs, (dir) => this.connectQueue(dir), (q) => this.releaseQueue(q));
    if (typeof queues === 'string') return this.fatal(queues);
    this.queues = queues;
    let info = 0;
    if (this.o.cdrom === true) info |= VDISK.CDROM;
    if (this.readOnly) info |= VDISK.READONLY;
    xs.write(`${be}/sectors`, String(this.sectors));
    xs.write(`${be}/info`, String(info));
    xs.write(`${be}/sector-size`, String(SECTOR_BYTES));
    xs.write(`${be}/physical-sector-size`, String(SECTOR_BYTES));
    xs.write(`${be}/feature-flush-cache`, '1');
    xs.write(`${be}/feature-barrier`, '1');
    xs.write(`${be}/feature-persistent`, '1');
    if (this.o.disk.canDiscard && !this.readOnly) {
      xs.write(`${be}/discard-granularity`, String(4096));
      xs.write(`${be}/discard-alignment`, '0');
      xs.write(`${be}/discard-secure`, '0');
      xs.write(`${be}/feature-discard`, '1');
    } else {
      xs.write(`${be}/feature-discard`, '0');
    }
    this.switchState(XenbusState.Connected);
    this.o.log(`blkback ${be}: connected, ${this.sectors} sectors, ${queues.length} queue(s)${this.readOnly ? ', read-only' : ''}`);
    // Requests written before the channel was bound raised no event here.
    for (const q of queues) this.kick(q);
  }

  private connectQueue(dir: string): Queue | string {
    const ref = this.readInt(`${dir}/ring-ref`);
    const remotePort = this.readInt(`${dir}/event-channel`);
    if (ref === undefined) return `No valid ${dir}/ring-ref`;
    if (remotePort === undefined) return `No valid ${dir}/event-channel`;
    const ringPage = this.o.grants.map(ref, true);
    if (typeof ringPage === 'string') return `Cannot map ring-ref ${ref}: ${ringPage}`;
    let ring: BackRing;
    try {
      ring = new BackRing(() => ringPage.page, BLKIF_REQUEST_BYTES);
    } catch (e) {
      ringPage.release();
      return `Cannot use ring-ref ${ref}: ${(e as Error).message}`;
    }
    const queue: { ring: BackRing; ringPage: GrantedPage; port: number; inFlight: number } = { ring, ringPage, port: -1, inFlight: 0 };
    const port = this.o.events.bind(remotePort, () => this.kick(queue));
    if (typeof port === 'string') {
      ringPage.release();
      return `Cannot bind event-channel ${remotePort}: ${port}`;
    }
    queue.port = port;
    return queue;
  }

  /** Waits for the I/O in flight, then unbinds and unmaps every queue. */
  private async disconnect(): Promise<void> {
    while (this.queues.some((q) => q.inFlight > 0)) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    for (const q of this.queues.splice(0)) this.releaseQueue(q);
  }

  private releaseQueue(q: Queue): void {
    if (q.port >= 0) this.o.events.unbind(q.port);
    q.ringPage.release();
  }

  private dispatch(q: Queue, r: BlkRequest): void {
    q.inFlight++;
    void this.execute(r).then(
      (status) => this.respond(q, r.id, r.op, status),
      (e: unknown) => {
        // execute() turns every expected failure into a status; anything else is our bug, still answered.
        this.o.log(`blkback ${this.o.backendPath}: request ${r.id} failed unexpectedly: ${(e as Error).stack ?? String(e)}`);
        this.respond(q, r.id, r.op, BLKIF_RSP.ERROR);
      },
    );
  }

  private respond(q: Queue, id: bigint, op: number, status: number): void {
    q.inFlight--;
    if (status === BLKIF_RSP.ERROR) this.metrics.errorResponses++;
    else if (status === BLKIF_RSP.EOPNOTSUPP) this.metrics.unsupportedResponses++;
    // A queue already torn down (the frontend closed) has no ring left to answer on.
    if (this.queues.includes(q) && q.ring.broken === null) {
      const rsp = new Uint8Array(BLKIF_RESPONSE_BYTES);
      const dv = new DataView(rsp.buffer);
      dv.setBigUint64(0, id, true);
      dv.setUint8(8, op);
      dv.setInt16(10, status, true);
      q.ring.putResponse(rsp);
      if (q.ring.pushResponses()) this.o.events.notify(q.port);
    }
    if (q.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
  }

  /** Carries out one request; resolves to its response status. */
  private async execute(r: BlkRequest): Promise<number> {
    switch (r.kind) {
      case 'bad':
        this.o.log(`blkback ${this.o.backendPath}: request ${r.id}: ${r.reason}`);
        return r.unsupported ? BLKIF_RSP.EOPNOTSUPP : BLKIF_RSP.ERROR;
      case 'flush':
        this.metrics.flushRequests++;
        return this.flush();
      case 'discard':
        return this.discard(r);
      case 'indirect': {
        this.metrics.indirectRequests++;
        const segments = this.readIndirect(r.indirectGrefs, r.nrSegments);
        if (typeof segments === 'string') {
          this.o.log(`blkback ${this.o.backendPath}: request ${r.id}: ${segments}`);
          return BLKIF_RSP.ERROR;
        }
        return this.transfer(r.id, r.write, false, r.sector, segments);
      }
      case 'rw':
        return this.transfer(r.id, r.write, r.flush, r.sector, r.segments);
    }
  }

  /** Reads the segment descriptors from the indirect pages (mapped read-only, copied, released). */
  private readIndirect(grefs: readonly number[], n: number): Segment[] | string {
    const copies: Uint8Array[] = [];
    for (const gref of grefs) {
      const m = this.o.grants.map(gref, false);
      if (typeof m === 'string') return `indirect page gref ${gref}: ${m}`;
      copies.push(m.page.slice());
      m.release();
    }
    return decodeIndirectSegments(copies, n);
  }

  private async transfer(id: bigint, write: boolean, flush: boolean, sector: bigint, segments: readonly Segment[]): Promise<number> {
    const what = `blkback ${this.o.backendPath}: request ${id}`;
    if (write && this.readOnly) {
      this.o.log(`${what}: write to a read-only disk refused`);
      return BLKIF_RSP.ERROR;
    }
    const bytes = transferBytes(segments);
    const offset = checkRange(sector, BigInt(bytes / SECTOR_BYTES), this.sectors);
    if (typeof offset === 'string') {
      this.o.log(`${what}: ${offset}`);
      return BLKIF_RSP.ERROR;
    }
    // Reads write into the guest's pages; writes only read them.
    const pages: GrantedPage[] = [];
    try {
      for (const s of segments) {
        const m = this.o.grants.map(s.gref, !write);
        if (typeof m === 'string') {
          this.o.log(`${what}: gref ${s.gref}: ${m}`);
          return BLKIF_RSP.ERROR;
        }
        pages.push(m);
      }
      const buf = new Uint8Array(bytes);
      if (write) {
        gather(buf, segments, pages);
        if (flush) await this.flush(); // WRITE_BARRIER / FLUSH_DISKCACHE with data: what came before is stable first.
        const done = this.o.disk.write(offset, buf);
        this.trackWrite(done);
        await done;
        this.metrics.writeRequests++;
        this.metrics.bytesWritten += bytes;
        if (flush && (await this.flush()) !== BLKIF_RSP.OKAY) return BLKIF_RSP.ERROR;
      } else {
        await this.o.disk.read(offset, buf);
        scatter(buf, segments, pages);
        this.metrics.readRequests++;
        this.metrics.bytesRead += bytes;
      }
      return BLKIF_RSP.OKAY;
    } catch (e) {
      this.o.log(`${what}: ${(e as Error).message}`);
      return BLKIF_RSP.ERROR;
    } finally {
      for (const p of pages) p.release();
    }
  }

  /** A flush covers every write issued before it: wait for those, then make the disk stable. */
  private async flush(): Promise<number> {
    await Promise.allSettled([...this.writesInFlight]);
    try {
      await this.o.disk.flush();
      return BLKIF_RSP.OKAY;
    } catch (e) {
      this.o.log(`blkback ${this.o.backendPath}: ${(e as Error).message}`);
      return BLKIF_RSP.ERROR;
    }
  }

  private async discard(r: Extract<BlkRequest, { kind: 'discard' }>): Promise<number> {
    this.metrics.discardRequests++;
    if (!this.o.disk.canDiscard || r.secure) return BLKIF_RSP.EOPNOTSUPP;
    if (this.readOnly) return BLKIF_RSP.ERROR;
    const offset = checkRange(r.sector, r.nrSectors, this.sectors);
    if (typeof offset === 'string') {
      this.o.log(`blkback ${this.o.backendPath}: discard ${r.id}: ${offset}`);
      return BLKIF_RSP.ERROR;
    }
    try {
      const done = this.o.disk.discard(offset, Number(r.nrSectors) * SECTOR_BYTES);
      this.trackWrite(done);
      await done;
      return BLKIF_RSP.OKAY;
    } catch (e) {
      this.o.log(`blkback ${this.o.backendPath}: ${(e as Error).message}`);
      return BLKIF_RSP.ERROR;
    }
  }

  private trackWrite(p: Promise<unknown>): void {
    const settled = p.then(() => undefined, () => undefined);
    this.writesInFlight.add(settled);
    void settled.then(() => this.writesInFlight.delete(settled));
  }

  /** xenbus_dev_fatal: the reason in Domain-0's error/ tree, and the device goes to Closing. */
  private fatal(reason: string): void {
    this.o.log(`blkback ${this.o.backendPath}: ${reason}`);
    reportFatal(this.o.xs, this.o.backendPath, reason);
    this.switchState(XenbusState.Closing);
  }

  private switchState(s: number): void {
    if (this.state === s) return;
    this.state = s;
    try {
      this.o.xs.write(`${this.o.backendPath}/state`, String(s));
    } catch (e) {
      this.o.log(`blkback ${this.o.backendPath}: cannot write state ${s}: ${(e as Error).message}`);
    }
  }

  private readString(path: string): string | undefined {
    return readKey(this.o.xs, path);
  }

  private readInt(path: string): number | undefined {
    return readUint(this.o.xs, path);
  }
}

/** Copies the guest's pages into `buf` (a write's data). */
function gather(buf: Uint8Array, segments: readonly Segment[], pages: readonly GrantedPage[]): void {
  let at = 0;
  segments.forEach((s, i) => {
    const from = s.firstSect * SECTOR_BYTES;
    const to = (s.lastSect + 1) * SECTOR_BYTES;
    buf.set(pages[i]!.page.subarray(from, to), at);
    at += to - from;
  });
}

/** Copies `buf` (a read's data) into the guest's pages. */
function scatter(buf: Uint8Array, segments: readonly Segment[], pages: readonly GrantedPage[]): void {
  let at = 0;
  segments.forEach((s, i) => {
    const from = s.firstSect * SECTOR_BYTES;
    const len = (s.lastSect - s.firstSect + 1) * SECTOR_BYTES;
    pages[i]!.page.set(buf.subarray(at, at + len), from);
    at += len;
  });
}

