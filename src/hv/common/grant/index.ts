/**
 * Xen grant tables, version 1, for arm64 guests: the GNTTABOP_* hypercall, the grant frames for
 * XENMEM_add_to_physmap, and the in-process API Domain-0's backends use to map and copy grants.
 */
export * from './abi.js';
export { GrantTable, DEFAULT_MAX_GRANT_FRAMES, INITIAL_NR_GRANT_FRAMES, newSharedNrFrames, type GrantTableOptions } from './grant_table.js';
export { GrantTableDirectory } from './directory.js';
export { GrantMapping } from './mapping.js';
export { isGrantError, type GrantError } from './entry.js';
export type { GrantCopyOptions } from './backend.js';
export type { GrantTableCounters } from './metrics.js';
export { GNTTABOP_MAX_OPS_PER_CALL } from './ops.js';
export { MAPTRACK_MAX_HANDLES } from './maptrack.js';
export { GRANT_TABLE_SAVE_VERSION } from './persist.js';
