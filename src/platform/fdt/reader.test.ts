import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { FdtTree, fdtFromBlob, fdtToBlob, type FdtNode } from './index.js';
import { minimalVirt } from './_test_trees.js';
import { missingCommands, skipUnlessAvailable } from '../../../tests/harness/prereq.js';

/** A plain-data view of a subtree, for deep comparison. */
function dump(n: FdtNode): unknown {
  return {
    name: n.name,
    props: n.properties.map((p) => [p.name, [...p.value]]),
    children: n.children.map(dump),
  };
}

test('fdtFromBlob() round-trips a tree built with the writer', () => {
  const tree = minimalVirt();
  const back = fdtFromBlob(fdtToBlob(tree));
  assert.deepEqual(dump(back.root), dump(tree.root));
  assert.deepEqual(back.reservations, [{ address: 0x48200000n, size: 0x100000n }]);
  assert.equal(back.bootCpuidPhys, 0);
  assert.deepEqual(fdtToBlob(back), fdtToBlob(tree));
});

test('fdtFromBlob() decodes values the way they were set', () => {
  const back = fdtFromBlob(fdtToBlob(minimalVirt()));
  const chosen = back.node('/chosen')!;
  assert.equal(new TextDecoder().decode(chosen.property('stdout-path')!.value), '/pl011@9000000\0');
  const uart = back.node('/pl011@9000000')!;
  const clocks = new DataView(uart.property('clocks')!.value.buffer, uart.property('clocks')!.value.byteOffset);
  const clkPhandle = new DataView(back.node('/clk24mhz')!.property('phandle')!.value.buffer).getUint32(0);
  assert.equal(clocks.getUint32(0), clkPhandle);
  assert.equal(clocks.getUint32(4), clkPhandle);
  assert.deepEqual([...back.node('/timer')!.property('always-on')!.value], []);
});

test('fdtFromBlob() rejects truncated and corrupted blobs', () => {
  const blob = fdtToBlob(minimalVirt());
  assert.throws(() => fdtFromBlob(blob.subarray(0, 20)), /shorter than its header/);
  assert.throws(() => fdtFromBlob(blob.subarray(0, blob.length - 8)), /totalsize/);
  const badMagic = blob.slice();
  badMagic[0] = 0;
  assert.throws(() => fdtFromBlob(badMagic), /bad magic/);
  const badToken = blob.slice();
  const offStruct = new DataView(badToken.buffer).getUint32(8);
  new DataView(badToken.buffer).setUint32(offStruct, 7);
  assert.throws(() => fdtFromBlob(badToken), /unknown token 7/);
  const badName = blob.slice();
  new DataView(badName.buffer).setUint32(offStruct + 16, 0xffff); // first property's name offset
  assert.throws(() => fdtFromBlob(badName), /name out of bounds/);
});

test('fdtFromBlob() skips FDT_NOP tokens', () => {
  const t = new FdtTree();
  t.root.setU32('a', 1);
  const blob = fdtToBlob(t);
  const v = new DataView(blob.buffer);
  const offStruct = v.getUint32(8);
  // Overwrite the property (12 + 4 bytes) with four NOPs.
  for (let i = 0; i < 4; i++) v.setUint32(offStruct + 8 + i * 4, 4);
  assert.deepEqual(fdtFromBlob(blob).root.properties, []);
});

const DTC = skipUnlessAvailable(missingCommands('dtc'));

test('fdtFromBlob() reads a dtc-compiled blob, and fdtToBlob() reproduces it byte for byte', DTC, () => {
  const dts = resolve(process.cwd(), 'tests/golden/fdt/rich.dts');
  const blob = new Uint8Array(execFileSync('dtc', ['-q', '-b', '1', '-I', 'dts', '-O', 'dtb', dts]));
  const tree = fdtFromBlob(blob);
  assert.equal(tree.bootCpuidPhys, 1);
  assert.deepEqual(tree.reservations, [
    { address: 0x48000000n, size: 0x100000n },
    { address: 0x100000000n, size: 0x2000n },
  ]);
  const chosen = tree.node('/chosen')!;
  const u64 = (name: string): bigint => new DataView(chosen.property(name)!.value.buffer).getBigUint64(0);
  assert.equal(u64('kaslr-seed'), 0xfeedfacecafebeefn);
  assert.deepEqual([...chosen.property('odd-bytes')!.value], [1, 2, 3]);
  const c = tree.node('/deep/a/b/c')!;
  assert.deepEqual([...c.property('empty')!.value], []);
  const ref = new DataView(c.property('label-ref')!.value.buffer);
  const phandleOf = (path: string): number => new DataView(tree.node(path)!.property('phandle')!.value.buffer).getUint32(0);
  assert.deepEqual([ref.getUint32(0), ref.getUint32(4), ref.getUint32(8)], [phandleOf('/pl011@9000000'), 1, phandleOf('/interrupt-controller@8000000')]);
  assert.deepEqual(fdtToBlob(tree), blob);
});
