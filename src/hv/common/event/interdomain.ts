/**
 * The two-domain transitions of event_channel.c, made on shared port tables under the per-port
 * locks: connecting a new port to a remote unbound one (evtchn_bind_interdomain) and closing an
 * interdomain port, which reverts its peer to unbound (evtchn_close). Pairs are locked in
 * (domid, port) order, as double_evtchn_lock orders by address, so two threads closing both ends
 * at once cannot deadlock.
 */
import { ECS_INTERDOMAIN, ECS_UNBOUND, EVTCHN_FIFO_NR_CHANNELS, EVTCHN_FIFO_PRIORITY_DEFAULT } from './abi.js';
import type { EventChannelDirectory } from './directory.js';
import { PortField, stateWord, wordDomid, wordState, type PortTable } from './port_table.js';

/** One end of a channel. */
export interface PortRef {
  readonly table: PortTable;
  readonly domid: number;
  readonly port: number;
}

/**
 * evtchn_port_init for a table on any thread: a domain on FIFO (max_evtchns says so) gives a newly
 * bound port the default priority (event_fifo.c evtchn_fifo_init).
 */
export function portInit(t: PortTable, port: number): void {
  if (t.maxEvtchns === EVTCHN_FIFO_NR_CHANNELS) t.set(port, PortField.PRIORITY, EVTCHN_FIFO_PRIORITY_DEFAULT);
}

/**
 * Connects the freshly allocated, locked `local` port to `remote` if that is unbound and waiting
 * for local's domain. Returns false (remote untouched, local still locked) otherwise. Nobody waits
 * for a fresh port's lock, so taking the remote lock while holding it cannot deadlock.
 */
export function linkToUnbound(local: PortRef, remote: PortRef): boolean {
  const rt = remote.table;
  if (!rt.isValid(remote.port) || (rt === local.table && remote.port === local.port)) return false;
  const rw = rt.lock(remote.port);
  if (wordState(rw) !== ECS_UNBOUND || wordDomid(rw) !== local.domid) {
    rt.unlock(remote.port, rw);
    return false;
  }
  local.table.set(local.port, PortField.REMOTE_PORT, remote.port);
  portInit(local.table, local.port);
  rt.set(remote.port, PortField.REMOTE_PORT, local.port);
  rt.unlock(remote.port, stateWord(ECS_INTERDOMAIN, local.domid));
  local.table.unlock(local.port, stateWord(ECS_INTERDOMAIN, remote.domid));
  return true;
}

/** The closing domain, as closeInterdomain needs it. */
export interface ClosingDomain {
  readonly directory: EventChannelDirectory;
  readonly domid: number;
  readonly table: PortTable;
  /** evtchn_free of a locked port of this domain (releases the lock). */
  free(port: number): void;
}

/**
 * The interdomain half of close, entered with `port` locked in state `w`. Returns false (lock
 * dropped) when the port changed while it was briefly unlocked to respect the lock order, so the
 * caller starts over as Xen's `goto again` does.
 */
export function closeInterdomain(d: ClosingDomain, port: number, w: number): boolean {
  const d2 = wordDomid(w);
  const p2 = d.table.get(port, PortField.REMOTE_PORT);
  const t2 = d.directory.lookup(d2)?.table;
  if (t2 === undefined || !t2.isValid(p2) || (t2 === d.table && p2 === port)) {
    d.free(port);
    return true;
  }
  let w2: number;
  if (d2 > d.domid || (d2 === d.domid && p2 > port)) {
    w2 = t2.lock(p2);
  } else {
    d.table.unlock(port, w);
    w2 = t2.lock(p2);
    const again = d.table.lock(port);
    if (again !== w || d.table.get(port, PortField.REMOTE_PORT) !== p2) {
      d.table.unlock(port, again);
      t2.unlock(p2, w2);
      return false;
    }
  }
  // Xen BUG()s unless the peer points back; a peer that does not is left alone.
  const peerIsUs = wordState(w2) === ECS_INTERDOMAIN && wordDomid(w2) === d.domid && t2.get(p2, PortField.REMOTE_PORT) === port;
  d.free(port);
  t2.unlock(p2, peerIsUs ? stateWord(ECS_UNBOUND, d.domid) : w2);
  return true;
}
