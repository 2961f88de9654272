/**
 * The hypercall families against a real XenDomain over fake guest memory (16 MiB of RAM at
 * GUEST_RAM0_BASE in a plain ArrayBuffer) and a fake stage 1 (VA = IPA, as with the MMU off,
 * translated through the p2m to HOST_PA_BASE + host offset), each checked against the Arm rules of
 * docs xen-arm-guest-abi.md §1.2, §1.4 and §3.3.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { XEN_EFAULT, XEN_EINVAL, XEN_ENOENT, XEN_ENOSYS, XEN_ENXIO, XEN_EPERM } from '../../../abi/errno.js';
import { DOMID_SELF, GUEST, HYPERVISOR, type ShutdownReason } from '../../../abi/xen.js';
import { XEN_MAJOR, XEN_MINOR } from '../../../abi/xen_version.js';
import { XenDomain } from '../domain.js';
import { EventChannelDirectory } from '../event/index.js';
import { GrantTableDirectory } from '../grant/index.js';
import { GuestCopy } from '../guest_copy.js';
import { HVM_PARAM } from '../hvm_params.js';
import { HypervisorLog } from '../hypervisor_log.js';
import { buildDomainP2m, planDomainMemory } from '../memory/layout.js';
import { HOST_PA_BASE } from '../memory/p2m.js';
import { isPageDirty } from '../../../lib/dirty_log.js';
import type { HypercallContext } from './context.js';
import { dispatchHypercall } from './dispatch.js';

const RAM = GUEST.RAM0_BASE;
const RAM_GFN = RAM / 4096;
/** Guest addresses the tests use for arguments. */
const ARG = RAM + 0x1000;
const LIST = RAM + 0x2000;
const UNMAPPED = 0x1000_0000;

interface Harness {
  readonly d: XenDomain;
  readonly shutdowns: ShutdownReason[];
  /** Runs hypercall `nr` with x0..x4 = args. */
  call(nr: number, ...args: (bigint | number)[]): number;
  u8(gpa: number, len: number): Uint8Array;
  dv(gpa: number, len: number): DataView;
}

function harness(o: { vcpus?: number } = {}): Harness {
  const layout = planDomainMemory(16 * 1024 * 1024);
  const mem = buildDomainP2m(new ArrayBuffer(layout.totalBytes), layout);
  const d = new XenDomain({
    domid: 3, name: 'unit', uuid: new Uint8Array(16).fill(0x42), mem, layout, nrVcpus: o.vcpus ?? 1, privileged: false, maxEvtchnPort: 1023,
    evtchnDirectory: new EventChannelDirectory(), grantDirectory: new GrantTableDirectory(), log: new HypervisorLog(), bootUnixNs: 0n,
  });
  d.attachArch({ nrVcpus: o.vcpus ?? 1, raiseUpcall: () => undefined, isVcpuUp: (v) => v === 0, nowNs: () => 0 });
  const guest = new GuestCopy(mem, (va, write) => {
    const off = mem.offsetOfGpa(va, 1, write);
    return off < 0 ? null : HOST_PA_BASE + off;
  });
  const shutdowns: ShutdownReason[] = [];
  const sched = { yield: () => undefined, block: () => undefined, shutdown: (r: ShutdownReason) => void shutdowns.push(r), watchdog: () => 0 };
  const hv = { domain: (id: number) => (id === d.domid ? d : undefined), remoteShutdown: () => -XEN_EPERM };
  const view = (gpa: number, len: number): Uint8Array => {
    const off = mem.offsetOfGpa(gpa, len);
    assert.ok(off >= 0, `0x${gpa.toString(16)} is not guest RAM`);
    return mem.u8.subarray(off, off + len);
  };
  return {
    d, shutdowns,
    call: (nr, ...args) => {
      const ctx: HypercallContext = {
        d, vcpu: 0, args: [0, 1, 2, 3, 4].map((i) => BigInt.asUintN(64, BigInt(args[i] ?? 0))), guest, sched, hv, depth: 0, continueWith: null,
      };
      return dispatchHypercall(nr, ctx);
    },
    u8: view,
    dv: (gpa, len) => {
      const b = view(gpa, len);
      return new DataView(b.buffer, b.byteOffset, len);
    },
  };
}

