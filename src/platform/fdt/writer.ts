/**
 * Serialise an `FdtTree` into a version 17 flattened device tree blob.
 *
 * Layout (the one dtc produces): header, memory reservation block (8-byte aligned), structure block
 * (4-byte aligned tokens), strings block. Property names are stored once in the strings block and
 * shared by offset. Source: Devicetree Specification v0.4, chapter 5.
 */
import {
  FDT_BEGIN_NODE,
  FDT_END,
  FDT_END_NODE,
  FDT_HEADER_SIZE,
  FDT_LAST_COMP_VERSION,
  FDT_MAGIC,
  FDT_PROP,
  FDT_VERSION,
  HDR,
  alignUp,
} from './format.js';
import type { FdtNode, FdtTree } from './tree.js';

/** Options for `fdtToBlob`. */
export interface FdtBlobOptions {
  /**
   * Free bytes to leave after the strings block (counted in `totalsize`), so a loader can add
   * properties in place as libfdt's `fdt_open_into` would. Default 0.
   */
  readonly extraSpaceBytes?: number;
}

const utf8 = new TextEncoder();

/**
 * Deduplicating strings block. Like dtc, a name that already occurs in the table as a
 * NUL-terminated suffix ("method" inside "enable-method") reuses that occurrence. Property names
 * are ASCII (checked by `FdtNode.setBytes`), so string offsets equal byte offsets.
 */
class StringTable {
  #table = '';

  get size(): number {
    return this.#table.length;
  }

  offsetOf(name: string): number {
    const key = `${name}\0`;
    let off = this.#table.indexOf(key);
    if (off < 0) {
      off = this.#table.length;
      this.#table += key;
    }
    return off;
  }

  writeTo(out: Uint8Array, at: number): void {
    out.set(utf8.encode(this.#table), at);
  }
}

/** Size in bytes of the structure block for the subtree at `node`. */
function structSize(node: FdtNode): number {
  let n = 4 + alignUp(utf8.encode(node.name).length + 1, 4) + 4;
  for (const p of node.properties) n += 12 + alignUp(p.value.length, 4);
  for (const c of node.children) n += structSize(c);
  return n;
}

/** Write the subtree's tokens at `off`; returns the offset after them. */
function writeNode(node: FdtNode, out: Uint8Array, view: DataView, off: number, strings: StringTable): number {
  view.setUint32(off, FDT_BEGIN_NODE);
  const name = utf8.encode(node.name);
  out.set(name, off + 4);
  off += 4 + alignUp(name.length + 1, 4);
  for (const p of node.properties) {
    view.setUint32(off, FDT_PROP);
    view.setUint32(off + 4, p.value.length);
    view.setUint32(off + 8, strings.offsetOf(p.name));
    out.set(p.value, off + 12);
    off += 12 + alignUp(p.value.length, 4);
  }
  for (const c of node.children) off = writeNode(c, out, view, off, strings);
  view.setUint32(off, FDT_END_NODE);
  return off + 4;
}

/** Serialise the tree. Padding bytes are zero, so equal trees give identical blobs. */
export function fdtToBlob(tree: FdtTree, opts: FdtBlobOptions = {}): Uint8Array {
  const extra = opts.extraSpaceBytes ?? 0;
  if (!Number.isSafeInteger(extra) || extra < 0) throw new RangeError(`Invalid extra space "${extra}"`);
  const offRsvmap = alignUp(FDT_HEADER_SIZE, 8);
  const rsvSize = (tree.reservations.length + 1) * 16;
  const offStruct = offRsvmap + rsvSize;
  const sizeStruct = structSize(tree.root) + 4;
  const offStrings = offStruct + sizeStruct;

  // The strings block's size is only known after the names are interned, so intern first.
  const strings = new StringTable();
  const intern = (n: FdtNode): void => {
    for (const p of n.properties) strings.offsetOf(p.name);
    n.children.forEach(intern);
  };
  intern(tree.root);
  const totalsize = offStrings + strings.size + extra;

  const out = new Uint8Array(totalsize);
  const view = new DataView(out.buffer);
  view.setUint32(HDR.magic, FDT_MAGIC);
  view.setUint32(HDR.totalsize, totalsize);
  view.setUint32(HDR.off_dt_struct, offStruct);
  view.setUint32(HDR.off_dt_strings, offStrings);
  view.setUint32(HDR.off_mem_rsvmap, offRsvmap);
  view.setUint32(HDR.version, FDT_VERSION);
  view.setUint32(HDR.last_comp_version, FDT_LAST_COMP_VERSION);
  view.setUint32(HDR.boot_cpuid_phys, tree.bootCpuidPhys);
  view.setUint32(HDR.size_dt_strings, strings.size);
  view.setUint32(HDR.size_dt_struct, sizeStruct);

  let off = offRsvmap;
  for (const r of tree.reservations) {
    view.setBigUint64(off, r.address);
    view.setBigUint64(off + 8, r.size);
    off += 16;
  }
  off += 16; // The terminating all-zero entry.

  off = writeNode(tree.root, out, view, off, strings);
  view.setUint32(off, FDT_END);
  strings.writeTo(out, offStrings);
  return out;
}
