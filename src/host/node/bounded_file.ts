/**
 * Reading a file the user named (a kernel, an initrd, an xl.cfg) into memory, bounded before any
 * memory is committed: a directory, a device (`/dev/zero` never ends) or a file larger than where
 * it goes gets one clear message instead of an endless read or Node's own limit.
 */
import * as fs from 'node:fs';
import { XenonError } from '../../lib/errors.js';

/** Node's readFileSync refuses files of 2 GiB and more (ERR_FS_FILE_TOO_LARGE). */
const NODE_MAX_READ = 2 ** 31 - 1;

/** The bytes of regular file `file`, at most `maxBytes` (`limitWhy` says where that bound comes from). */
export function readBoundedFile(file: string, what: string, maxBytes: number, limitWhy = ''): Uint8Array {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'ENOTDIR' ? 'a part of the path is not a directory' : String(code);
    throw new XenonError('FILE_NOT_FOUND', `Cannot read ${what} "${file}": ${reason}`, { cause: e });
  }
  if (st.isDirectory()) throw new XenonError('FILE_NOT_FOUND', `Cannot read ${what} "${file}": it is a directory`);
  if (!st.isFile()) throw new XenonError('FILE_NOT_FOUND', `Cannot read ${what} "${file}": not a regular file`);
  if (st.size > maxBytes) {
    throw new XenonError('FILE_NOT_FOUND', `Cannot use ${what} "${file}": ${st.size} bytes, more than the ${maxBytes}${limitWhy === '' ? '' : ` ${limitWhy}`}`);
  }
  if (st.size > NODE_MAX_READ) throw new XenonError('FILE_NOT_FOUND', `Cannot use ${what} "${file}": ${st.size} bytes; files of 2 GiB and more cannot be read in one piece`);
  try {
    return fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new XenonError('FILE_NOT_FOUND', `Cannot read ${what} "${file}": ${code === 'EACCES' ? 'permission denied' : code ?? String(e)}`, { cause: e });
  }
}
