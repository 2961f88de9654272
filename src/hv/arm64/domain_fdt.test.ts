import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fdtFromBlob } from '../../platform/fdt/index.js';
import { missingCommands, skipUnlessAvailable } from '../../../tests/harness/prereq.js';
import { buildDomainFdt, extendedRegions, vcpuAffinity, type DomainFdtConfig } from './domain_fdt.js';

const DTC = skipUnlessAvailable(missingCommands('dtc'));

/**
 * The device tree libxl (Xen 4.17) built for the oracle's domU-min: 256 MiB, 1 vCPU, GICv3, an
 * initrd at 0x48000000..0x480ff000 (shared/xen-oracle/outputs/auto-run/domU-min.dts, verbatim).
 * The guest dumped it from /sys/firmware/fdt, after Linux had NOP'd /chosen/rng-seed
 * (drivers/of/fdt.c early_init_dt_scan_chosen), so rng-seed is the one property not shown.
 */
const ORACLE_DOMU_MIN_DTS = `/dts-v1/;

/ {
	model = "XENVM-4.17";
	compatible = "xen,xenvm-4.17\\0xen,xenvm";
	interrupt-parent = <0xfde8>;
	#address-cells = <0x02>;
	#size-cells = <0x02>;

	chosen {
		bootargs = "console=hvc0 rdinit=/init";
		linux,initrd-start = <0x00 0x48000000>;
		linux,initrd-end = <0x00 0x480ff000>;
	};

	cpus {
		#address-cells = <0x01>;
		#size-cells = <0x00>;

		cpu@0 {
			device_type = "cpu";
			compatible = "arm,armv8";
			enable-method = "psci";
			reg = <0x00>;
		};
	};

	psci {
		compatible = "arm,psci-1.0\\0arm,psci-0.2\\0arm,psci";
		method = "hvc";
		cpu_off = <0x01>;
		cpu_on = <0x02>;
	};

	memory@40000000 {
		device_type = "memory";
		reg = <0x00 0x40000000 0x00 0x10000000>;
	};

	interrupt-controller@3001000 {
		compatible = "arm,gic-v3";
		#interrupt-cells = <0x03>;
		#address-cells = <0x00>;
		interrupt-controller;
		reg = <0x00 0x3001000 0x00 0x10000 0x00 0x3020000 0x00 0x1000000>;
		linux,phandle = <0xfde8>;
		phandle = <0xfde8>;
	};

	timer {
		compatible = "arm,armv8-timer";
		interrupts = <0x01 0x0d 0xf08 0x01 0x0e 0xf08 0x01 0x0b 0xf08>;
		interrupt-parent = <0xfde8>;
	};

	hypervisor {
		compatible = "xen,xen-4.17\\0xen,xen";
		reg = <0x00 0x38000000 0x00 0x1000000 0x00 0x50000000 0x00 0xb0000000 0x02 0x00 0xfe 0x00>;
		interrupts = <0x01 0x0f 0xf08>;
		interrupt-parent = <0xfde8>;
	};
};
`;

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
const RNG_SEED = Uint8Array.from({ length: 128 }, (_, i) => (i * 13 + 5) & 0xff);

const MIN: DomainFdtConfig = {
  ramBytes: 256 * MIB,
  vcpus: 1,
  gicVersion: 3,
  bootargs: 'console=hvc0 rdinit=/init',
  initrd: { start: 0x4800_0000, end: 0x480f_f000 },
  rngSeed: RNG_SEED,
};

