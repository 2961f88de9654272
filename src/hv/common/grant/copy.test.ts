import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { XEN_EFAULT } from '../../../abi/errno.js';
import { DOMID_SELF } from '../../../abi/xen.js';
import {
  COPY,
  COPY_PTR,
  GNTCOPY_dest_gref,
  GNTCOPY_source_gref,
  GNTST_bad_copy_arg,
  GNTST_bad_page,
  GNTST_okay,
  GNTST_permission_denied,
  GNTTABOP_copy,
  GTF_permit_access,
} from './abi.js';
import { GNTTABOP_MAX_OPS_PER_CALL } from './ops.js';
import { DOM0, DOMU, RAM_GFN, entryFlags, grantAccess, makeGrantWorld, ramHostOffset } from './harness.js';

interface Side {
  u: number;
  domid: number;
  offset: number;
}

function copyOp(src: Side, dst: Side, len: number, flags: number): DataView {
  const dv = new DataView(new ArrayBuffer(40));
  for (const [at, s] of [[COPY.source, src], [COPY.dest, dst]] as const) {
    dv.setUint32(at + COPY_PTR.u, s.u % 2 ** 32, true);
    dv.setUint32(at + COPY_PTR.u + 4, Math.floor(s.u / 2 ** 32), true);
    dv.setUint16(at + COPY_PTR.domid, s.domid, true);
    dv.setUint16(at + COPY_PTR.offset, s.offset, true);
  }
  dv.setUint16(COPY.len, len, true);
  dv.setUint16(COPY.flags, flags, true);
  return dv;
}

const REF = 10;

describe('GNTTABOP_copy', () => {
  it('copies from a granted page to a local frame and back', () => {
    const { dom0, domU } = makeGrantWorld();
    grantAccess(domU, REF, { domid: DOM0, gfn: RAM_GFN + 5 });
    const uBase = ramHostOffset(domU, 5);
    const zBase = ramHostOffset(dom0, 0);
    domU.mem.u8.set([9, 8, 7], uBase + 16);
    const pull = copyOp({ u: REF, domid: DOMU, offset: 16 }, { u: RAM_GFN, domid: DOMID_SELF, offset: 32 }, 3, GNTCOPY_source_gref);
    assert.equal(dom0.doGrantTableOp(GNTTABOP_copy, pull, 1, DOM0), 0);
    assert.equal(pull.getInt16(COPY.status, true), GNTST_okay);
    assert.deepEqual([...dom0.mem.u8.subarray(zBase + 32, zBase + 35)], [9, 8, 7]);
    dom0.mem.u8.set([4, 5], zBase + 100);
    const push = copyOp({ u: RAM_GFN, domid: DOMID_SELF, offset: 100 }, { u: REF, domid: DOMU, offset: 4094 }, 2, GNTCOPY_dest_gref);
    dom0.doGrantTableOp(GNTTABOP_copy, push, 1, DOM0);
    assert.equal(push.getInt16(COPY.status, true), GNTST_okay);
    assert.deepEqual([...domU.mem.u8.subarray(uBase + 4094, uBase + 4096)], [4, 5]);
    assert.equal(entryFlags(domU, REF), GTF_permit_access, 'flags cleared after each copy');
  });

  it('refuses offset+len past the page with GNTST_bad_copy_arg, on either side', () => {
    const { dom0, domU } = makeGrantWorld();
    grantAccess(domU, REF, { domid: DOM0, gfn: RAM_GFN });
    const before = domU.mem.u8.slice();
    const ops = [
      copyOp({ u: REF, domid: DOMU, offset: 4000 }, { u: RAM_GFN, domid: DOMID_SELF, offset: 0 }, 97, GNTCOPY_source_gref),
      copyOp({ u: RAM_GFN, domid: DOMID_SELF, offset: 0 }, { u: REF, domid: DOMU, offset: 0xffff }, 0xffff, GNTCOPY_dest_gref),
    ];
    for (const dv of ops) {
      dom0.doGrantTableOp(GNTTABOP_copy, dv, 1, DOM0);
      assert.equal(dv.getInt16(COPY.status, true), GNTST_bad_copy_arg);
    }
    assert.deepEqual(domU.mem.u8, before);
    assert.equal(entryFlags(domU, REF), GTF_permit_access);
  });

  it('lets only DOMID_SELF name a frame, and only a frame it owns', () => {
    const { dom0, domU } = makeGrantWorld();
    const foreign = copyOp({ u: RAM_GFN, domid: DOMU, offset: 0 }, { u: RAM_GFN, domid: DOMID_SELF, offset: 0 }, 1, 0);
    dom0.doGrantTableOp(GNTTABOP_copy, foreign, 1, DOM0);
    assert.equal(foreign.getInt16(COPY.status, true), GNTST_permission_denied);
    for (const gmfn of [0, RAM_GFN + 8, 2 ** 40, 2 ** 64 - 1]) {
      const dv = copyOp({ u: gmfn, domid: DOMID_SELF, offset: 0 }, { u: RAM_GFN, domid: DOMID_SELF, offset: 0 }, 1, 0);
      domU.doGrantTableOp(GNTTABOP_copy, dv, 1, DOMU);
      assert.equal(dv.getInt16(COPY.status, true), GNTST_bad_page, `gmfn ${gmfn}`);
    }
  });

  it('copies overlapping ranges within one page like memmove', () => {
    const { domU } = makeGrantWorld();
    const base = ramHostOffset(domU, 0);
    domU.mem.u8.set([1, 2, 3, 4, 5], base);
    const dv = copyOp({ u: RAM_GFN, domid: DOMID_SELF, offset: 0 }, { u: RAM_GFN, domid: DOMID_SELF, offset: 2 }, 5, 0);
    domU.doGrantTableOp(GNTTABOP_copy, dv, 1, DOMU);
    assert.deepEqual([...domU.mem.u8.subarray(base, base + 7)], [1, 2, 1, 2, 3, 4, 5]);
  });

  it('handles a hostile count: -EFAULT past the copied structs, continuation past the per-call bound', () => {
    const { domU } = makeGrantWorld();
    const one = copyOp({ u: RAM_GFN, domid: DOMID_SELF, offset: 0 }, { u: RAM_GFN + 1, domid: DOMID_SELF, offset: 0 }, 8, 0);
    assert.equal(domU.doGrantTableOp(GNTTABOP_copy, one, 0x7fff_ffff, DOMU), -XEN_EFAULT);
    assert.equal(one.getInt16(COPY.status, true), GNTST_okay, 'the readable prefix was processed');
    const many = new DataView(new ArrayBuffer(40 * GNTTABOP_MAX_OPS_PER_CALL));
    assert.equal(domU.doGrantTableOp(GNTTABOP_copy, many, GNTTABOP_MAX_OPS_PER_CALL + 5, DOMU), GNTTABOP_MAX_OPS_PER_CALL);
  });
});
