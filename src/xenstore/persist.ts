/**
 * The saved-store image: a magic, a version number, then the nodes (parents first), the
 * generation counter, the quotas and each introduced domain's target and watches. All integers
 * are little-endian u32; strings and values are u32-length-prefixed bytes. decodeImage() checks
 * everything, so a corrupt image is refused whole instead of half-loaded.
 */
import { XsImageError } from './errors.js';
import { canonicalize, childPath, SPECIAL_PATHS } from './path.js';
import type { XsPerm } from './perms.js';
import type { XsQuotas } from './quota.js';
import type { XsNode } from './store.js';
import type { XsWatch } from './watch.js';
import { bytesToLatin1, latin1ToBytes } from './wire.js';

/** "XNXS": Xenon xenstore. */
export const XS_IMAGE_MAGIC = 0x53584e58;
/** Bump when the layout changes; decodeImage refuses any other value. */
export const XS_IMAGE_VERSION = 1;

const NO_TARGET = 0xffffffff;
const QUOTA_KEYS: readonly (keyof XsQuotas)[] = ['nodes', 'watches', 'transactions', 'transactionNodes', 'nodePermissions', 'pathMax', 'nodeSize'];

/** One introduced domain's connection state. */
export interface XsImageDomain {
  readonly domid: number;
  readonly target: number | undefined;
  readonly watches: readonly XsWatch[];
}

/** Everything an image holds. */
export interface XsImage {
  readonly generation: number;
  readonly nodes: readonly XsNode[];
  readonly quotas: XsQuotas;
  readonly domains: readonly XsImageDomain[];
}