const H = HYPERVISOR;

describe('xen_version', () => {
  test('XENVER_version answers 4.17 and pagesize 4096', () => {
    const h = harness();
    assert.equal(h.call(H.xen_version, 0), (XEN_MAJOR << 16) | XEN_MINOR);
    assert.equal(h.call(H.xen_version, 0), 0x0004_0011);
    assert.equal(h.call(H.xen_version, 7), 4096);
  });

  test('XENVER_get_features gives a domU submap 0x16005 for index 0, -EINVAL for any other index', () => {
    const h = harness();
    h.dv(ARG, 8).setUint32(0, 0, true);
    assert.equal(h.call(H.xen_version, 6, ARG), 0);
    assert.equal(h.dv(ARG, 8).getUint32(4, true), 0x16005);
    h.dv(ARG, 8).setUint32(0, 1, true);
    h.dv(ARG, 8).setUint32(4, 0xdead, true);
    assert.equal(h.call(H.xen_version, 6, ARG), -XEN_EINVAL);
    assert.equal(h.dv(ARG, 8).getUint32(4, true), 0xdead, 'nothing written on failure');
  });

  test('XENVER_commandline is "<denied>" for a domU; extraversion and capabilities are NUL-terminated strings', () => {
    const h = harness();
    h.u8(ARG, 1024).fill(0xff);
    assert.equal(h.call(H.xen_version, 9, ARG), 0);
    const b = h.u8(ARG, 1024);
    assert.equal(Buffer.from(b.subarray(0, 9)).toString('latin1'), '<denied>\0');
    assert.ok(b.every((x, i) => i < 8 || x === 0), 'the rest of the 1024-byte buffer is zeroed');
    assert.equal(h.call(H.xen_version, 3, ARG), 0);
    assert.match(Buffer.from(h.u8(ARG, 64)).toString('latin1'), /^xen-3\.0-aarch64 /);
  });

  test("what a hypercall copies to the guest marks the domain's dirty log (paging_mark_dirty)", () => {
    const h = harness();
    const log = h.d.mem.dirtyLog;
    log.enable();
    const page = h.d.mem.offsetOfGpa(ARG, 1) / 4096;
    assert.equal(h.call(H.xen_version, 7), 4096);
    assert.equal(log.peek().dirtyCount, 0, 'a hypercall that writes nothing marks nothing');
    assert.equal(h.call(H.xen_version, 9, ARG), 0);
    const dirty = log.clean();
    assert.equal(dirty.dirtyCount, 1);
    assert.ok(isPageDirty(dirty.bits, page));
  });

  test('an unknown subop is -ENOSYS and counted; a bad buffer is -EFAULT', () => {
    const h = harness();
    assert.equal(h.call(H.xen_version, 99, ARG), -XEN_ENOSYS);
    assert.equal(h.d.enosysCounts.get('xen_version(99)'), 1);
    assert.equal(h.call(H.xen_version, 6, UNMAPPED), -XEN_EFAULT);
    assert.equal(h.call(H.xen_version, 9, -8), -XEN_EFAULT);
    assert.equal(h.call(H.xen_version, 3, RAM + 16 * 1024 * 1024 - 512), -XEN_EFAULT, 'a buffer running off the end of RAM');
  });
});

