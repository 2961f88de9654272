import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FdtTree, fdtToBlob } from './index.js';
import { minimalVirt } from './_test_trees.js';
import { missingCommands, skipUnlessAvailable } from '../../../tests/harness/prereq.js';

const DTC = skipUnlessAvailable(missingCommands('dtc'));
const GOLDEN = resolve(process.cwd(), 'tests/golden/fdt/minimal_virt.dts');

function dtc(args: string[], input: Uint8Array): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'xenon-fdt-'));
  try {
    const file = join(dir, 'in');
    writeFileSync(file, input);
    return execFileSync('dtc', [...args, file], { stdio: ['ignore', 'pipe', 'pipe'] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('fdtToBlob() writes a v17 header with consistent offsets and sizes', () => {
  const blob = fdtToBlob(minimalVirt());
  const v = new DataView(blob.buffer);
  assert.equal(v.getUint32(0), 0xd00dfeed);
  assert.equal(v.getUint32(4), blob.length);
  assert.equal(v.getUint32(16), 40, 'reservation block right after the header');
  assert.equal(v.getUint32(8), 40 + 2 * 16, 'struct after one reservation + terminator');
  assert.equal(v.getUint32(12), v.getUint32(8) + v.getUint32(36), 'strings right after struct');
  assert.equal(v.getUint32(20), 17);
  assert.equal(v.getUint32(24), 16);
  assert.equal(v.getUint32(12) + v.getUint32(32), blob.length);
  assert.equal(v.getBigUint64(40), 0x48200000n);
  assert.equal(v.getBigUint64(48), 0x100000n);
  assert.equal(v.getUint32(v.getUint32(8) + v.getUint32(36) - 4), 9, 'ends with FDT_END');
});

test('fdtToBlob() stores each property name once in the strings block', () => {
  const blob = fdtToBlob(minimalVirt());
  const v = new DataView(blob.buffer);
  const strings = new TextDecoder().decode(blob.subarray(v.getUint32(12), v.getUint32(12) + v.getUint32(32)));
  const names = strings.split('\0').slice(0, -1);
  assert.equal(new Set(names).size, names.length);
  assert.ok(names.includes('compatible') && names.includes('reg') && names.includes('phandle'));
  assert.equal(strings.split('compatible').length - 1, 1);
});

test('fdtToBlob() honours boot_cpuid_phys and extra space', () => {
  const t = new FdtTree({ bootCpuidPhys: 0x101 });
  const blob = fdtToBlob(t, { extraSpaceBytes: 100 });
  const v = new DataView(blob.buffer);
  assert.equal(v.getUint32(28), 0x101);
  assert.equal(v.getUint32(4), blob.length);
  assert.equal(blob.length, 40 + 16 + 4 + 4 + 4 + 4 + 100);
});

test('fdtToBlob() output decompiles with dtc to the golden dts', DTC, () => {
  const dts = dtc(['-q', '-I', 'dtb', '-O', 'dts'], fdtToBlob(minimalVirt())).toString();
  const golden = existsSync(GOLDEN) ? readFileSync(GOLDEN, 'utf8') : '';
  if (dts !== golden) writeFileSync(`${GOLDEN}.actual`, dts);
  assert.equal(dts, golden);
});

test('fdtToBlob() output is byte-identical to dtc recompiling its own decompilation', DTC, () => {
  const ours = fdtToBlob(minimalVirt());
  const theirs = dtc(['-q', '-I', 'dts', '-O', 'dtb'], dtc(['-q', '-I', 'dtb', '-O', 'dts'], ours));
  assert.deepEqual(new Uint8Array(theirs), ours);
});

test('FdtNode setters reject bad names and out-of-range values', () => {
  const t = new FdtTree();
  assert.throws(() => t.root.addNode('a/b'), RangeError);
  assert.throws(() => t.root.setU32('bad name', 1), RangeError);
  assert.throws(() => t.root.setU32('x', 0x1_0000_0000), RangeError);
  assert.throws(() => t.root.setU64('x', -1), RangeError);
  assert.throws(() => t.root.setString('x', 'a\0b'), RangeError);
  t.root.addNode('dup');
  assert.throws(() => t.root.addNode('dup'), RangeError);
  assert.throws(() => t.root.setReg([[0, 0]]), RangeError);
});

test('FdtNode.setReg() follows the parent cell counts and phandles are stable', () => {
  const t = new FdtTree();
  const bus = t.root.addNode('bus').setU32('#address-cells', 1).setU32('#size-cells', 1);
  const dev = bus.addNode('dev@10').setReg([[0x10, 0x20]]);
  assert.deepEqual([...dev.property('reg')!.value], [0, 0, 0, 0x10, 0, 0, 0, 0x20]);
  assert.throws(() => bus.addNode('big').setReg([[0x1_0000_0000, 1]]), RangeError);
  const a = t.root.addNode('a');
  assert.equal(a.phandle(), 1);
  assert.equal(a.phandle(), 1);
  assert.equal(t.root.addNode('b').phandle(), 2);
  assert.equal(t.node('/bus/dev@10'), dev);
  assert.equal(dev.path, '/bus/dev@10');
});
