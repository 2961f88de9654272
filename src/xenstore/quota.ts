/**
 * Per-domain quotas, with C xenstored's names and defaults (tools/xenstored/domain.c `quotas`).
 * Privileged callers are never limited. As in C xenstored, a limit is hit when the count after the
 * request would *reach* the quota value (`val >= quota`), and every violation is ENOSPC.
 * A quota of 0 disables that limit.
 */

/** The limits one store enforces on unprivileged domains. */
export interface XsQuotas {
  /** Nodes owned by one domain. */
  readonly nodes: number;
  /** Watches registered by one domain. */
  readonly watches: number;
  /** Transactions open at once on one domain's connection. */
  readonly transactions: number;
  /** Nodes one transaction may touch. */
  readonly transactionNodes: number;
  /** Entries in one node's permission list. */
  readonly nodePermissions: number;
  /** Path length below "/local/domain/<n>/". */
  readonly pathMax: number;
  /** Bytes of one node as C xenstored stores it: 16 + 8 per permission + value + child names. */
  readonly nodeSize: number;
}

/** C xenstored's defaults. */
export const DEFAULT_XS_QUOTAS: XsQuotas = {
  nodes: 1000,
  watches: 128,
  transactions: 10,
  transactionNodes: 1024,
  nodePermissions: 5,
  pathMax: 2048,
  nodeSize: 2048,
};

/** The names `xenstore-control quota` prints and accepts, as in C xenstored. */
export const QUOTA_NAMES: Readonly<Record<keyof XsQuotas, string>> = {
  nodes: 'nodes',
  watches: 'watches',
  transactions: 'transactions',
  transactionNodes: 'transaction-nodes',
  nodePermissions: 'node-permissions',
  pathMax: 'path-max',
  nodeSize: 'node-size',
};

/** True when `value` breaks `quota` for an unprivileged caller. */
export function quotaExceeded(quota: number, value: number, privileged: boolean): boolean {
  return !privileged && quota > 0 && value >= quota;
}

/** Accounted size of a node (C xenstored calc_node_acc_size: header, perms, data, children). */
export function nodeAccSize(valueBytes: number, permCount: number, children: readonly string[]): number {
  let childBytes = 0;
  for (const c of children) childBytes += c.length + 1;
  return 16 + 8 * permCount + valueBytes + childBytes;
}
