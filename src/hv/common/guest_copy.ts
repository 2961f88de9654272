/**
 * copy_from_guest / copy_to_guest: hypercall arguments live at guest virtual addresses of the
 * calling context, which the hypervisor walks through the guest's own stage-1 tables and then its
 * stage 2 (xen/arch/arm/guestcopy.c). Every page is translated on its own: a buffer may cross pages
 * that are not contiguous in guest-physical memory, and any page that does not translate to this
 * domain's RAM fails the whole copy (-EFAULT to the guest), so nothing outside the domain is reached.
 */
import { XEN_PAGE_SIZE } from '../../abi/xen.js';
import { HOST_PA_BASE, type GuestPhysMemory } from './memory/p2m.js';

/** Translates a guest VA for a data access: a host physical address, or null on any fault. */
export type VaTranslator = (va: number, write: boolean) => number | null;

/** Largest single copy a hypercall may ask for (bounds every guest-supplied length). */
export const MAX_GUEST_COPY_BYTES = 1 << 20;

export class GuestCopy {
  constructor(private readonly mem: GuestPhysMemory, private readonly translate: VaTranslator) {}

  /** Host byte offset of the guest page holding `va` (for `len` bytes not crossing it), or -1. */
  private hostOffset(va: number, len: number, write: boolean): number {
    const pa = this.translate(va, write);
    if (pa === null) return -1;
    const off = pa - HOST_PA_BASE;
    if (off < 0 || off + len > this.mem.size) return -1;
    return off;
  }

  /** Copies `len` bytes at guest VA `va` into a new array, or null when any byte is unreachable. */
  read(va: number, len: number): Uint8Array | null {
    if (!isGuestVa(va) || !Number.isInteger(len) || len < 0 || len > MAX_GUEST_COPY_BYTES) return null;
    const out = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const cur = va + done;
      const n = Math.min(len - done, XEN_PAGE_SIZE - (cur % XEN_PAGE_SIZE));
      const off = this.hostOffset(cur, n, false);
      if (off < 0) return null;
      out.set(this.mem.u8.subarray(off, off + n), done);
      done += n;
    }
    return out;
  }

  /** Copies `bytes` to guest VA `va`; false (and possibly a partial write, as in Xen) when a page is unreachable. */
  write(va: number, bytes: Uint8Array): boolean {
    if (!isGuestVa(va) || bytes.byteLength > MAX_GUEST_COPY_BYTES) return false;
    let done = 0;
    while (done < bytes.byteLength) {
      const cur = va + done;
      const n = Math.min(bytes.byteLength - done, XEN_PAGE_SIZE - (cur % XEN_PAGE_SIZE));
      const off = this.hostOffset(cur, n, true);
      if (off < 0) return false;
      this.mem.u8.set(bytes.subarray(done, done + n), off);
      this.mem.markDirty(off, n);
      done += n;
    }
    return true;
  }

  /** Reads a struct of `size` bytes as a DataView over a private copy, or null. */
  readStruct(va: number, size: number): DataView | null {
    const b = this.read(va, size);
    return b === null ? null : new DataView(b.buffer);
  }

  /** Writes a struct back from a DataView (as produced by readStruct). */
  writeStruct(va: number, dv: DataView): boolean {
    return this.write(va, new Uint8Array(dv.buffer, dv.byteOffset, dv.byteLength));
  }

  /** Reads a NUL-free string of at most `max` bytes (Latin-1). */
  readString(va: number, len: number): string | null {
    const b = this.read(va, len);
    return b === null ? null : String.fromCharCode(...b);
  }
}

/**
 * Guest VAs arrive as sign-extended 64-bit register values (vaOf). Canonical ones are exact; any
 * other integer simply fails translation, so only non-integers (a bug) are refused here.
 */
function isGuestVa(va: number): boolean {
  return Number.isInteger(va);
}

/** A 64-bit register value as the sign-extended number the CPU uses for virtual addresses. */
export function vaOf(reg: bigint): number {
  return Number(BigInt.asIntN(64, reg));
}
