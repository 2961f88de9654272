/**
 * An in-memory device tree that a board model builds and `fdtToBlob` serialises.
 *
 * Property values are encoded to big-endian bytes when they are set, so the tree holds exactly what
 * the blob will hold; phandle references are resolved at that moment too (the referenced node gets
 * a `phandle` property the first time it is referenced). Names follow the Devicetree Specification
 * v0.4, 2.2.1 (node names) and 2.2.4 (property names).
 */

/** A cell in a `setCells` list: a u32, or a node whose phandle is written in its place. */
export type FdtCell = number | FdtNode;

/** A 64-bit quantity. Numbers must be safe non-negative integers; bigints are taken modulo 2^64. */
export type FdtU64 = number | bigint;

/** One property, its value already encoded. */
export interface FdtProperty {
  readonly name: string;
  value: Uint8Array;
}

/** A memory reservation block entry (Devicetree Specification 5.3). */
export interface FdtReservation {
  readonly address: bigint;
  readonly size: bigint;
}

const NODE_NAME = /^[0-9A-Za-z,._+-]+(@[0-9A-Za-z,._+-]+)?$/;
const PROP_NAME = /^[0-9A-Za-z,._+?#-]+$/;
const U64_MASK = (1n << 64n) - 1n;

/** Convert a 64-bit input to bigint, rejecting values that cannot be one. */
export function toU64(value: FdtU64): bigint {
  if (typeof value === 'bigint') return value & U64_MASK;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`Cannot encode "${value}" as a 64-bit device tree value`);
  }
  return BigInt(value);
}

function checkU32(value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`Cannot encode "${value}" as a 32-bit device tree cell`);
  }
  return value;
}

/** Encode `value` into `cells` big-endian u32 cells (1 or 2 in practice; more cells zero-extend). */
export function encodeCells(value: FdtU64, cells: number): number[] {
  const v = toU64(value);
  if (cells < 1 || (cells < 2 && v > 0xffffffffn)) {
    throw new RangeError(`Cannot fit "${v}" in ${cells} device tree cell(s)`);
  }
  const out = new Array<number>(cells).fill(0);
  out[cells - 1] = Number(v & 0xffffffffn);
  if (cells >= 2) out[cells - 2] = Number(v >> 32n);
  return out;
}

function u32Bytes(cells: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(cells.length * 4);
  const view = new DataView(bytes.buffer);
  cells.forEach((c, i) => view.setUint32(i * 4, checkU32(c)));
  return bytes;
}

const utf8 = new TextEncoder();

function stringListBytes(values: readonly string[]): Uint8Array {
  const parts = values.map((s) => {
    if (s.includes('\0')) throw new RangeError(`Device tree string "${s}" contains a NUL`);
    return utf8.encode(s);
  });
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length + 1, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length + 1;
  }
  return out;
}

/** A node of the tree. Setters replace an existing property of the same name and return `this`. */
export class FdtNode {
  readonly name: string;
  readonly parent: FdtNode | undefined;
  readonly properties: FdtProperty[] = [];
  readonly children: FdtNode[] = [];
  #tree: FdtTree;
  #phandle = 0;

  /** Use `FdtTree.root` and `addNode` instead. */
  constructor(tree: FdtTree, name: string, parent: FdtNode | undefined) {
    this.#tree = tree;
    this.name = name;
    this.parent = parent;
  }

  /** Full path, e.g. "/cpus/cpu@0" (for error messages and `stdout-path`). */
  get path(): string {
    if (!this.parent) return '/';
    const up = this.parent.path;
    return up === '/' ? `/${this.name}` : `${up}/${this.name}`;
  }

