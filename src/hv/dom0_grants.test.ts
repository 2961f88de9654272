/**
 * Domain-0's view of a domU's grant table (Hypervisor.attachGrants): the domU's thread owns the
 * table and grows it; Domain-0's thread maps through a view over the same shared memory and the
 * shared nr_grant_frames word, and loses its mappings when the domU goes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GUEST, XEN_PAGE_SIZE } from '../abi/xen.js';
import { GNTST_bad_gntref, GNTST_okay, GTF_permit_access, GTF_reading, GTF_writing, GrantTable, GrantTableDirectory, isGrantError, newSharedNrFrames } from './common/grant/index.js';
import { buildDomainP2m, planDomainMemory } from './common/memory/layout.js';
import { Hypervisor } from './hypervisor.js';
import { isPageDirty } from '../lib/dirty_log.js';

const DOMID = 5;
const RAM_GFN = GUEST.RAM0_BASE / XEN_PAGE_SIZE;

function domU() {
  const layout = planDomainMemory(16 * 1024 * 1024);
  const buffer = new SharedArrayBuffer(layout.totalBytes);
  const nr = newSharedNrFrames();
  const mem = buildDomainP2m(buffer, layout);
  const owner = new GrantTable({ domid: DOMID, mem, frameHostOffsets: layout.grantFrameHostOffsets, directory: new GrantTableDirectory(), sharedNrFrames: nr });
  /** Writes grant `ref` of `gfn` to Domain-0 as Linux does (domid and frame, then flags). */
  const grant = (ref: number, gfn: number) => {
    const dv = new DataView(buffer, owner.entryHostOffset(ref), 8);
    dv.setUint16(2, 0, true);
    dv.setUint32(4, gfn, true);
    dv.setUint16(0, GTF_permit_access, true);
  };
  const flags = (ref: number) => new DataView(buffer, owner.entryHostOffset(ref), 2).getUint16(0, true);
  return { layout, buffer, owner, grant, flags, mem, share: { domid: DOMID, buffer, layout, grantNrFrames: nr.buffer as SharedArrayBuffer, dirtyLog: mem.dirtyLog.shared } };
}

test('Domain-0 maps a domU page through its view, sees the table grow, and releases the grant flags on unmap', () => {
  const hv = new Hypervisor();
  const u = domU();
  hv.attachGrants(u.share);
  u.grant(8, RAM_GFN + 3);
  new Uint8Array(u.buffer, u.layout.hostBase + 3 * XEN_PAGE_SIZE, 4).set([1, 2, 3, 4]);
  const m = hv.dom0Grants.mapGrant(DOMID, 8, { readonly: false });
  assert.ok(!isGrantError(m));
  assert.deepEqual([...m.page.subarray(0, 4)], [1, 2, 3, 4]);
  assert.equal(u.flags(8) & (GTF_reading | GTF_writing), GTF_reading | GTF_writing);
  // A ref in the second frame is out of range until the domU's own thread grows its table.
  const before = hv.dom0Grants.mapGrant(DOMID, 600, { readonly: true });
  assert.ok(isGrantError(before) && before.status === GNTST_bad_gntref);
  assert.ok(u.owner.frameForIndex(1) > 0);
  u.grant(600, RAM_GFN + 4);
  const after = hv.dom0Grants.mapGrant(DOMID, 600, { readonly: true });
  assert.ok(!isGrantError(after));
  hv.dom0Grants.unmapGrant(m.handle);
  hv.dom0Grants.unmapGrant(after.handle);
  assert.equal(u.flags(8) & (GTF_reading | GTF_writing), 0);
  assert.equal(u.flags(600) & GTF_reading, 0);
});

test("Domain-0's writable mappings and copies mark the domU's dirty log, as gnttab_mark_dirty does; reads do not", () => {
  const hv = new Hypervisor();
  const u = domU();
  hv.attachGrants(u.share);
  const log = u.mem.dirtyLog;
  const pageOf = (gfnIndex: number) => (u.layout.hostBase + gfnIndex * XEN_PAGE_SIZE) / XEN_PAGE_SIZE;
  log.enable();
  u.grant(8, RAM_GFN + 3);
  u.grant(9, RAM_GFN + 5);
  u.grant(10, RAM_GFN + 7);
  const ro = hv.dom0Grants.mapGrant(DOMID, 9, { readonly: true });
  assert.ok(!isGrantError(ro));
  hv.dom0Grants.unmapGrant(ro.handle);
  assert.equal(log.peek().dirtyCount, 0, 'a read-only mapping dirties nothing');
  const rw = hv.dom0Grants.mapGrant(DOMID, 8, { readonly: false });
  assert.ok(!isGrantError(rw));
  rw.page[100] = 0x5a;
  hv.dom0Grants.unmapGrant(rw.handle);
  assert.ok(isPageDirty(log.peek().bits, pageOf(3)), 'the page written through a writable mapping is dirty on unmap');
  assert.equal(hv.dom0Grants.copy(DOMID, 10, { offset: 16, data: Uint8Array.of(1, 2, 3), toGrant: true }), GNTST_okay);
  const after = log.clean();
  assert.deepEqual([isPageDirty(after.bits, pageOf(3)), isPageDirty(after.bits, pageOf(5)), isPageDirty(after.bits, pageOf(7))], [true, false, true]);
  assert.equal(after.dirtyCount, 2);
  assert.equal(log.peek().dirtyCount, 0, 'clean starts the log again');
  log.disable();
  assert.equal(hv.dom0Grants.copy(DOMID, 10, { offset: 16, data: Uint8Array.of(4), toGrant: true }), GNTST_okay);
  assert.equal(log.peek().dirtyCount, 0, 'nothing is marked while the log is off');
});

test('attaching a view clears nothing, and removing the domain revokes Domain-0 mappings', () => {
  const hv = new Hypervisor();
  const u = domU();
  u.grant(9, RAM_GFN);
  hv.attachGrants(u.share);
  assert.equal(u.flags(9), GTF_permit_access, 'the view must not clear the frames the domU already filled');
  const m = hv.dom0Grants.mapGrant(DOMID, 9, { readonly: false });
  assert.ok(!isGrantError(m));
  hv.removeDomain(DOMID);
  assert.ok(m.revoked);
  m.page[0] = 0xff; // scratch memory now
  assert.equal(new Uint8Array(u.buffer, u.layout.hostBase, 1)[0], 0);
  const again = hv.dom0Grants.mapGrant(DOMID, 9, { readonly: false });
  assert.ok(isGrantError(again));
});