describe('hvm_op', () => {
  const param = (h: Harness, index: number, value = 0n, domid = DOMID_SELF): void => {
    const a = h.dv(ARG, 16);
    a.setUint16(0, domid, true);
    a.setUint32(4, index, true);
    a.setBigUint64(8, value, true);
  };

  test('HVMOP_get_param reads the five guest-readable params; uninitialised ones read 0', () => {
    const h = harness();
    h.d.hvmParams[HVM_PARAM.STORE_PFN] = 0x39001n;
    param(h, HVM_PARAM.STORE_PFN, 0xffn);
    assert.equal(h.call(H.hvm_op, 1, ARG), 0);
    assert.equal(h.dv(ARG, 16).getBigUint64(8, true), 0x39001n);
    param(h, HVM_PARAM.CONSOLE_EVTCHN, 0xffn);
    assert.equal(h.call(H.hvm_op, 1, ARG), 0);
    assert.equal(h.dv(ARG, 16).getBigUint64(8, true), 0n);
  });

  test('other params are -EINVAL, MONITOR_RING_PFN -EPERM, writes of the readable five -EPERM', () => {
    const h = harness();
    param(h, 5);
    assert.equal(h.call(H.hvm_op, 1, ARG), -XEN_EINVAL);
    param(h, 39);
    assert.equal(h.call(H.hvm_op, 1, ARG), -XEN_EINVAL);
    param(h, HVM_PARAM.MONITOR_RING_PFN);
    assert.equal(h.call(H.hvm_op, 1, ARG), -XEN_EPERM);
    param(h, HVM_PARAM.STORE_PFN, 0x1234n);
    assert.equal(h.call(H.hvm_op, 0, ARG), -XEN_EPERM);
    assert.equal(h.d.hvmParams[HVM_PARAM.STORE_PFN], 0n);
  });

  test('another domain is -EPERM for a domU, an unknown op -ENOSYS, a bad pointer -EFAULT', () => {
    const h = harness();
    param(h, HVM_PARAM.STORE_PFN, 0n, 0);
    assert.equal(h.call(H.hvm_op, 1, ARG), -XEN_EPERM);
    assert.equal(h.call(H.hvm_op, 7, ARG), -XEN_ENOSYS);
    assert.equal(h.d.enosysCounts.get('hvm_op(7)'), 1);
    assert.equal(h.call(H.hvm_op, 1, UNMAPPED), -XEN_EFAULT);
  });
});