  /** Add a child node; sibling names must be unique. */
  addNode(name: string): FdtNode {
    if (!NODE_NAME.test(name)) throw new RangeError(`Invalid device tree node name "${name}"`);
    if (this.child(name)) throw new RangeError(`Node "${this.path}" already has a child "${name}"`);
    const node = new FdtNode(this.#tree, name, this);
    this.children.push(node);
    return node;
  }

  /** The child named exactly `name`, if any. */
  child(name: string): FdtNode | undefined {
    return this.children.find((c) => c.name === name);
  }

  /** The property named `name`, if any. */
  property(name: string): FdtProperty | undefined {
    return this.properties.find((p) => p.name === name);
  }

  /** Set a property from raw bytes (the lowest-level setter). */
  setBytes(name: string, value: Uint8Array): this {
    if (!PROP_NAME.test(name)) throw new RangeError(`Invalid device tree property name "${name}"`);
    const existing = this.property(name);
    if (existing) existing.value = value.slice();
    else this.properties.push({ name, value: value.slice() });
    return this;
  }

  /** A property with no value, e.g. `interrupt-controller;`. */
  setEmpty(name: string): this {
    return this.setBytes(name, new Uint8Array(0));
  }

  /** One or more u32 cells. */
  setU32(name: string, ...values: number[]): this {
    return this.setBytes(name, u32Bytes(values));
  }

  /** One or more u64 values, each as two cells (high word first). */
  setU64(name: string, ...values: FdtU64[]): this {
    return this.setBytes(name, u32Bytes(values.flatMap((v) => encodeCells(v, 2))));
  }

  /** A list of cells where a node stands for its phandle, e.g. `clocks = <&apb_pclk>`. */
  setCells(name: string, cells: readonly FdtCell[]): this {
    return this.setBytes(name, u32Bytes(cells.map((c) => (typeof c === 'number' ? c : c.phandle()))));
  }

  /** A NUL-terminated string. */
  setString(name: string, value: string): this {
    return this.setBytes(name, stringListBytes([value]));
  }

  /** A string list, e.g. `compatible = "arm,pl011", "arm,primecell"`. */
  setStrings(name: string, values: readonly string[]): this {
    return this.setBytes(name, stringListBytes(values));
  }

  /**
   * `reg` (or another address/size list) encoded with the parent's `#address-cells` and
   * `#size-cells`, whose defaults are 2 and 1 (Devicetree Specification 2.3.5).
   */
  setReg(ranges: readonly (readonly [FdtU64, FdtU64])[], name = 'reg'): this {
    const parent = this.parent;
    if (!parent) throw new RangeError('The root node has no parent to take cell counts from');
    const ac = cellCount(parent, '#address-cells', 2);
    const sc = cellCount(parent, '#size-cells', 1);
    const cells = ranges.flatMap(([addr, size]) => [...encodeCells(addr, ac), ...(sc ? encodeCells(size, sc) : [])]);
    return this.setBytes(name, u32Bytes(cells));
  }

  /** This node's phandle, allocating one (and adding its `phandle` property) on first use. */
  phandle(): number {
    if (this.#phandle === 0) {
      this.#phandle = this.#tree.allocatePhandle();
      this.setU32('phandle', this.#phandle);
    }
    return this.#phandle;
  }
}

function cellCount(node: FdtNode, name: string, dflt: number): number {
  const p = node.property(name);
  if (!p) return dflt;
  if (p.value.length !== 4) throw new RangeError(`Property "${name}" of "${node.path}" is not one cell`);
  return new DataView(p.value.buffer, p.value.byteOffset).getUint32(0);
}

/** The whole tree plus the blob header's extra data. */
export class FdtTree {
  readonly root: FdtNode;
  readonly reservations: FdtReservation[] = [];
  /** `boot_cpuid_phys`: the physical id (MPIDR affinity) of the boot CPU. */
  bootCpuidPhys = 0;
  #nextPhandle = 1;

  constructor(opts: { bootCpuidPhys?: number } = {}) {
    this.root = new FdtNode(this, '', undefined);
    this.bootCpuidPhys = checkU32(opts.bootCpuidPhys ?? 0);
  }

  /** Add a `/memreserve/` entry. */
  addReservation(address: FdtU64, size: FdtU64): this {
    this.reservations.push({ address: toU64(address), size: toU64(size) });
    return this;
  }

  /** The node at an absolute path such as "/cpus/cpu@0", if present. */
  node(path: string): FdtNode | undefined {
    let n: FdtNode | undefined = this.root;
    for (const part of path.split('/').filter((s) => s !== '')) n = n?.child(part);
    return n;
  }

  /** Hand out the next phandle; 0 and 0xffffffff are invalid (Devicetree Specification 2.3.3). */
  allocatePhandle(): number {
    return this.#nextPhandle++;
  }
}
