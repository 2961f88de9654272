import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  GNTST_bad_copy_arg,
  GNTST_bad_domain,
  GNTST_bad_gntref,
  GNTST_bad_handle,
  GNTST_bad_page,
  GNTST_general_error,
  GNTST_okay,
  GTF_permit_access,
  GTF_reading,
  GTF_writing,
} from './abi.js';
import { isGrantError } from './entry.js';
import type { GrantTable } from './grant_table.js';
import { DOM0, DOMU, RAM_GFN, endForeignAccess, entryFlags, grantAccess, makeGrantWorld, ramHostOffset } from './harness.js';
import { GrantMapping } from './mapping.js';

const REF = 9;

describe('GrantTable.mapGrant() for an in-process backend', () => {
  it('gives a 4096-byte view of the granted page, with GTF_reading|GTF_writing set until unmapGrant', () => {
    const { dom0, domU } = makeGrantWorld();
    grantAccess(domU, REF, { domid: DOM0, gfn: RAM_GFN + 2 });
    const m = dom0.mapGrant(DOMU, REF, { readonly: false });
    assert.ok(m instanceof GrantMapping);
    assert.equal(m.page.length, 4096);
    assert.equal(m.page[0], 3, 'RAM page 2 holds 3s');
    m.page[10] = 0x77;
    assert.equal(domU.mem.u8[ramHostOffset(domU, 2) + 10], 0x77);
    assert.equal(entryFlags(domU, REF), GTF_permit_access | GTF_reading | GTF_writing);
    assert.equal(endForeignAccess(domU, REF), false);
    assert.equal(dom0.unmapGrant(m.handle), GNTST_okay);
    assert.equal(m.revoked, true);
    assert.equal(entryFlags(domU, REF), GTF_permit_access);
    assert.equal(dom0.unmapGrant(m.handle), GNTST_bad_handle);
    assert.equal(endForeignAccess(domU, REF), true);
  });

  it('maps read-only with GTF_reading only', () => {
    const { dom0, domU } = makeGrantWorld();
    grantAccess(domU, REF, { domid: DOM0, gfn: RAM_GFN, readonly: true });
    const m = dom0.mapGrant(DOMU, REF, { readonly: true });
    assert.ok(!isGrantError(m));
    assert.equal(m.readonly, true);
    assert.equal(entryFlags(domU, REF) & (GTF_reading | GTF_writing), GTF_reading);
    dom0.unmapGrant(m.handle);
    assert.equal(entryFlags(domU, REF) & GTF_reading, 0);
  });

  it('says what was wrong, with Xen status codes', () => {
    const cases: [string, (t: GrantTable) => void, number, boolean, number, RegExp][] = [
      ['wrong grantee', (t) => grantAccess(t, REF, { domid: 4, gfn: RAM_GFN }), REF, false, GNTST_general_error, /expected d0/],
      ['readonly violated', (t) => grantAccess(t, REF, { domid: DOM0, gfn: RAM_GFN, readonly: true }), REF, false, GNTST_general_error, /r\/o/],
      ['invalid type', (t) => grantAccess(t, REF, { domid: DOM0, gfn: RAM_GFN, flags: 0 }), REF, true, GNTST_general_error, /Bad flags/],
      ['ref out of range', () => {}, 4096, true, GNTST_bad_gntref, /Bad ref/],
      ['frame not owned', (t) => grantAccess(t, REF, { domid: DOM0, gfn: 0xdead }), REF, true, GNTST_bad_page, /does not own/],
    ];
    for (const [what, setup, ref, readonly, status, reason] of cases) {
      const w = makeGrantWorld();
      setup(w.domU);
      const r = w.dom0.mapGrant(DOMU, ref, { readonly });
      assert.ok(isGrantError(r), what);
      assert.equal(r.status, status, what);
      assert.match(r.reason, reason, what);
      assert.equal(w.dom0.counters.mapFailures, 1);
    }
    const r = makeGrantWorld().dom0.mapGrant(33, REF, { readonly: true });
    assert.ok(isGrantError(r) && r.status === GNTST_bad_domain);
  });

  it('revokes the view when the granter is destroyed, so stale writes miss its memory', () => {
    const { dom0, domU } = makeGrantWorld();
    grantAccess(domU, REF, { domid: DOM0, gfn: RAM_GFN + 1 });
    const m = dom0.mapGrant(DOMU, REF, { readonly: false });
    assert.ok(!isGrantError(m));
    const off = ramHostOffset(domU, 1);
    domU.destroy();
    assert.equal(m.revoked, true);
    m.page.fill(0xee);
    assert.ok(domU.mem.u8.subarray(off, off + 4096).every((b) => b === 2));
    assert.equal(dom0.unmapGrant(m.handle), GNTST_okay);
    assert.ok(isGrantError(dom0.mapGrant(DOMU, REF, { readonly: true })));
  });
});

describe('GrantTable.copy() for an in-process backend', () => {
  it('copies into and out of a granted page, pinning only for the copy', () => {
    const { dom0, domU } = makeGrantWorld();
    grantAccess(domU, REF, { domid: DOM0, gfn: RAM_GFN + 4 });
    assert.equal(dom0.copy(DOMU, REF, { offset: 100, data: new Uint8Array([1, 2, 3]), toGrant: true }), GNTST_okay);
    const base = ramHostOffset(domU, 4);
    assert.deepEqual([...domU.mem.u8.subarray(base + 99, base + 104)], [5, 1, 2, 3, 5]);
    const out = new Uint8Array(4);
    assert.equal(dom0.copy(DOMU, REF, { offset: 101, data: out, toGrant: false }), GNTST_okay);
    assert.deepEqual([...out], [2, 3, 5, 5]);
    assert.equal(entryFlags(domU, REF), GTF_permit_access);
    assert.equal(domU.active.size, 0);
    assert.equal(dom0.counters.copiedBytes, 7);
  });

  it('refuses copies that leave the page or write a read-only grant', () => {
    const { dom0, domU } = makeGrantWorld();
    grantAccess(domU, REF, { domid: DOM0, gfn: RAM_GFN, readonly: true });
    const before = domU.mem.u8.slice();
    for (const [offset, len] of [[4095, 2], [0, 4097], [-1, 1], [0.5, 1], [2 ** 32, 1]] as const) {
      const r = dom0.copy(DOMU, REF, { offset, data: new Uint8Array(len), toGrant: false });
      assert.ok(isGrantError(r) && r.status === GNTST_bad_copy_arg, `offset ${offset} len ${len}`);
    }
    const w = dom0.copy(DOMU, REF, { offset: 0, data: new Uint8Array(1), toGrant: true });
    assert.ok(isGrantError(w) && w.status === GNTST_general_error);
    assert.deepEqual(domU.mem.u8, before);
    assert.equal(entryFlags(domU, REF) & (GTF_reading | GTF_writing), 0);
  });
});
