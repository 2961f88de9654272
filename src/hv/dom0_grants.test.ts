/**
 * Domain-0's view of a domU's grant table (Hypervisor.attachGrants): the domU's thread owns the
 * table and grows it; Domain-0's thread maps through a view over the same shared memory and the
 * shared nr_grant_frames word, and loses its mappings when the domU goes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GUEST, XEN_PAGE_SIZE } from '../abi/xen.js';
import { GNTST_bad_gntref, GTF_permit_access, GTF_reading, GTF_writing, GrantTable, GrantTableDirectory, isGrantError, newSharedNrFrames } from './common/grant/index.js';
import { buildDomainP2m, planDomainMemory } from './common/memory/layout.js';
import { Hypervisor } from './hypervisor.js';

const DOMID = 5;
const RAM_GFN = GUEST.RAM0_BASE / XEN_PAGE_SIZE;

function domU() {
  const layout = planDomainMemory(16 * 1024 * 1024);
  const buffer = new SharedArrayBuffer(layout.totalBytes);
  const nr = newSharedNrFrames();
  const owner = new GrantTable({ domid: DOMID, mem: buildDomainP2m(buffer, layout), frameHostOffsets: layout.grantFrameHostOffsets, directory: new GrantTableDirectory(), sharedNrFrames: nr });
  /** Writes grant `ref` of `gfn` to Domain-0 as Linux does (domid and frame, then flags). */
  const grant = (ref: number, gfn: number) => {
    const dv = new DataView(buffer, owner.entryHostOffset(ref), 8);
    dv.setUint16(2, 0, true);
    dv.setUint32(4, gfn, true);
    dv.setUint16(0, GTF_permit_access, true);
  };
  const flags = (ref: number) => new DataView(buffer, owner.entryHostOffset(ref), 2).getUint16(0, true);
  return { layout, buffer, owner, grant, flags, share: { domid: DOMID, buffer, layout, grantNrFrames: nr.buffer as SharedArrayBuffer } };
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
