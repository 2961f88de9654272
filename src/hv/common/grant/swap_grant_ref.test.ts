import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GNTST_bad_gntref, GNTST_eagain, GNTST_okay, GNTTABOP_swap_grant_ref, GTF_permit_access, SWAP_GRANT_REF } from './abi.js';
import type { GrantTable } from './grant_table.js';
import { DOM0, DOMU, RAM_GFN, entryFlags, grantAccess, makeGrantWorld } from './harness.js';

function swap(t: GrantTable, a: number, b: number): number {
  const dv = new DataView(new ArrayBuffer(12));
  dv.setUint32(SWAP_GRANT_REF.ref_a, a, true);
  dv.setUint32(SWAP_GRANT_REF.ref_b, b, true);
  assert.equal(t.doGrantTableOp(GNTTABOP_swap_grant_ref, dv, 1, t.domid), 0);
  return dv.getInt16(SWAP_GRANT_REF.status, true);
}

describe('GNTTABOP_swap_grant_ref', () => {
  it('exchanges two entries, refuses pinned ones with GNTST_eagain and refs out of range', () => {
    const { dom0, domU } = makeGrantWorld();
    grantAccess(domU, 8, { domid: DOM0, gfn: RAM_GFN });
    assert.equal(swap(domU, 8, 20), GNTST_okay);
    assert.equal(entryFlags(domU, 8), 0);
    assert.equal(entryFlags(domU, 20), GTF_permit_access);
    assert.equal(domU.mem.dv.getUint32(domU.entryHostOffset(20) + 4, true), RAM_GFN);
    const m = dom0.mapGrant(DOMU, 20, { readonly: true });
    assert.equal(swap(domU, 8, 20), GNTST_eagain);
    assert.equal(swap(domU, 20, 20), GNTST_okay);
    assert.equal(swap(domU, 0, 512), GNTST_bad_gntref);
    assert.equal(swap(domU, 0xffff_ffff, 0), GNTST_bad_gntref);
    assert.ok('handle' in m);
  });
});
