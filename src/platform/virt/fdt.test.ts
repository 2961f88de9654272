import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fdtFromBlob } from '../fdt/index.js';
import { buildVirtFdt, type VirtFdtConfig } from './fdt.js';
import { missingCommands, skipUnlessAvailable } from '../../../tests/harness/prereq.js';

const DTC = skipUnlessAvailable(missingCommands('dtc'));

const BASE: VirtFdtConfig = {
  ramBytes: 512 << 20,
  cpus: 2,
  gicVersion: 2,
  bootargs: 'console=ttyAMA0 panic=-1 cryptomgr.notests',
  initrd: { start: 0x4800_0000, end: 0x4810_0000 },
  rngSeed: Uint8Array.from({ length: 32 }, (_, i) => i * 7),
};

function toDts(blob: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), 'xenon-virt-'));
  try {
    writeFileSync(join(dir, 'in.dtb'), blob);
    return execFileSync('dtc', ['-q', '-I', 'dtb', '-O', 'dts', join(dir, 'in.dtb')]).toString();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const gicVersion of [2, 3] as const) {
  const golden = resolve(process.cwd(), `tests/golden/virt/virt_gicv${gicVersion}.dts`);
  test(`buildVirtFdt() for GICv${gicVersion} decompiles to the golden dts`, DTC, () => {
    const dts = toDts(buildVirtFdt({ ...BASE, gicVersion }));
    if (process.env.XENON_GOLDEN_ACCEPT === '1') writeFileSync(golden, dts);
    assert.equal(dts, readFileSync(golden, 'utf8'), `run with XENON_GOLDEN_ACCEPT=1 to accept; golden: ${golden}`);
  });
}

test('buildVirtFdt() puts memory, CPUs, the initrd and no kaslr-seed where Linux looks', () => {
  const t = fdtFromBlob(buildVirtFdt({ ...BASE, cpus: 3 }));
  const chosen = t.root.child('chosen')!;
  assert.equal(new TextDecoder().decode(chosen.property('bootargs')!.value).replace(/\0$/, ''), BASE.bootargs);
  assert.equal(chosen.property('kaslr-seed'), undefined);
  assert.equal(chosen.property('rng-seed')!.value.length, 32);
  const initrdStart = new DataView(chosen.property('linux,initrd-start')!.value.buffer, chosen.property('linux,initrd-start')!.value.byteOffset);
  assert.equal(initrdStart.getBigUint64(0), 0x4800_0000n);
  assert.ok(t.root.child('cpus')!.child('cpu@2'));
  assert.ok(t.root.child('memory@40000000'));
  assert.throws(() => buildVirtFdt({ ...BASE, rngSeed: new Uint8Array(4) }), /32 bytes/);
});
