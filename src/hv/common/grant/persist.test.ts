import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GNTST_okay, GTF_permit_access, GTF_reading, GTF_writing } from './abi.js';
import { isGrantError } from './entry.js';
import { GrantTableDirectory } from './directory.js';
import { GrantTable } from './grant_table.js';
import { DOM0, DOMU, RAM_GFN, entryFlags, grantAccess, makeGrantWorld } from './harness.js';

describe('GrantTable.save() / GrantTable.restore()', () => {
  it('brings back frames in use, pins and handles, without clearing the frames', () => {
    const { dir, dom0, domU } = makeGrantWorld();
    domU.frameForIndex(2);
    grantAccess(domU, 8, { domid: DOM0, gfn: RAM_GFN });
    const m = dom0.mapGrant(DOMU, 8, { readonly: false });
    assert.ok(!isGrantError(m));
    const savedU = domU.save();
    const saved0 = dom0.save();
    const opts = (t: GrantTable) => ({ domid: t.domid, mem: t.mem, frameHostOffsets: [0, 1, 2, 3].map((i) => t.frameHostOffset(i)), directory: dir, privileged: t.privileged });
    const optsU = opts(domU);
    const opts0 = opts(dom0);
    dir.unregister(domU);
    dir.unregister(dom0);
    const u2 = GrantTable.restore(savedU, optsU);
    const z2 = GrantTable.restore(saved0, opts0);
    assert.equal(u2.nrFrames, 3);
    assert.equal(entryFlags(u2, 8), GTF_permit_access | GTF_reading | GTF_writing);
    const m2 = z2.backendMapping(m.handle);
    assert.ok(m2 !== undefined && !m2.revoked);
    assert.equal(m2.page[0], 1);
    assert.equal(z2.unmapGrant(m.handle), GNTST_okay);
    assert.equal(entryFlags(u2, 8), GTF_permit_access);
    assert.deepEqual(GrantTable.restore(u2.save(), { ...optsU, directory: new GrantTableDirectory() }).save(), u2.save());
  });

  it('refuses bytes that are not a save of this table', () => {
    const { dir, domU } = makeGrantWorld();
    const good = domU.save();
    const opts = { domid: DOMU, mem: domU.mem, frameHostOffsets: [0, 1, 2, 3].map((i) => domU.frameHostOffset(i)), directory: dir };
    dir.unregister(domU);
    const badMagic = good.slice();
    badMagic[0] ^= 1;
    const badVersion = good.slice();
    badVersion[4] = 9;
    for (const [what, bytes, re] of [
      ['magic', badMagic, /not a grant table save/],
      ['version', badVersion, /version "9"/],
      ['truncated', good.subarray(0, 10), /truncated/],
    ] as const) {
      assert.throws(() => GrantTable.restore(bytes, opts), re, what);
    }
    assert.throws(() => GrantTable.restore(good, { ...opts, domid: 7 }), /saved for d1/);
  });
});