describe('memory_op', () => {
  const addToPhysmap = (h: Harness, space: number, idx: bigint, gpfn: number, domid = DOMID_SELF): number => {
    const a = h.dv(ARG, 24);
    a.setUint16(0, domid, true);
    a.setUint32(4, space, true);
    a.setBigUint64(8, idx, true);
    a.setBigUint64(16, BigInt(gpfn), true);
    return h.call(H.memory_op, 7, ARG);
  };

  test('add_to_physmap(shared_info) places shared_info at idx 0 only', () => {
    const h = harness();
    assert.equal(addToPhysmap(h, 0, 1n, RAM_GFN + 10), -XEN_EINVAL);
    assert.equal(h.d.sharedInfoGfn, -1);
    assert.equal(addToPhysmap(h, 0, 0n, RAM_GFN + 10), 0);
    assert.equal(h.d.sharedInfoGfn, RAM_GFN + 10);
    assert.equal(addToPhysmap(h, 0, 0n, UNMAPPED / 4096), -XEN_EINVAL, 'an unbacked frame');
  });

  test('add_to_physmap(grant_table) maps grant frame idx at gpfn; idx beyond the table is -EINVAL', () => {
    const h = harness();
    const gfn = GUEST.GNTTAB_BASE / 4096;
    assert.equal(addToPhysmap(h, 1, 0n, gfn), 0);
    assert.equal(h.d.mem.offsetOfGfn(gfn), h.d.layout.grantFrameHostOffsets[0]);
    assert.equal(addToPhysmap(h, 1, 3n, gfn + 3), 0);
    assert.equal(h.d.mem.offsetOfGfn(gfn + 3), h.d.layout.grantFrameHostOffsets[3]);
    assert.equal(addToPhysmap(h, 1, 64n, gfn + 64), -XEN_EINVAL);
    assert.equal(addToPhysmap(h, 1, 1n << 40n, gfn + 5), -XEN_EINVAL);
    assert.equal(h.d.mem.offsetOfGfn(gfn + 64), -1);
  });

  test('add_to_physmap(gmfn) is -ENOSYS on Arm and counted; a foreign domid is -EPERM; bad pointer -EFAULT', () => {
    const h = harness();
    assert.equal(addToPhysmap(h, 2, 0n, RAM_GFN + 10), -XEN_ENOSYS);
    assert.equal(h.d.enosysCounts.get('memory_op(add_to_physmap space 2)'), 1);
    assert.equal(addToPhysmap(h, 0, 0n, RAM_GFN + 10, 0), -XEN_EPERM);
    assert.equal(h.call(H.memory_op, 7, UNMAPPED), -XEN_EFAULT);
  });

  const reservation = (h: Harness, cmd: number, gfns: readonly number[], nr = gfns.length): number => {
    const r = h.dv(ARG, 32);
    r.setBigUint64(0, BigInt(LIST), true);
    r.setBigUint64(8, BigInt(nr), true);
    r.setUint32(16, 0, true);
    r.setUint32(20, 0, true);
    r.setUint16(24, DOMID_SELF, true);
    gfns.forEach((g, i) => h.dv(LIST + 8 * i, 8).setBigUint64(0, BigInt(g), true));
    return h.call(H.memory_op, cmd, ARG);
  };

  test('decrease_reservation stops at the first frame it cannot release and returns the count done', () => {
    const h = harness();
    h.u8(RAM + 100 * 4096, 4096).fill(0xab);
    assert.equal(reservation(h, 1, [RAM_GFN + 100, RAM_GFN + 101, UNMAPPED / 4096, RAM_GFN + 102]), 2);
    assert.equal(h.d.mem.offsetOfGfn(RAM_GFN + 100), -1);
    assert.equal(h.d.mem.offsetOfGfn(RAM_GFN + 101), -1);
    assert.ok(h.d.mem.offsetOfGfn(RAM_GFN + 102) >= 0, 'the frame after the failure is kept');
    assert.equal(h.d.mem.releasedFrames, 2);
    assert.equal(reservation(h, 1, [RAM_GFN + 100]), 0, 'a frame already given back');
  });

  test('populate_physmap gives released frames back, zeroed, and stops at one that was not released', () => {
    const h = harness();
    h.u8(RAM + 100 * 4096, 4096).fill(0xab);
    assert.equal(reservation(h, 1, [RAM_GFN + 100, RAM_GFN + 101]), 2);
    assert.equal(reservation(h, 6, [RAM_GFN + 100, RAM_GFN + 101, RAM_GFN + 103]), 2);
    assert.equal(h.d.mem.releasedFrames, 0);
    assert.ok(h.u8(RAM + 100 * 4096, 4096).every((b) => b === 0));
  });

  test('reservations: an unreadable list is -EFAULT, a foreign domid -EPERM, cmd bits above MEMOP_CMD_MASK ignored', () => {
    const h = harness();
    const r = h.dv(ARG, 32);
    r.setBigUint64(0, BigInt(UNMAPPED), true);
    r.setBigUint64(8, 1n, true);
    r.setUint16(24, DOMID_SELF, true);
    assert.equal(h.call(H.memory_op, 1, ARG), -XEN_EFAULT);
    r.setUint16(24, 0, true);
    assert.equal(h.call(H.memory_op, 1, ARG), -XEN_EPERM);
    assert.equal(reservation(h, 1 | (5 << 6), [RAM_GFN + 200]), 1);
    assert.equal(h.call(H.memory_op, 1, UNMAPPED), -XEN_EFAULT);
  });

  test('an unknown subop is -ENOSYS and counted', () => {
    const h = harness();
    assert.equal(h.call(H.memory_op, 40, ARG), -XEN_ENOSYS);
    assert.equal(h.d.enosysCounts.get('memory_op(40)'), 1);
  });
});

