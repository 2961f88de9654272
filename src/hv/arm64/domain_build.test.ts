import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GUEST } from '../../abi/xen.js';
import { fdtFromBlob } from '../../platform/fdt/index.js';
import { XenonError } from '../../lib/errors.js';
import { arm64Image, WFI_LOOP } from '../_test_arm64_image.js';
import { XenDomain } from '../common/domain.js';
import { EventChannelDirectory } from '../common/event/index.js';
import { GrantTableDirectory } from '../common/grant/index.js';
import { HypervisorLog } from '../common/hypervisor_log.js';
import { buildDomainP2m, planDomainMemory } from '../common/memory/layout.js';
import { buildDomainImages, type DomainImages } from './domain_build.js';

const MIB = 1024 * 1024;
const RAM0 = GUEST.RAM0_BASE;
const RNG = new Uint8Array(128).fill(0xa5);

/** A fresh domain with `mib` MiB of RAM (no vCPUs: image placement needs only memory). */
function domain(mib: number, vcpus = 1): XenDomain {
  const layout = planDomainMemory(mib * MIB);
  const mem = buildDomainP2m(new ArrayBuffer(layout.totalBytes), layout);
  return new XenDomain({
    domid: 1, name: 'build', uuid: new Uint8Array(16), mem, layout, nrVcpus: vcpus, privileged: false, maxEvtchnPort: 1023,
    evtchnDirectory: new EventChannelDirectory(), grantDirectory: new GrantTableDirectory(), log: new HypervisorLog(), bootUnixNs: 0n,
  });
}

function images(over: Partial<DomainImages> = {}): DomainImages {
  return { kernel: arm64Image(WFI_LOOP), rngSeed: RNG, gicVersion: 3, ...over };
}

/** Bytes of the domain's RAM at guest-physical `ipa`. */
function ramAt(d: XenDomain, ipa: number, n: number): Uint8Array {
  const off = d.layout.hostBase + (ipa - RAM0);
  return d.mem.u8.slice(off, off + n);
}

function initrdOf(bytes: number): Uint8Array {
  return Uint8Array.from({ length: bytes }, (_, i) => (i * 7 + 1) & 0xff);
}

function chosenU64(dtb: Uint8Array, name: string): number {
  const v = fdtFromBlob(dtb).root.child('chosen')!.property(name)!.value;
  return Number(new DataView(v.buffer, v.byteOffset, 8).getBigUint64(0));
}

function badExecutable(re: RegExp): (e: unknown) => boolean {
  return (e) => e instanceof XenonError && e.code === 'BAD_EXECUTABLE' && re.test(e.message);
}

describe('buildDomainImages() placement (xg_dom_armzimageloader.c, xg_dom_arm.c meminit)', () => {
  test('buildDomainImages() copies the kernel to RAM0 + text_offset and enters there', () => {
    for (const textOffset of [0, 0x8_0000]) {
      const d = domain(64);
      const kernel = arm64Image(WFI_LOOP, { textOffset });
      const boot = buildDomainImages(d, images({ kernel }));
      assert.equal(boot.entryIpa, RAM0 + textOffset);
      assert.deepEqual(ramAt(d, RAM0 + textOffset, kernel.byteLength), kernel);
    }
  });

  test('buildDomainImages() places the initrd at RAM + 128 MiB and the DTB right after it, as for the oracle\'s domU-min', () => {
    // The oracle: "placing boot modules at 0x48000000: ramdisk 0x48000000->0x480ff000, devicetree 0x480ff000->0x48100000".
    const d = domain(256);
    const initrd = initrdOf(0xff000 - 100);
    const boot = buildDomainImages(d, images({ initrd, cmdline: 'console=hvc0 rdinit=/init' }));
    assert.deepEqual(boot.initrd, { start: 0x4800_0000, end: 0x480f_f000 });
    assert.equal(boot.dtbIpa, 0x480f_f000);
    assert.ok(boot.dtb.byteLength <= 0x1000, 'the DTB fits its page');
    assert.deepEqual(ramAt(d, 0x4800_0000, initrd.byteLength), initrd);
    assert.deepEqual(ramAt(d, boot.dtbIpa, boot.dtb.byteLength), boot.dtb);
    assert.equal(chosenU64(boot.dtb, 'linux,initrd-start'), 0x4800_0000);
    assert.equal(chosenU64(boot.dtb, 'linux,initrd-end'), 0x480f_f000);
  });

  test('buildDomainImages() without an initrd puts the DTB alone at RAM + 128 MiB', () => {
    const d = domain(256);
    const boot = buildDomainImages(d, images());
    assert.equal(boot.initrd, undefined);
    assert.equal(boot.dtbIpa, RAM0 + 128 * MIB);
    assert.equal(fdtFromBlob(boot.dtb).root.child('chosen')!.property('linux,initrd-start'), undefined);
  });

  test('buildDomainImages() writes the DTB it returns, built for the domain\'s RAM, vCPUs and command line', () => {
    const d = domain(64, 2);
    const boot = buildDomainImages(d, images({ cmdline: 'console=hvc0' }));
    const t = fdtFromBlob(ramAt(d, boot.dtbIpa, boot.dtb.byteLength));
    assert.ok(t.root.child('cpus')!.child('cpu@1'));
    const reg = t.root.child('memory@40000000')!.property('reg')!.value;
    assert.equal(new DataView(reg.buffer, reg.byteOffset).getBigUint64(8), BigInt(64 * MIB));
    assert.equal(new TextDecoder().decode(t.root.child('chosen')!.property('bootargs')!.value), 'console=hvc0\0');
  });

  test('buildDomainImages() places initrd and DTB at the end of RAM (2 MiB aligned) when RAM is 128 MiB or less', () => {
    const d = domain(64);
    const initrd = initrdOf(3 * MIB + 5);
    const boot = buildDomainImages(d, images({ initrd }));
    const initrdBytes = 3 * MIB + 4096;
    const dtbBytes = Math.ceil(boot.dtb.byteLength / 4096) * 4096;
    const expected = Math.floor((RAM0 + 64 * MIB - initrdBytes - dtbBytes) / (2 * MIB)) * 2 * MIB;
    assert.equal(expected, RAM0 + 60 * MIB);
    assert.deepEqual(boot.initrd, { start: expected, end: expected + initrdBytes });
    assert.equal(boot.dtbIpa, expected + initrdBytes);
    assert.ok(boot.dtbIpa + boot.dtb.byteLength <= RAM0 + 64 * MIB);
    assert.deepEqual(ramAt(d, expected, initrd.byteLength), initrd);
  });

  test('buildDomainImages() moves the modules to the end of RAM when they do not fit above 128 MiB', () => {
    const d = domain(160);
    const initrd = initrdOf(40 * MIB);
    const boot = buildDomainImages(d, images({ initrd }));
    assert.ok(boot.initrd!.start < RAM0 + 128 * MIB, 'below 128 MiB');
    assert.ok(boot.dtbIpa + boot.dtb.byteLength <= RAM0 + 160 * MIB, 'inside RAM');
    assert.deepEqual(ramAt(d, boot.initrd!.start, initrd.byteLength), initrd);
  });

  test('buildDomainImages() moves the modules to the end of RAM when the kernel reaches past 128 MiB', () => {
    const d = domain(256);
    const kernel = arm64Image(WFI_LOOP, { imageSize: 130 * MIB });
    const boot = buildDomainImages(d, images({ kernel, initrd: initrdOf(4096) }));
    assert.ok(boot.initrd!.start >= RAM0 + 130 * MIB, `after the kernel's 2 MiB-rounded end (0x${boot.initrd!.start.toString(16)})`);
    assert.ok(boot.dtbIpa + boot.dtb.byteLength <= RAM0 + 256 * MIB);
  });

  test('buildDomainImages() reserves image_size, not just the file, for the kernel', () => {
    const d = domain(32);
    const kernel = arm64Image(WFI_LOOP, { imageSize: 28 * MIB });
    const boot = buildDomainImages(d, images({ kernel }));
    assert.ok(boot.dtbIpa >= RAM0 + 28 * MIB, 'the DTB does not overlap the kernel\'s BSS');
    assert.throws(() => buildDomainImages(domain(32), images({ kernel, initrd: initrdOf(4 * MIB) })), badExecutable(/do not fit/));
  });
});