class Writer {
  private parts: number[] = [];
  u32(v: number): void {
    this.parts.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  }
  u53(v: number): void {
    this.u32(v % 0x1_0000_0000);
    this.u32(Math.floor(v / 0x1_0000_0000));
  }
  bytes(b: Uint8Array): void {
    this.u32(b.length);
    for (const x of b) this.parts.push(x);
  }
  str(s: string): void {
    this.bytes(latin1ToBytes(s));
  }
  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

class Reader {
  private off = 0;
  constructor(private readonly b: Uint8Array) {}
  u32(): number {
    if (this.off + 4 > this.b.length) throw new XsImageError(`Cannot restore xenstore image: truncated at byte ${this.off}`);
    const b = this.b;
    const v = (b[this.off]! | (b[this.off + 1]! << 8) | (b[this.off + 2]! << 16) | (b[this.off + 3]! << 24)) >>> 0;
    this.off += 4;
    return v;
  }
  u53(): number {
    return this.u32() + this.u32() * 0x1_0000_0000;
  }
  bytes(): Uint8Array {
    const n = this.u32();
    if (this.off + n > this.b.length) throw new XsImageError(`Cannot restore xenstore image: truncated at byte ${this.off}`);
    const out = this.b.slice(this.off, this.off + n);
    this.off += n;
    return out;
  }
  str(): string {
    return bytesToLatin1(this.bytes());
  }
  /** A count that cannot exceed what the remaining bytes could hold, so garbage cannot make us allocate wildly. */
  count(minItemBytes: number): number {
    const n = this.u32();
    if (n * minItemBytes > this.b.length - this.off) throw new XsImageError(`Cannot restore xenstore image: count ${n} at byte ${this.off - 4} exceeds the data`);
    return n;
  }
  get done(): boolean {
    return this.off === this.b.length;
  }
}

/** Serialises an image. */
export function encodeImage(image: XsImage): Uint8Array {
  const w = new Writer();
  w.u32(XS_IMAGE_MAGIC);
  w.u32(XS_IMAGE_VERSION);
  w.u53(image.generation);
  for (const k of QUOTA_KEYS) w.u32(image.quotas[k]);
  w.u32(image.nodes.length);
  for (const n of image.nodes) {
    w.str(n.path);
    w.bytes(n.value);
    w.u53(n.generation);
    w.u32(n.perms.length);
    for (const p of n.perms) {
      w.u32(p.perms);
      w.u32(p.domid);
    }
    w.u32(n.children.length);
    for (const c of n.children) w.str(c);
  }
  w.u32(image.domains.length);
  for (const d of image.domains) {
    w.u32(d.domid);
    w.u32(d.target ?? NO_TARGET);
    w.u32(d.watches.length);
    for (const watch of d.watches) {
      w.str(watch.path);
      w.str(watch.token);
      w.u32(watch.prefixLen);
    }
  }
  return w.finish();
}

function fail(what: string): never {
  throw new XsImageError(`Cannot restore xenstore image: ${what}`);
}

function readNode(r: Reader): XsNode {
  const path = r.str();
  if (canonicalize(path, { domid: 0, pathMax: 0, allowSpecial: true })?.path !== path) fail(`invalid node path "${path.slice(0, 64)}"`);
  const value = r.bytes();
  const generation = r.u53();
  const perms: XsPerm[] = [];
  for (let i = r.count(8); i > 0; i--) {
    const p = r.u32();
    const domid = r.u32();
    if (p > 3 || domid > 0xffff) fail(`bad permission on "${path}"`);
    perms.push({ perms: p, domid });
  }
  if (perms.length === 0) fail(`node "${path}" has no permissions`);
  const children: string[] = [];
  for (let i = r.count(4); i > 0; i--) children.push(r.str());
  return { path, value, generation, perms, children };
}

/** Every node must be reachable from "/" exactly once, and every listed child must exist. */
function checkTree(nodes: readonly XsNode[]): void {
  const byPath = new Map(nodes.map((n) => [n.path, n]));
  if (byPath.size !== nodes.length) fail('duplicate node');
  if (!byPath.has('/')) fail('no root node');
  for (const s of SPECIAL_PATHS) if (!byPath.has(s)) fail(`no special node "${s}"`);
  const seen = new Set<string>(['/', ...SPECIAL_PATHS]);
  for (const n of nodes) {
    for (const c of n.children) {
      const p = childPath(n.path, c);
      if (c.length === 0 || c.includes('/') || !byPath.has(p) || seen.has(p)) fail(`bad child "${c}" of "${n.path}"`);
      seen.add(p);
    }
  }
  if (seen.size !== nodes.length) fail('node not reachable from "/"');
}

/** Parses and checks an image; throws XsImageError naming the first problem. */
export function decodeImage(bytes: Uint8Array): XsImage {
  const r = new Reader(bytes);
  if (r.u32() !== XS_IMAGE_MAGIC) fail('not a xenstore image (bad magic)');
  const version = r.u32();
  if (version !== XS_IMAGE_VERSION) fail(`unsupported version ${version} (this build reads version ${XS_IMAGE_VERSION})`);
  const generation = r.u53();
  const quotas = Object.fromEntries(QUOTA_KEYS.map((k) => [k, r.u32()])) as unknown as XsQuotas;
  const nodes: XsNode[] = [];
  for (let i = r.count(24); i > 0; i--) nodes.push(readNode(r));
  checkTree(nodes);
  const domains: XsImageDomain[] = [];
  for (let i = r.count(12); i > 0; i--) {
    const domid = r.u32();
    const target = r.u32();
    const watches: XsWatch[] = [];
    for (let j = r.count(12); j > 0; j--) {
      const watch = { path: r.str(), token: r.str(), prefixLen: r.u32() };
      if (watch.prefixLen > watch.path.length) fail(`bad watch "${watch.path.slice(0, 64)}"`);
      watches.push(watch);
    }
    if (domid > 0xffff || (target !== NO_TARGET && target > 0xffff)) fail(`bad domain ${domid}`);
    domains.push({ domid, target: target === NO_TARGET ? undefined : target, watches });
  }
  if (!r.done) fail('trailing bytes');
  return { generation, nodes, quotas, domains };
}
