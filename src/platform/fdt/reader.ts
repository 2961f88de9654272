/**
 * Parse a flattened device tree blob (versions 16 and 17) back into an `FdtTree`.
 *
 * Every offset and length is bounds-checked, so the reader is safe on untrusted blobs (a DTB given
 * by the user, or one a guest hands back). Source: Devicetree Specification v0.4, chapter 5.
 */
import {
  FDT_BEGIN_NODE,
  FDT_END,
  FDT_END_NODE,
  FDT_HEADER_SIZE,
  FDT_MAGIC,
  FDT_NOP,
  FDT_PROP,
  HDR,
  alignUp,
} from './format.js';
import { FdtTree, type FdtNode } from './tree.js';

const utf8 = new TextDecoder('utf-8', { fatal: false });

function malformed(why: string): never {
  throw new RangeError(`Malformed device tree blob: ${why}`);
}

/** Read the NUL-terminated string at `off`, which must end before `end`. */
function cString(bytes: Uint8Array, off: number, end: number): { text: string; next: number } {
  const nul = bytes.indexOf(0, off);
  if (nul < 0 || nul >= end) malformed(`unterminated string at ${off}`);
  return { text: utf8.decode(bytes.subarray(off, nul)), next: nul + 1 };
}

/** Parse `blob`; throws RangeError when it is not a well-formed v16/v17 DTB. */
export function fdtFromBlob(blob: Uint8Array): FdtTree {
  if (blob.length < FDT_HEADER_SIZE) malformed('shorter than its header');
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const hdr = (field: keyof typeof HDR): number => view.getUint32(HDR[field]);
  if (hdr('magic') !== FDT_MAGIC) malformed('bad magic');
  if (hdr('version') < 16 || hdr('last_comp_version') > 17) malformed(`unsupported version ${hdr('version')}`);
  const total = hdr('totalsize');
  if (total > blob.length) malformed(`totalsize ${total} exceeds ${blob.length} bytes`);
  const offStruct = hdr('off_dt_struct');
  const structEnd = offStruct + hdr('size_dt_struct');
  const offStrings = hdr('off_dt_strings');
  const stringsEnd = offStrings + hdr('size_dt_strings');
  if (structEnd > total || stringsEnd > total || offStruct % 4 !== 0) malformed('blocks out of bounds');

  const tree = new FdtTree({ bootCpuidPhys: hdr('boot_cpuid_phys') });
  let off = hdr('off_mem_rsvmap');
  if (off % 8 !== 0) malformed('misaligned reservation block');
  for (;;) {
    if (off + 16 > total) malformed('unterminated reservation block');
    const address = view.getBigUint64(off);
    const size = view.getBigUint64(off + 8);
    off += 16;
    if (address === 0n && size === 0n) break;
    tree.addReservation(address, size);
  }

  const stack: FdtNode[] = [];
  let sawRoot = false;
  off = offStruct;
  for (;;) {
    if (off + 4 > structEnd) malformed('structure block ends without FDT_END');
    const token = view.getUint32(off);
    off += 4;
    if (token === FDT_BEGIN_NODE) {
      const { text, next } = cString(blob, off, structEnd);
      off = alignUp(next, 4);
      const parent = stack[stack.length - 1];
      if (!parent) {
        if (sawRoot || text !== '') malformed('expected a single root node');
        sawRoot = true;
        stack.push(tree.root);
      } else {
        stack.push(parent.addNode(text));
      }
    } else if (token === FDT_PROP) {
      const node = stack[stack.length - 1];
      if (!node || off + 8 > structEnd) malformed('property outside a node');
      const len = view.getUint32(off);
      const nameOff = view.getUint32(off + 4);
      off += 8;
      if (off + len > structEnd) malformed('property value out of bounds');
      if (offStrings + nameOff >= stringsEnd) malformed('property name out of bounds');
      const { text } = cString(blob, offStrings + nameOff, stringsEnd);
      node.setBytes(text, blob.subarray(off, off + len));
      off = alignUp(off + len, 4);
    } else if (token === FDT_END_NODE) {
      if (!stack.pop()) malformed('unbalanced FDT_END_NODE');
    } else if (token === FDT_END) {
      if (stack.length !== 0 || !sawRoot) malformed('FDT_END inside a node');
      return tree;
    } else if (token !== FDT_NOP) {
      malformed(`unknown token ${token} at ${off - 4}`);
    }
  }
}