function toDts(blob: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), 'xenon-domfdt-'));
  try {
    writeFileSync(join(dir, 'in.dtb'), blob);
    return execFileSync('dtc', ['-q', '-I', 'dtb', '-O', 'dts', join(dir, 'in.dtb')]).toString();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const RNG_LINE = /^\t\trng-seed = <[^>]*>;\n/m;

/** Our dts with the rng-seed line removed (after checking it is there exactly once). */
function withoutRngSeed(dts: string): string {
  assert.equal(dts.split('rng-seed').length - 1, 1, 'exactly one rng-seed property');
  return dts.replace(RNG_LINE, '');
}

/** Replaces the body of node `name` (one tab deep) in a dts. */
function nodeBlock(dts: string, name: string): string {
  const m = new RegExp(`^\\t${name.replace(/[@.]/g, '\\$&')} \\{\\n[\\s\\S]*?^\\t\\};\\n`, 'm').exec(dts);
  assert.ok(m !== null, `node ${name} in\n${dts}`);
  return m[0];
}

function u32s(v: Uint8Array): number[] {
  const dv = new DataView(v.buffer, v.byteOffset, v.byteLength);
  return Array.from({ length: v.byteLength / 4 }, (_, i) => dv.getUint32(i * 4));
}

describe('buildDomainFdt() against Xen 4.17 libxl', DTC, () => {
  test('buildDomainFdt() for the oracle\'s domU-min decompiles to libxl\'s device tree, rng-seed aside', () => {
    const dts = toDts(buildDomainFdt(MIN));
    assert.equal(withoutRngSeed(dts), ORACLE_DOMU_MIN_DTS);
  });

  test('buildDomainFdt() puts rng-seed last in /chosen, after the initrd, as libxl make_chosen_node does', () => {
    const chosen = nodeBlock(toDts(buildDomainFdt(MIN)), 'chosen');
    const order = [...chosen.matchAll(/^\t\t([\w,#-]+) =/gm)].map((m) => m[1]);
    assert.deepEqual(order, ['bootargs', 'linux,initrd-start', 'linux,initrd-end', 'rng-seed']);
  });

  test('buildDomainFdt() for GICv2 gives the cortex-a15 GIC with the 4 KiB distributor and 8 KiB CPU interface', () => {
    const dts = toDts(buildDomainFdt({ ...MIN, gicVersion: 2 }));
    assert.equal(nodeBlock(dts, 'interrupt-controller@3001000'), [
      '\tinterrupt-controller@3001000 {',
      '\t\tcompatible = "arm,cortex-a15-gic\\0arm,cortex-a9-gic";',
      '\t\t#interrupt-cells = <0x03>;',
      '\t\t#address-cells = <0x00>;',
      '\t\tinterrupt-controller;',
      '\t\treg = <0x00 0x3001000 0x00 0x1000 0x00 0x3002000 0x00 0x2000>;',
      '\t\tlinux,phandle = <0xfde8>;',
      '\t\tphandle = <0xfde8>;',
      '\t};',
      '',
    ].join('\n'));
    // Everything but the GIC node is the same as for GICv3.
    const v3 = withoutRngSeed(toDts(buildDomainFdt(MIN)));
    const strip = (s: string) => s.replace(nodeBlock(s, 'interrupt-controller@3001000'), '');
    assert.equal(strip(withoutRngSeed(dts)), strip(v3));
  });

  test('buildDomainFdt() with 2 vCPUs adds cpu@1 with reg 1 after cpu@0, and keeps one GICv3 redistributor region', () => {
    const dts = toDts(buildDomainFdt({ ...MIN, vcpus: 2 }));
    assert.equal(nodeBlock(dts, 'cpus'), [
      '\tcpus {',
      '\t\t#address-cells = <0x01>;',
      '\t\t#size-cells = <0x00>;',
      '',
      '\t\tcpu@0 {',
      '\t\t\tdevice_type = "cpu";',
      '\t\t\tcompatible = "arm,armv8";',
      '\t\t\tenable-method = "psci";',
      '\t\t\treg = <0x00>;',
      '\t\t};',
      '',
      '\t\tcpu@1 {',
      '\t\t\tdevice_type = "cpu";',
      '\t\t\tcompatible = "arm,armv8";',
      '\t\t\tenable-method = "psci";',
      '\t\t\treg = <0x01>;',
      '\t\t};',
      '\t};',
      '',
    ].join('\n'));
    assert.match(nodeBlock(dts, 'interrupt-controller@3001000'), /reg = <0x00 0x3001000 0x00 0x10000 0x00 0x3020000 0x00 0x1000000>;/);
  });

  test('buildDomainFdt() without bootargs or initrd leaves only rng-seed in /chosen', () => {
    const dts = toDts(buildDomainFdt({ ramBytes: 256 * MIB, vcpus: 1, gicVersion: 3, rngSeed: RNG_SEED }));
    const chosen = nodeBlock(dts, 'chosen');
    assert.doesNotMatch(chosen, /bootargs|initrd/);
    assert.match(chosen, /rng-seed/);
  });
});

describe('buildDomainFdt() structure', () => {
  test('buildDomainFdt() stores the 128-byte rng-seed unchanged', () => {
    const t = fdtFromBlob(buildDomainFdt(MIN));
    assert.deepEqual([...t.root.child('chosen')!.property('rng-seed')!.value], [...RNG_SEED]);
  });

  test('buildDomainFdt() names vCPU 16 cpu@100 (MPIDR Aff1 = 1) as libxl__compute_mpdir does', () => {
    assert.equal(vcpuAffinity(0), 0);
    assert.equal(vcpuAffinity(15), 0xf);
    assert.equal(vcpuAffinity(16), 0x100);
    assert.equal(vcpuAffinity(33), 0x201);
    const cpus = fdtFromBlob(buildDomainFdt({ ...MIN, vcpus: 17 })).root.child('cpus')!;
    assert.equal(cpus.children.length, 17);
    assert.deepEqual(u32s(cpus.child('cpu@f')!.property('reg')!.value), [0xf]);
    assert.deepEqual(u32s(cpus.child('cpu@100')!.property('reg')!.value), [0x100]);
  });

  test('buildDomainFdt() for 3.5 GiB splits memory into the 3 GiB bank 0 and bank 1 at 8 GiB', () => {
    const t = fdtFromBlob(buildDomainFdt({ ...MIN, ramBytes: 3.5 * GIB }));
    assert.deepEqual(u32s(t.root.child('memory@40000000')!.property('reg')!.value), [0, 0x4000_0000, 0, 0xc000_0000]);
    assert.deepEqual(u32s(t.root.child('memory@200000000')!.property('reg')!.value), [2, 0, 0, 0x2000_0000]);
    assert.equal(fdtFromBlob(buildDomainFdt(MIN)).root.child('memory@200000000'), undefined);
  });

  test('buildDomainFdt() lists the grant table then the extended regions in /hypervisor reg', () => {
    const reg = (ramBytes: number) => u32s(fdtFromBlob(buildDomainFdt({ ...MIN, ramBytes })).root.child('hypervisor')!.property('reg')!.value);
    assert.deepEqual(reg(256 * MIB), [0, 0x3800_0000, 0, 0x100_0000, 0, 0x5000_0000, 0, 0xb000_0000, 2, 0, 0xfe, 0]);
    assert.deepEqual(reg(3 * GIB), [0, 0x3800_0000, 0, 0x100_0000, 2, 0, 0xfe, 0]);
  });
});

describe('extendedRegions() as libxl finalize_hypervisor_node computes them', () => {
  test('extendedRegions() for 256 MiB gives the oracle\'s 0x50000000->0x100000000 and 0x200000000->0x10000000000', () => {
    assert.deepEqual(extendedRegions(256 * MIB), [[0x5000_0000, 0xb000_0000], [0x2_0000_0000, 0xfe_0000_0000]]);
  });

  test('extendedRegions() for a full 3 GiB bank 0 offers only bank 1, bounded by the 40-bit IPA', () => {
    assert.deepEqual(extendedRegions(3 * GIB), [[0x2_0000_0000, 0xfe_0000_0000]]);
  });

  test('extendedRegions() above 3 GiB starts bank 1\'s region after the RAM in bank 1', () => {
    assert.deepEqual(extendedRegions(3 * GIB + 512 * MIB), [[0x2_2000_0000, 0xfe_0000_0000 - 0x2000_0000]]);
  });

  test('extendedRegions() rounds the RAM end up to 2 MiB', () => {
    assert.deepEqual(extendedRegions(255 * MIB + 4096)[0], [0x5000_0000, 0xb000_0000]);
    assert.deepEqual(extendedRegions(257 * MIB)[0], [0x5020_0000, 0xafe0_0000]);
  });

  test('extendedRegions() drops a bank-0 gap smaller than 64 MiB', () => {
    assert.deepEqual(extendedRegions(3 * GIB - 62 * MIB), [[0x2_0000_0000, 0xfe_0000_0000]]);
    assert.deepEqual(extendedRegions(3 * GIB - 64 * MIB), [[0x1_0000_0000 - 64 * MIB, 64 * MIB], [0x2_0000_0000, 0xfe_0000_0000]]);
  });
});
