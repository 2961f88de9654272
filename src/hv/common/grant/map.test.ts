import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { XEN_PAGE_SIZE } from '../../../abi/xen.js';
import { HOST_PA_BASE } from '../memory/p2m.js';
import {
  GNTMAP_device_map,
  GNTMAP_host_map,
  GNTST_bad_domain,
  GNTST_bad_gntref,
  GNTST_bad_handle,
  GNTST_bad_page,
  GNTST_general_error,
  GNTST_okay,
  GNTTABOP_map_grant_ref,
  GNTTABOP_unmap_and_replace,
  GNTTABOP_unmap_grant_ref,
  GTF_accept_transfer,
  GTF_permit_access,
  GTF_reading,
  GTF_writing,
  MAP,
  UNMAP,
} from './abi.js';
import type { GrantTable } from './grant_table.js';
import { DOM0, DOMU, RAM_GFN, endForeignAccess, entryFlags, grantAccess, makeGrantWorld, mapOp, ramHostOffset } from './harness.js';

const BACKEND_GPA = 0x5000_0000; // a hole in Domain-0's space, as Linux's ballooned pages are
const REF = 8;

function map(t: GrantTable, o: Parameters<typeof mapOp>[0]): { status: number; handle: number; dv: DataView } {
  const dv = mapOp(o);
  assert.equal(t.doGrantTableOp(GNTTABOP_map_grant_ref, dv, 1, t.domid), 0);
  return { status: dv.getInt16(MAP.status, true), handle: dv.getUint32(MAP.handle, true), dv };
}

function unmap(t: GrantTable, handle: number, hostAddr = BACKEND_GPA, cmd = GNTTABOP_unmap_grant_ref, newAddr = 0): number {
  const dv = new DataView(new ArrayBuffer(24));
  dv.setUint32(UNMAP.host_addr, hostAddr, true);
  if (cmd === GNTTABOP_unmap_and_replace) dv.setUint32(8, newAddr, true);
  dv.setUint32(UNMAP.handle, handle, true);
  assert.equal(t.doGrantTableOp(cmd, dv, 1, t.domid), 0);
  return dv.getInt16(UNMAP.status, true);
}

