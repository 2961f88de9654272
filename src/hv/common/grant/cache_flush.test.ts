import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { XEN_EINVAL, XEN_EPERM } from '../../../abi/errno.js';
import { HOST_PA_BASE } from '../memory/p2m.js';
import { CACHE_FLUSH, GNTTAB_CACHE_CLEAN, GNTTAB_CACHE_INVAL, GNTTABOP_cache_flush } from './abi.js';
import type { GrantTable } from './grant_table.js';
import { DOM0, DOMU, RAM_GFN, grantAccess, makeGrantWorld, ramHostOffset } from './harness.js';

function flush(t: GrantTable, hostOffset: number, o: { offset?: number; length?: number; op?: number; cmd?: number } = {}): number {
  const dv = new DataView(new ArrayBuffer(16));
  dv.setBigUint64(CACHE_FLUSH.a, BigInt(HOST_PA_BASE + hostOffset), true);
  dv.setUint16(CACHE_FLUSH.offset, o.offset ?? 0, true);
  dv.setUint16(CACHE_FLUSH.length, o.length ?? 64, true);
  dv.setUint32(CACHE_FLUSH.op, o.op ?? GNTTAB_CACHE_CLEAN, true);
  return t.doGrantTableOp(o.cmd ?? GNTTABOP_cache_flush, dv, 1, t.domid);
}

describe('GNTTABOP_cache_flush', () => {
  it('accepts the caller own pages and pages it holds a grant pin on', () => {
    const { dom0, domU } = makeGrantWorld();
    assert.equal(flush(dom0, ramHostOffset(dom0, 0)), 0);
    const page = ramHostOffset(domU, 1);
    assert.equal(flush(dom0, page), -XEN_EINVAL, 'no grant: grant_map_exists fails');
    grantAccess(domU, 8, { domid: DOM0, gfn: RAM_GFN + 1 });
    const m = dom0.mapGrant(DOMU, 8, { readonly: true });
    assert.equal(flush(dom0, page, { op: GNTTAB_CACHE_CLEAN | GNTTAB_CACHE_INVAL }), 0);
    assert.ok('handle' in m);
  });

  it('checks its arguments as Xen does', () => {
    const { dom0 } = makeGrantWorld();
    const own = ramHostOffset(dom0, 0);
    assert.equal(flush(dom0, own, { offset: 4096 }), -XEN_EINVAL);
    assert.equal(flush(dom0, own, { offset: 4000, length: 97 }), -XEN_EINVAL);
    assert.equal(flush(dom0, own, { op: 1 << 31 }), -XEN_EINVAL, 'GNTTAB_CACHE_SOURCE_GREF is not in the accepted mask');
    assert.equal(flush(dom0, own, { length: 0 }), 0);
    assert.equal(flush(dom0, own, { length: 0, cmd: GNTTABOP_cache_flush | (1 << 12) }), -84, 'EILSEQ with continuation state');
    assert.equal(flush(dom0, 0), -XEN_EPERM, 'a page no domain owns');
    assert.equal(flush(dom0, 2 ** 30), -XEN_EINVAL, 'beyond host memory');
    assert.equal(flush(dom0, -HOST_PA_BASE), -XEN_EINVAL);
  });
});