describe('vcpu_op', () => {
  const vcpuInfo = (h: Harness, gfn: number, offset: number, vcpu = 0): number => {
    const a = h.dv(ARG, 16);
    a.setBigUint64(0, BigInt(gfn), true);
    a.setUint32(8, offset, true);
    return h.call(H.vcpu_op, 10, vcpu, ARG);
  };

  test('register_vcpu_info: offset past 4096-48 or unaligned is -ENXIO, a second registration -EINVAL', () => {
    const h = harness();
    assert.equal(vcpuInfo(h, RAM_GFN + 20, 4096 - 48 + 8), -XEN_ENXIO);
    assert.equal(vcpuInfo(h, RAM_GFN + 20, 4), -XEN_ENXIO);
    assert.equal(vcpuInfo(h, UNMAPPED / 4096, 0), -XEN_EINVAL, 'an unbacked frame');
    assert.equal(vcpuInfo(h, RAM_GFN + 20, 4096 - 48), 0);
    assert.equal(h.d.vcpuInfoOffsets[0], h.d.mem.offsetOfGfn(RAM_GFN + 20) + 4096 - 48);
    assert.equal(vcpuInfo(h, RAM_GFN + 21, 0), -XEN_EINVAL);
  });

  test('another online vCPU is -EINVAL, a vCPU id beyond the domain -ENOENT, other subops -EINVAL, bad arg -EFAULT', () => {
    const h = harness({ vcpus: 2 });
    assert.equal(vcpuInfo(h, RAM_GFN + 20, 0, 1), 0, 'vCPU 1 is down: its area may be set');
    const h0 = harness({ vcpus: 2 });
    h0.d.attachArch({ nrVcpus: 2, raiseUpcall: () => undefined, isVcpuUp: () => true, nowNs: () => 0 });
    assert.equal(vcpuInfo(h0, RAM_GFN + 20, 0, 1), -XEN_EINVAL);
    assert.equal(vcpuInfo(h, RAM_GFN + 20, 0, 2), -XEN_ENOENT);
    assert.equal(h.call(H.vcpu_op, 0, 0, ARG), -XEN_EINVAL, 'VCPUOP_initialise');
    assert.equal(h.call(H.vcpu_op, 99, 0, ARG), -XEN_EINVAL);
    assert.equal(h.call(H.vcpu_op, 10, 0, UNMAPPED), -XEN_EFAULT);
  });
});

describe('sched_op', () => {
  test('SCHEDOP_shutdown takes reasons 0-5; a larger one is -EINVAL and shuts nothing down', () => {
    const h = harness();
    h.dv(ARG, 4).setUint32(0, 6, true);
    assert.equal(h.call(H.sched_op, 2, ARG), -XEN_EINVAL);
    assert.deepEqual(h.shutdowns, []);
    h.dv(ARG, 4).setUint32(0, 3, true);
    assert.equal(h.call(H.sched_op, 2, ARG), 0);
    assert.deepEqual(h.shutdowns, ['crash']);
    h.dv(ARG, 4).setUint32(0, 0, true);
    assert.equal(h.call(H.sched_op, 2, ARG), 0);
    assert.deepEqual(h.shutdowns, ['crash', 'poweroff']);
  });

  test('shutdown_code records without shutting down; bad pointer -EFAULT; remote_shutdown -EPERM; unknown -ENOSYS', () => {
    const h = harness();
    h.dv(ARG, 4).setUint32(0, 1, true);
    assert.equal(h.call(H.sched_op, 5, ARG), 0);
    assert.equal(h.d.shutdownCode, 'reboot');
    assert.deepEqual(h.shutdowns, []);
    assert.equal(h.call(H.sched_op, 2, UNMAPPED), -XEN_EFAULT);
    assert.equal(h.call(H.sched_op, 4, ARG), -XEN_EPERM);
    assert.equal(h.call(H.sched_op, 99, ARG), -XEN_ENOSYS);
    assert.equal(h.d.enosysCounts.get('sched_op(99)'), 1);
  });
});