describe('GNTTABOP_map_grant_ref / unmap_grant_ref', () => {
  it('maps a read-write grant into the caller p2m with GTF_reading|GTF_writing set until unmap', () => {
    const { dom0, domU } = makeGrantWorld();
    grantAccess(domU, REF, { domid: DOM0, gfn: RAM_GFN + 3 });
    const { status, handle, dv } = map(dom0, { hostAddr: BACKEND_GPA, ref: REF, dom: DOMU });
    assert.equal(status, GNTST_okay);
    const page = ramHostOffset(domU, 3);
    assert.equal(dom0.mem.offsetOfGfn(BACKEND_GPA / XEN_PAGE_SIZE, true), page);
    assert.equal(Number(dv.getBigUint64(MAP.dev_bus_addr, true)), HOST_PA_BASE + page);
    assert.equal(entryFlags(domU, REF), GTF_permit_access | GTF_reading | GTF_writing);
    assert.equal(endForeignAccess(domU, REF), false, 'frontend sees the grant in use');
    assert.equal(unmap(dom0, handle), GNTST_okay);
    assert.equal(dom0.mem.offsetOfGfn(BACKEND_GPA / XEN_PAGE_SIZE), -1);
    assert.equal(entryFlags(domU, REF), GTF_permit_access);
    assert.equal(endForeignAccess(domU, REF), true);
    assert.equal(unmap(dom0, handle), GNTST_bad_handle, 'a handle is good for one unmap');
  });

  it('maps a read-only grant read-only, with only GTF_reading, and keeps it until the last mapping goes', () => {
    const { dom0, domU } = makeGrantWorld();
    grantAccess(domU, REF, { domid: DOM0, gfn: RAM_GFN, readonly: true });
    const a = map(dom0, { hostAddr: BACKEND_GPA, ref: REF, dom: DOMU, readonly: true });
    const b = map(dom0, { hostAddr: BACKEND_GPA + XEN_PAGE_SIZE, ref: REF, dom: DOMU, readonly: true });
    assert.equal(a.status, GNTST_okay);
    assert.equal(b.status, GNTST_okay);
    assert.notEqual(a.handle, b.handle);
    const gfn = BACKEND_GPA / XEN_PAGE_SIZE;
    assert.equal(dom0.mem.offsetOfGfn(gfn, false), ramHostOffset(domU, 0));
    assert.equal(dom0.mem.offsetOfGfn(gfn, true), -1, 'p2m refuses writes');
    assert.equal(entryFlags(domU, REF) & (GTF_reading | GTF_writing), GTF_reading);
    assert.equal(unmap(dom0, a.handle), GNTST_okay);
    assert.equal(entryFlags(domU, REF) & GTF_reading, GTF_reading);
    assert.equal(unmap(dom0, b.handle, BACKEND_GPA + XEN_PAGE_SIZE), GNTST_okay);
    assert.equal(entryFlags(domU, REF) & GTF_reading, 0);
  });

  it('clears only GTF_writing when the last writer leaves a read-only mapping behind', () => {
    const { dom0, domU } = makeGrantWorld();
    grantAccess(domU, REF, { domid: DOM0, gfn: RAM_GFN });
    const ro = map(dom0, { hostAddr: BACKEND_GPA, ref: REF, dom: DOMU, readonly: true });
    const rw = map(dom0, { hostAddr: BACKEND_GPA + XEN_PAGE_SIZE, ref: REF, dom: DOMU });
    assert.equal(entryFlags(domU, REF) & (GTF_reading | GTF_writing), GTF_reading | GTF_writing);
    unmap(dom0, rw.handle, BACKEND_GPA + XEN_PAGE_SIZE);
    assert.equal(entryFlags(domU, REF) & (GTF_reading | GTF_writing), GTF_reading);
    unmap(dom0, ro.handle);
    assert.equal(entryFlags(domU, REF), GTF_permit_access);
  });

  it('returns the GNTST code Xen gives for each bad grant, and leaves no flag set', () => {
    const cases: [string, (t: GrantTable) => void, Partial<Parameters<typeof mapOp>[0]>, number][] = [
      ['wrong grantee', (t) => grantAccess(t, REF, { domid: 5, gfn: RAM_GFN }), {}, GNTST_general_error],
      ['readonly violated', (t) => grantAccess(t, REF, { domid: DOM0, gfn: RAM_GFN, readonly: true }), {}, GNTST_general_error],
      ['invalid type', (t) => grantAccess(t, REF, { domid: DOM0, gfn: RAM_GFN, flags: GTF_accept_transfer }), {}, GNTST_general_error],
      ['ref out of range', () => {}, { ref: 512 }, GNTST_bad_gntref],
      ['ref near 2^32', () => {}, { ref: 0xffff_ffff }, GNTST_bad_gntref],
      ['frame not owned', (t) => grantAccess(t, REF, { domid: DOM0, gfn: 0x10 }), {}, GNTST_bad_page],
      ['no map flags', (t) => grantAccess(t, REF, { domid: DOM0, gfn: RAM_GFN }), { flags: 0 }, GNTST_bad_gntref],
      ['device map', (t) => grantAccess(t, REF, { domid: DOM0, gfn: RAM_GFN }), { flags: GNTMAP_host_map | GNTMAP_device_map }, GNTST_general_error],
      ['unknown domain', () => {}, { dom: 42 }, GNTST_bad_domain],
      ['host_addr beyond the IPA space', (t) => grantAccess(t, REF, { domid: DOM0, gfn: RAM_GFN }), { hostAddr: HOST_PA_BASE }, GNTST_general_error],
    ];
    for (const [what, setup, over, want] of cases) {
      const { dom0, domU } = makeGrantWorld();
      setup(domU);
      const before = entryFlags(domU, REF);
      const r = map(dom0, { hostAddr: BACKEND_GPA, ref: REF, dom: DOMU, ...over });
      assert.equal(r.status, want, what);
      assert.equal(entryFlags(domU, REF), before, `${what}: flags untouched`);
      assert.equal(dom0.mem.offsetOfGfn(BACKEND_GPA / XEN_PAGE_SIZE), -1, `${what}: nothing mapped`);
      assert.equal(domU.active.size, 0, `${what}: no pin left`);
    }
  });

  it('refuses to re-grant a page the granter itself only has mapped from elsewhere', () => {
    const { dom0, domU } = makeGrantWorld();
    grantAccess(dom0, REF, { domid: DOMU, gfn: RAM_GFN });
    assert.equal(map(domU, { hostAddr: BACKEND_GPA, ref: REF, dom: DOM0 }).status, GNTST_okay);
    grantAccess(domU, REF, { domid: DOM0, gfn: BACKEND_GPA / XEN_PAGE_SIZE });
    assert.equal(map(dom0, { hostAddr: BACKEND_GPA, ref: REF, dom: DOMU }).status, GNTST_bad_page);
  });

  it('unmap refuses a wrong host_addr and unmap_and_replace with a new_addr, keeping the mapping', () => {
    const { dom0, domU } = makeGrantWorld();
    grantAccess(domU, REF, { domid: DOM0, gfn: RAM_GFN });
    const { handle } = map(dom0, { hostAddr: BACKEND_GPA, ref: REF, dom: DOMU });
    assert.equal(unmap(dom0, handle, BACKEND_GPA + XEN_PAGE_SIZE), GNTST_general_error);
    assert.equal(unmap(dom0, handle, BACKEND_GPA, GNTTABOP_unmap_and_replace, 0x6000_0000), GNTST_general_error);
    assert.equal(unmap(dom0, handle, 0), GNTST_okay, 'host_addr 0 unmaps nothing');
    assert.notEqual(entryFlags(domU, REF) & GTF_writing, 0);
    assert.equal(unmap(dom0, handle, BACKEND_GPA, GNTTABOP_unmap_and_replace), GNTST_okay);
    assert.equal(entryFlags(domU, REF), GTF_permit_access);
  });

  it('a destroyed granter leaves the grantee a dangling handle but no access to its memory', () => {
    const { dom0, domU } = makeGrantWorld();
    grantAccess(domU, REF, { domid: DOM0, gfn: RAM_GFN });
    const { handle } = map(dom0, { hostAddr: BACKEND_GPA, ref: REF, dom: DOMU });
    domU.destroy();
    assert.equal(dom0.mem.offsetOfGfn(BACKEND_GPA / XEN_PAGE_SIZE), -1);
    assert.equal(unmap(dom0, handle), GNTST_okay);
    assert.equal(dom0.maptrack.inUse, 0);
  });

  it('a destroyed grantee drops its pins and clears the flags on the granter', () => {
    const { dom0, domU } = makeGrantWorld();
    grantAccess(domU, REF, { domid: DOM0, gfn: RAM_GFN });
    map(dom0, { hostAddr: BACKEND_GPA, ref: REF, dom: DOMU });
    dom0.destroy();
    assert.equal(entryFlags(domU, REF), GTF_permit_access);
    assert.equal(domU.active.size, 0);
  });
});
