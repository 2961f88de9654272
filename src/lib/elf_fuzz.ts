/**
 * Fuzz target for the ELF reader (docs/FUZZING.md): the bytes are parsed as a user program and as a
 * kernel ELF. Only `BadExecutableError` may escape; anything else, or a result that points outside
 * the file, is a bug.
 */
import { BadExecutableError, parseElf, PT_LOAD } from './elf.js';
import { BugIndicatingError } from './errors.js';

/** Parse `bytes` both ways `parseElf` is used. Throws only on a bug. */
export function fuzzElf(bytes: Uint8Array): void {
  for (const kernel of [false, true]) {
    try {
      const elf = parseElf(bytes, 'fuzz.elf', { kernel });
      for (const s of elf.loads) {
        if (s.type !== PT_LOAD || s.fileOffset + s.fileSize > bytes.length || s.fileSize > s.memSize) {
          throw new BugIndicatingError('parseElf accepted a loadable segment outside the file');
        }
      }
    } catch (e) {
      if (!(e instanceof BadExecutableError)) throw e;
    }
  }
}
