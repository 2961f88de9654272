/**
 * Flattened device tree (DTB v17): build a tree, serialise it, parse it back.
 * Core code: imports nothing from Node.
 */
export { FdtNode, FdtTree, encodeCells, toU64 } from './tree.js';
export type { FdtCell, FdtProperty, FdtReservation, FdtU64 } from './tree.js';
export { fdtToBlob } from './writer.js';
export type { FdtBlobOptions } from './writer.js';
export { fdtFromBlob } from './reader.js';
