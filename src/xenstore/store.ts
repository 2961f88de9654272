/**
 * The node database: a flat map from absolute path to node, as C xenstored keeps it in a hash
 * table keyed by name. Each node carries its value bytes, permission list, child names (in creation
 * order, which is what XS_DIRECTORY returns) and a generation number that changes whenever the
 * node, its permissions or its child list change (transactions and XS_DIRECTORY_PART rely on it).
 */
import { assert } from '../lib/errors.js';
import { SPECIAL_PATHS } from './path.js';
import { permOwner, XS_PERM_NONE, type XsPerm } from './perms.js';

/** Generation recorded for a node that did not exist when a transaction looked at it. */
export const NO_GENERATION = -1;

/** One node. Nodes are never mutated in place: a change stores a new object. */
export interface XsNode {
  readonly path: string;
  readonly value: Uint8Array;
  readonly perms: readonly XsPerm[];
  readonly children: readonly string[];
  readonly generation: number;
}

/** A node to store; the store assigns its generation. */
export type XsNodeInit = Omit<XsNode, 'generation'>;

/**
 * What node operations read and write: the store itself, or a transaction layered over it.
 * Operations written against this interface behave the same inside and outside transactions.
 */
export interface XsNodeView {
  get(path: string): XsNode | undefined;
  put(node: XsNodeInit): XsNode;
  remove(path: string): void;
  /** Nodes owned by `domid` as this view sees them (for the nodes quota). */
  ownedCount(domid: number): number;
}

/** The permissions every new store gives "/" and the special nodes: owned by dom0, nobody else. */
const DOM0_ONLY: readonly XsPerm[] = [{ perms: XS_PERM_NONE, domid: 0 }];
const EMPTY = new Uint8Array(0);

/** The global tree. */
export class XsStore implements XsNodeView {
  private readonly nodes = new Map<string, XsNode>();
  private readonly owned = new Map<number, number>();
  private generation = 0;

  /** A fresh store holding "/", "/tool/xenstored" (as C xenstored creates them) and the special nodes. */
  constructor() {
    this.put({ path: '/', value: EMPTY, perms: DOM0_ONLY, children: ['tool'] });
    this.put({ path: '/tool', value: EMPTY, perms: DOM0_ONLY, children: ['xenstored'] });
    this.put({ path: '/tool/xenstored', value: EMPTY, perms: DOM0_ONLY, children: [] });
    for (const p of SPECIAL_PATHS) this.put({ path: p, value: EMPTY, perms: DOM0_ONLY, children: [] });
  }

  /** Hands out the next generation number; transactions take theirs from the same counter. */
  nextGeneration(): number {
    return ++this.generation;
  }

  /** The last generation handed out (saved with the store). */
  get currentGeneration(): number {
    return this.generation;
  }

  get(path: string): XsNode | undefined {
    return this.nodes.get(path);
  }

  put(init: XsNodeInit): XsNode {
    return this.store({ ...init, generation: this.nextGeneration() });
  }

  remove(path: string): void {
    const old = this.nodes.get(path);
    if (old === undefined) return;
    this.nodes.delete(path);
    this.count(permOwner(old.perms), -1);
  }

  ownedCount(domid: number): number {
    return this.owned.get(domid) ?? 0;
  }

  /** Number of nodes, special nodes included. */
  get size(): number {
    return this.nodes.size;
  }

  /** Every node, parents before their children, then the special nodes (the order save() writes). */
  *walk(): Generator<XsNode> {
    const stack: string[] = ['/'];
    while (stack.length > 0) {
      const node = this.nodes.get(stack.pop()!);
      if (node === undefined) continue;
      yield node;
      for (let i = node.children.length - 1; i >= 0; i--) {
        stack.push(node.path === '/' ? `/${node.children[i]}` : `${node.path}/${node.children[i]}`);
      }
    }
    for (const p of SPECIAL_PATHS) yield this.nodes.get(p)!;
  }

  /** Replaces the whole content with `nodes` (generations kept) and sets the generation counter. */
  load(nodes: readonly XsNode[], generation: number): void {
    this.nodes.clear();
    this.owned.clear();
    for (const n of nodes) this.store(n);
    this.generation = generation;
    assert(this.nodes.has('/'), 'Loaded store has no root');
  }

  private store(node: XsNode): XsNode {
    const old = this.nodes.get(node.path);
    if (old !== undefined) this.count(permOwner(old.perms), -1);
    this.nodes.set(node.path, node);
    this.count(permOwner(node.perms), 1);
    return node;
  }

  private count(domid: number, delta: number): void {
    const n = (this.owned.get(domid) ?? 0) + delta;
    if (n === 0) this.owned.delete(domid);
    else this.owned.set(domid, n);
  }
}
