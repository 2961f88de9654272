/**
 * Physical page frames of the guest RAM buffer, handed out to address spaces. Guest memory lives only
 * in the RAM ArrayBuffer; this allocator only tracks which 4 KiB frames are in use.
 */
import type { CodeCache } from '../arch/arm64/code_cache.js';

export const PAGE_SIZE = 4096;

export class FrameAllocator {
  readonly ram: ArrayBuffer | SharedArrayBuffer;
  readonly ramU8: Uint8Array;
  readonly frameCount: number;
  /** Shared with every vCPU on this RAM; told when a frame holding translated code is reused. */
  readonly code: CodeCache;
  private next = 0;
  private readonly freeList: Int32Array;
  private freeTop = 0;

  /** `ramBytes` of `ram`, from its start, are guest RAM (the rest may hold JIT areas). */
  constructor(ram: ArrayBuffer | SharedArrayBuffer, ramBytes: number, code: CodeCache) {
    this.ram = ram;
    this.ramU8 = new Uint8Array(ram, 0, ramBytes);
    this.frameCount = Math.floor(ramBytes / PAGE_SIZE);
    this.freeList = new Int32Array(this.frameCount);
    this.code = code;
  }

  /** Frames currently allocated (tests, statistics). */
  get used(): number {
    return this.next - this.freeTop;
  }

  /** A zero-filled frame, or -1 when RAM is exhausted. */
  alloc(): number {
    let f: number;
    if (this.freeTop > 0) {
      f = this.freeList[--this.freeTop]!;
      this.ramU8.fill(0, f * PAGE_SIZE, (f + 1) * PAGE_SIZE);
    } else if (this.next < this.frameCount) {
      // Never used: still zero, as the ArrayBuffer was created zero-filled.
      f = this.next++;
    } else {
      return -1;
    }
    return f;
  }

  free(frame: number): void {
    // Translated code from this frame must not outlive it (blocks are keyed by RAM offset).
    if (this.code.codePage[frame] === 1) this.code.storeToCodePage(frame);
    this.freeList[this.freeTop++] = frame;
  }
}