describe('vm_assist and console_io', () => {
  test('vm_assist accepts only VMASST_TYPE_runstate_update_flag (5)', () => {
    const h = harness();
    assert.equal(h.call(H.vm_assist, 0, 2), -XEN_EINVAL);
    assert.equal(h.call(H.vm_assist, 0, 5), 0);
    assert.equal(h.d.runstateUpdateFlag, true);
    assert.equal(h.call(H.vm_assist, 1, 5), 0);
    assert.equal(h.d.runstateUpdateFlag, false);
  });

  test('console_io is -EPERM for a domU, whatever the buffer', () => {
    const h = harness();
    assert.equal(h.call(H.console_io, 0, 5, ARG), -XEN_EPERM);
    assert.equal(h.call(H.console_io, 1, 5, UNMAPPED), -XEN_EPERM);
  });
});

describe('dispatch and multicall', () => {
  test('numbers without a handler are -ENOSYS and counted by name', () => {
    const h = harness();
    assert.equal(h.call(63), -XEN_ENOSYS);
    assert.equal(h.call(0), -XEN_ENOSYS);
    assert.equal(h.call(H.argo_op), -XEN_ENOSYS);
    assert.equal(h.d.enosysCounts.get('hypercall 63'), 1);
    assert.equal(h.d.enosysCounts.get('set_trap_table'), 1);
    assert.equal(h.d.enosysCounts.get('argo_op'), 1);
    assert.equal(h.d.hypercallCounts.get(63), 1);
  });

  const entry = (h: Harness, i: number, op: number | bigint, ...args: (number | bigint)[]): void => {
    const e = h.dv(LIST + 64 * i, 64);
    e.setBigUint64(0, BigInt(op), true);
    e.setBigUint64(8, 0x5555n, true);
    args.forEach((a, k) => e.setBigUint64(16 + 8 * k, BigInt.asUintN(64, BigInt(a)), true));
  };
  const result = (h: Harness, i: number): bigint => BigInt.asIntN(64, h.dv(LIST + 64 * i, 64).getBigUint64(8, true));

  test('multicall writes each entry\'s result and refuses nesting', () => {
    const h = harness();
    h.dv(ARG, 8).setUint32(0, 1, true);
    entry(h, 0, H.xen_version, 0);
    entry(h, 1, H.xen_version, 6, ARG);
    entry(h, 2, H.multicall, LIST, 1);
    entry(h, 3, 0x1_0000n);
    entry(h, 4, 63);
    assert.equal(h.call(H.multicall, LIST, 5), 0);
    assert.equal(result(h, 0), 0x0004_0011n);
    assert.equal(result(h, 1), BigInt(-XEN_EINVAL));
    assert.equal(result(h, 2), BigInt(-XEN_EINVAL), 'a multicall inside a multicall');
    assert.equal(result(h, 3), BigInt(-XEN_ENOSYS));
    assert.equal(result(h, 4), BigInt(-XEN_ENOSYS));
  });

  test('multicall with an unreadable entry is -EFAULT after running the entries before it', () => {
    const h = harness();
    const last = RAM + 16 * 1024 * 1024 - 64;
    const e = h.dv(last, 64);
    e.setBigUint64(0, BigInt(H.xen_version), true);
    e.setBigUint64(16, 0n, true);
    assert.equal(h.call(H.multicall, last, 2), -XEN_EFAULT);
    assert.equal(BigInt.asIntN(64, h.dv(last, 64).getBigUint64(8, true)), 0x0004_0011n);
    assert.equal(h.call(H.multicall, UNMAPPED, 1), -XEN_EFAULT);
    assert.equal(h.call(H.multicall, LIST, 100_000), -XEN_EINVAL);
  });
});
