/**
 * Fuzz target for kernel placement (docs/FUZZING.md): the bytes are a `-kernel` file (arm64 Image
 * header, ELF or raw) placed and laid out in a 256 MiB virt RAM. Only a `XenonError` with code
 * BAD_EXECUTABLE may escape; anything else, or a layout outside RAM, is a bug.
 */
import { BugIndicatingError, XenonError } from '../../lib/errors.js';
import { planBootLayout } from './kernel_image.js';

const RAM_BASE = 0x4000_0000;
const RAM_BYTES = 256 << 20;

/** Place `bytes` as a kernel with an initrd and a DTB. Throws only on a bug. */
export function fuzzKernelImage(bytes: Uint8Array): void {
  try {
    const layout = planBootLayout({ kernel: bytes, initrdBytes: 4096, dtbBytes: 8192, ramBase: RAM_BASE, ramBytes: RAM_BYTES });
    const end = RAM_BASE + RAM_BYTES;
    for (const s of layout.kernel.segments) {
      if (s.bytes.length > s.memBytes || (layout.kernel.format === 'elf' && (s.pa < RAM_BASE || s.pa + s.memBytes > end))) {
        throw new BugIndicatingError('planBootLayout placed a kernel segment outside RAM');
      }
    }
    if (layout.dtbPa < RAM_BASE || layout.dtbPa + 8192 > end) throw new BugIndicatingError('planBootLayout placed the DTB outside RAM');
  } catch (e) {
    if (!(e instanceof XenonError && e.code === 'BAD_EXECUTABLE')) throw e;
  }
}
