import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { XEN_EINVAL, XEN_ENOSYS, XEN_EOPNOTSUPP, XEN_EPERM, XEN_ESRCH } from '../../../abi/errno.js';
import { DOMID_SELF, XEN_PAGE_SIZE } from '../../../abi/xen.js';
import {
  GET_VERSION,
  GNTST_bad_domain,
  GNTST_general_error,
  GNTST_okay,
  GNTST_permission_denied,
  GNTTABOP_dump_table,
  GNTTABOP_get_status_frames,
  GNTTABOP_get_version,
  GNTTABOP_query_size,
  GNTTABOP_set_version,
  GNTTABOP_setup_table,
  GNTTABOP_transfer,
  QUERY_SIZE,
  SETUP_TABLE,
  XENMAPIDX_grant_table_status,
} from './abi.js';
import { DOM0, DOMU, MAX_FRAMES, makeGrantWorld, querySizeOp } from './harness.js';

function op(bytes: number, fill: (dv: DataView) => void = () => {}): DataView {
  const dv = new DataView(new ArrayBuffer(bytes));
  fill(dv);
  return dv;
}

describe('GrantTable sizing and version', () => {
  it('query_size reports 1 frame in use and max_grant_frames', () => {
    const { domU } = makeGrantWorld();
    const dv = querySizeOp();
    assert.equal(domU.doGrantTableOp(GNTTABOP_query_size, dv, 1, DOMU), 0);
    assert.equal(dv.getInt16(QUERY_SIZE.status, true), GNTST_okay);
    assert.equal(dv.getUint32(QUERY_SIZE.nr_frames, true), 1);
    assert.equal(dv.getUint32(QUERY_SIZE.max_nr_frames, true), MAX_FRAMES);
  });

  it('query_size needs count 1 and XSM_TARGET rights on another domain', () => {
    const { domU, dom0 } = makeGrantWorld();
    assert.equal(domU.doGrantTableOp(GNTTABOP_query_size, querySizeOp(), 2, DOMU), -XEN_EINVAL);
    const other = querySizeOp(DOM0);
    domU.doGrantTableOp(GNTTABOP_query_size, other, 1, DOMU);
    assert.equal(other.getInt16(QUERY_SIZE.status, true), GNTST_permission_denied);
    const priv = querySizeOp(DOMU);
    dom0.doGrantTableOp(GNTTABOP_query_size, priv, 1, DOM0);
    assert.equal(priv.getInt16(QUERY_SIZE.status, true), GNTST_okay);
    const missing = querySizeOp(77);
    domU.doGrantTableOp(GNTTABOP_query_size, missing, 1, DOMU);
    assert.equal(missing.getInt16(QUERY_SIZE.status, true), GNTST_bad_domain);
  });

  it('set_version accepts 1, refuses 2 with -ENOSYS as ARM does, and writes back version 1', () => {
    const { domU } = makeGrantWorld();
    for (const [asked, rc] of [[1, 0], [2, -XEN_ENOSYS], [3, -XEN_EINVAL], [0, -XEN_EINVAL]] as const) {
      const dv = op(4, (d) => d.setUint32(0, asked, true));
      assert.equal(domU.doGrantTableOp(GNTTABOP_set_version, dv, 1, DOMU), rc);
      assert.equal(dv.getUint32(0, true), 1);
    }
    assert.equal(domU.version, 1);
  });

  it('get_version answers for self, -EPERM for another domain, -ESRCH for none', () => {
    const { domU } = makeGrantWorld();
    const self = op(8, (d) => d.setUint16(GET_VERSION.dom, DOMID_SELF, true));
    assert.equal(domU.doGrantTableOp(GNTTABOP_get_version, self, 1, DOMU), 0);
    assert.equal(self.getUint32(GET_VERSION.version, true), 1);
    assert.equal(domU.doGrantTableOp(GNTTABOP_get_version, op(8, (d) => d.setUint16(0, DOM0, true)), 1, DOMU), -XEN_EPERM);
    assert.equal(domU.doGrantTableOp(GNTTABOP_get_version, op(8, (d) => d.setUint16(0, 99, true)), 1, DOMU), -XEN_ESRCH);
  });

  it('get_status_frames on v1 has no frames to give', () => {
    const { domU } = makeGrantWorld();
    const none = op(16, (d) => d.setUint16(4, DOMID_SELF, true));
    assert.equal(domU.doGrantTableOp(GNTTABOP_get_status_frames, none, 1, DOMU), 0);
    assert.equal(none.getInt16(6, true), GNTST_okay);
    const one = op(16, (d) => {
      d.setUint32(0, 1, true);
      d.setUint16(4, DOMID_SELF, true);
    });
    domU.doGrantTableOp(GNTTABOP_get_status_frames, one, 1, DOMU);
    assert.equal(one.getInt16(6, true), GNTST_general_error);
  });

  it('dump_table and unknown subops are -ENOSYS, transfer is -EOPNOTSUPP, opaque cmd bits are -EINVAL', () => {
    const { domU } = makeGrantWorld();
    const dv = op(64);
    assert.equal(domU.doGrantTableOp(GNTTABOP_dump_table, dv, 1, DOMU), -XEN_ENOSYS);
    assert.equal(domU.doGrantTableOp(13, dv, 1, DOMU), -XEN_ENOSYS);
    assert.equal(domU.doGrantTableOp(0xfff, dv, 1, DOMU), -XEN_ENOSYS);
    assert.equal(domU.doGrantTableOp(GNTTABOP_transfer, dv, 1, DOMU), -XEN_EOPNOTSUPP);
    assert.equal(domU.doGrantTableOp(GNTTABOP_query_size | (1 << 12), querySizeOp(), 1, DOMU), -XEN_EINVAL);
    assert.equal(domU.doGrantTableOp(GNTTABOP_query_size, querySizeOp(), 0x8000_0000, DOMU), -XEN_EINVAL);
    assert.equal(domU.counters.unsupported, 4);
  });

  it('setup_table grows the table and reports each frame GFN, INVALID_GFN where unmapped', () => {
    const { domU } = makeGrantWorld();
    const gfn0 = 0x38000;
    domU.mem.mapPage(gfn0, domU.frameForIndex(0));
    const writes: [number, Uint8Array][] = [];
    const guest = { write: (va: number, b: Uint8Array) => (writes.push([va, b.slice()]), true) };
    const dv = op(24, (d) => {
      d.setUint16(SETUP_TABLE.dom, DOMID_SELF, true);
      d.setUint32(SETUP_TABLE.nr_frames, 2, true);
      d.setUint32(SETUP_TABLE.frame_list, 0x1000, true);
    });
    assert.equal(domU.doGrantTableOp(GNTTABOP_setup_table, dv, 1, DOMU, guest), 0);
    assert.equal(dv.getInt16(SETUP_TABLE.status, true), GNTST_okay);
    assert.equal(domU.nrFrames, 2);
    assert.equal(writes.length, 1);
    const list = new DataView(writes[0]![1].buffer);
    assert.equal(writes[0]![0], 0x1000);
    assert.equal(list.getBigUint64(0, true), BigInt(gfn0));
    assert.equal(list.getBigUint64(8, true), 2n ** 64n - 1n);
    const tooMany = op(24, (d) => d.setUint32(SETUP_TABLE.nr_frames, MAX_FRAMES + 1, true));
    tooMany.setUint16(0, DOMID_SELF, true);
    domU.doGrantTableOp(GNTTABOP_setup_table, tooMany, 1, DOMU, guest);
    assert.equal(tooMany.getInt16(SETUP_TABLE.status, true), GNTST_general_error);
  });
});

