/**
 * Guest RAM as a shared WebAssembly.Memory, so code compiled to WebAssembly (`jit/`) loads and
 * stores guest memory directly.
 *
 * A wasm module reaches one memory (multi-memory is not in every engine we run on), so what compiled
 * code touches besides RAM lives in that memory too: after RAM, 64 KiB-aligned, one area per vCPU
 * holding its architectural state (`CpuState`) and its TLB arrays (`MemoryAccessor`). The bus says how
 * much of the buffer is RAM (`PhysicalBus.ramSize`), so no guest access, page-table walk or device
 * model reaches an area.
 */
import { STATE_LAYOUT } from '../state.js';

/** Entries in each TLB: 1024 per set, two sets (EL0, EL1). `MemoryAccessor` checks it. */
export const TLB_ARRAY_ENTRIES = 2048;
/** An entry is two f64s, its tag and its addend. */
const TLB_BYTES = TLB_ARRAY_ENTRIES * 16;

/** Byte offsets inside one vCPU's area. */
export const CPU_AREA = {
  state: 0,
  /** Read, write and fetch TLBs: each a Float64Array of entries as pairs (tag, addend). */
  rTlb: STATE_LAYOUT.size,
  wTlb: STATE_LAYOUT.size + TLB_BYTES,
  xTlb: STATE_LAYOUT.size + 2 * TLB_BYTES,
  /**
   * The jump cache compiled blocks chain through: JUMP_CACHE_ENTRIES pairs of i32, the RAM offset of
   * a block's first instruction (-1: empty) and its slot in the thread's function table.
   */
  jumpCache: STATE_LAYOUT.size + 3 * TLB_BYTES,
  size: 192 * 1024,
} as const;

/** Entries of a vCPU's jump cache, indexed by bits 2..13 of the RAM offset. */
export const JUMP_CACHE_ENTRIES = 4096;

/**
 * Where the JS side leaves, before a compiled block runs and after each instruction it interprets
 * for one, what inline TLB probes need; and where the block says how many instructions it retired.
 * Offsets in the vCPU's area (inside its state's scratch words).
 */
export const JIT_VARS = {
  /** f64: the current ASID's tag key (`MemoryAccessor.asidKey`). */
  asidKey: STATE_LAYOUT.jit,
  /** f64: byte offset of the current regime's TLB set in each array (`tlbBase * 8`). */
  tlbOffset: STATE_LAYOUT.jit + 8,
  /** u32: instructions the block retired (written at each return). */
  retired: STATE_LAYOUT.jit + 16,
} as const;

const WASM_PAGE = 65536;
/** Pages a wasm32 memory may have (4 GiB). */
const MAX_PAGES = 65536;

/** A guest RAM buffer that is a WebAssembly.Memory's, with vCPU areas after RAM. */
export interface JitMemory {
  readonly memory: WebAssembly.Memory;
  /** Byte offset of the first vCPU area. */
  readonly areasBase: number;
  /** How many vCPU areas follow RAM. */
  readonly areas: number;
}

/** Byte offset of vCPU area `i`, or null when the memory has no such area. */
export function jitAreaOffset(m: JitMemory, i: number): number | null {
  return Number.isInteger(i) && i >= 0 && i < m.areas ? m.areasBase + i * CPU_AREA.size : null;
}

/**
 * Allocates `ramBytes` of zeroed guest RAM followed by `areas` vCPU areas, as one shared
 * WebAssembly.Memory; null where the engine has no shared wasm memory or the whole exceeds 4 GiB
 * (the caller then uses a plain SharedArrayBuffer and its vCPUs interpret).
 */
export function allocateJitMemory(ramBytes: number, areas: number): JitMemory | null {
  if (typeof WebAssembly === 'undefined' || typeof WebAssembly.Memory !== 'function') return null;
  const areasBase = Math.ceil(ramBytes / WASM_PAGE) * WASM_PAGE;
  const pages = Math.ceil((areasBase + areas * CPU_AREA.size) / WASM_PAGE);
  if (pages > MAX_PAGES) return null;
  let memory: WebAssembly.Memory;
  try {
    memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  } catch (e) {
    // No shared memory here (a page without cross-origin isolation), or no address space for it.
    if (e instanceof RangeError || e instanceof TypeError) return null;
    throw e;
  }
  return { memory, areasBase, areas };
}
