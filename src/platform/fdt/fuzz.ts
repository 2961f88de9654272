/**
 * Fuzz target for the FDT reader (docs/FUZZING.md): the bytes are a DTB blob. The reader documents
 * RangeError for a malformed blob (its own messages and those of the tree it builds); a RangeError
 * with any other message (an out-of-bounds DataView read, an impossible allocation) or any other
 * exception is a bug, as is a tree the writer cannot write back and read again.
 */
import { BugIndicatingError } from '../../lib/errors.js';
import { fdtFromBlob } from './reader.js';
import { fdtToBlob } from './writer.js';

/** Messages of the RangeErrors that reader.ts and tree.ts throw for malformed input. */
const DOCUMENTED = /^(Malformed device tree blob|Invalid device tree (node|property) name|Node ".*" already has a child)/s;

/** Read `bytes` as a DTB; when it parses, write and re-read it. Throws only on a bug. */
export function fuzzFdt(bytes: Uint8Array): void {
  let tree;
  try {
    tree = fdtFromBlob(bytes);
  } catch (e) {
    if (e instanceof RangeError && DOCUMENTED.test(e.message)) return;
    throw e;
  }
  const again = fdtFromBlob(fdtToBlob(tree));
  if (again.root.path !== tree.root.path) throw new BugIndicatingError('FDT round trip changed the root');
}