describe('buildDomainImages() refusals', () => {
  test('buildDomainImages() refuses a kernel that is not an arm64 Image', () => {
    assert.throws(() => buildDomainImages(domain(16), images({ kernel: arm64Image(WFI_LOOP, { magic: 0x464c457f }) })), badExecutable(/not an arm64 Image/));
    const elf = new Uint8Array(128);
    elf.set([0x7f, 0x45, 0x4c, 0x46]);
    assert.throws(() => buildDomainImages(domain(16), images({ kernel: elf })), badExecutable(/not an arm64 Image/));
    assert.throws(() => buildDomainImages(domain(16), images({ kernel: new Uint8Array(63) })), badExecutable(/too short/));
  });

  test('buildDomainImages() refuses a big-endian Image', () => {
    assert.throws(() => buildDomainImages(domain(16), images({ kernel: arm64Image(WFI_LOOP, { flags: 1 }) })), badExecutable(/big-endian/));
  });

  test('buildDomainImages() refuses a kernel larger than the domain\'s RAM', () => {
    assert.throws(() => buildDomainImages(domain(16), images({ kernel: arm64Image(WFI_LOOP, { imageSize: 17 * MIB }) })), badExecutable(/more than the domain's 16 MiB/));
    assert.throws(() => buildDomainImages(domain(16), images({ kernel: arm64Image(WFI_LOOP, { fileBytes: 16 * MIB + 4096 }) })), badExecutable(/more than/));
  });

  test('buildDomainImages() refuses an invalid text_offset (unaligned, or 2 MiB and beyond)', () => {
    for (const textOffset of [0x10, 0x800, 2 * MIB, 2n ** 63n]) {
      assert.throws(() => buildDomainImages(domain(16), images({ kernel: arm64Image(WFI_LOOP, { textOffset }) })), badExecutable(/text_offset/), `text_offset ${textOffset}`);
    }
  });

  test('buildDomainImages() refuses an image_size smaller than the file', () => {
    assert.throws(() => buildDomainImages(domain(16), images({ kernel: arm64Image(WFI_LOOP, { imageSize: 64, fileBytes: 4096 }) })), badExecutable(/image_size/));
  });

  test('buildDomainImages() refuses an initrd that does not fit beside the kernel', () => {
    assert.throws(() => buildDomainImages(domain(16), images({ initrd: initrdOf(15 * MIB) })), badExecutable(/do not fit/));
  });

  test('buildDomainImages() leaves RAM untouched when it refuses', () => {
    const d = domain(16);
    assert.throws(() => buildDomainImages(d, images({ initrd: initrdOf(15 * MIB) })));
    assert.ok(d.mem.u8.subarray(0, 16 * MIB).every((b) => b === 0));
  });
});