describe('GrantTable.frameForIndex()', () => {
  it('grows the table to idx+1 frames, clearing new frames, and returns distinct page offsets', () => {
    const { domU } = makeGrantWorld();
    const off2 = domU.frameForIndex(2);
    assert.equal(domU.nrFrames, 3);
    assert.equal(off2 % XEN_PAGE_SIZE, 0);
    assert.ok(domU.mem.u8.subarray(off2, off2 + XEN_PAGE_SIZE).every((b) => b === 0));
    assert.equal(new Set([0, 1, 2].map((i) => domU.frameForIndex(i))).size, 3);
  });

  it('keeps entries when a frame is added again (gnttab_resume)', () => {
    const { domU } = makeGrantWorld();
    const off = domU.frameForIndex(0);
    domU.mem.u8[off + 5] = 0x42;
    assert.equal(domU.frameForIndex(0), off);
    assert.equal(domU.mem.u8[off + 5], 0x42);
  });

  it('refuses idx at or past max_grant_frames and the v2 status-frame bit with -EINVAL', () => {
    const { domU } = makeGrantWorld();
    for (const idx of [MAX_FRAMES, 2 ** 32, -1, 0.5, XENMAPIDX_grant_table_status, XENMAPIDX_grant_table_status | 1]) {
      assert.equal(domU.frameForIndex(idx), -XEN_EINVAL);
    }
    assert.equal(domU.nrFrames, 1);
  });
});
