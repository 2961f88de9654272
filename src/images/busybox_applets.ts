/**
 * Busybox's applets and where `busybox --install` puts them, read from the binary itself (it is
 * an arm64 program, and the host need not run one). Busybox's build generates two tables into
 * include/applet_tables.h (applets/applet_tables.c): `applet_names`, the sorted names as one
 * string of NUL-terminated names ending with an empty one, and `applet_install_loc`, one nibble
 * per applet (low nibble first) indexing libbb/appletlib.c's install_dir: 0 "/", 1 "/bin/",
 * 2 "/sbin/", 3 "/usr/bin/", 4 "/usr/sbin/". Both sit in .rodata; the names start with "[" and
 * "[[" (the test applets), and the location table is found as the one run of bytes whose nibbles
 * are all valid for those names.
 */
import { imageBuildError } from './errors.js';

/** An applet and the directory `busybox --install` links it into ("bin", "usr/sbin", or "" for "/"). */
export interface BusyboxApplet {
  readonly name: string;
  readonly dir: string;
}

const INSTALL_DIRS = ['', 'bin', 'sbin', 'usr/bin', 'usr/sbin'] as const;
const NAMES_START = new Uint8Array([0x5b, 0, 0x5b, 0x5b, 0]); // "[\0[[\0"
/** Applets in "/" (BB_DIR_ROOT); every other applet must have a directory. */
const ROOT_APPLETS = new Set(['linuxrc']);

function findBytes(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  for (let i = hay.indexOf(needle[0]!, from); i >= 0 && i + needle.length <= hay.length; i = hay.indexOf(needle[0]!, i + 1)) {
    let k = 1;
    while (k < needle.length && hay[i + k] === needle[k]) k++;
    if (k === needle.length) return i;
  }
  return -1;
}

function readNames(bin: Uint8Array, start: number): string[] {
  const names: string[] = [];
  const latin1 = new TextDecoder('latin1');
  for (let at = start; at < bin.length && bin[at] !== 0; ) {
    const end = bin.indexOf(0, at);
    if (end < 0) break;
    const name = latin1.decode(bin.subarray(at, end));
    if (!/^[\x21-\x7e]{1,64}$/.test(name) || name.includes('/')) break;
    names.push(name);
    at = end + 1;
  }
  return names;
}

/** True when the bytes at `at` are a valid location table for `names`. */
function locationTableAt(bin: Uint8Array, at: number, names: readonly string[]): boolean {
  for (let i = 0; i < names.length; i++) {
    const loc = (bin[at + (i >> 1)]! >> ((i & 1) * 4)) & 0xf;
    if (loc >= INSTALL_DIRS.length || (loc === 0) !== ROOT_APPLETS.has(names[i]!)) return false;
  }
  return names.length % 2 === 0 || bin[at + (names.length >> 1)]! >> 4 === 0;
}

/**
 * The applets of a busybox binary in the order `busybox --list-full` prints them. `what` names
 * the binary in errors; a binary whose tables cannot be found (not busybox, or one built without
 * the installer) is refused.
 */
export function busyboxApplets(bin: Uint8Array, what: string): BusyboxApplet[] {
  const start = findBytes(bin, NAMES_START);
  const names = start < 0 ? [] : readNames(bin, start);
  if (names.length < 2) throw imageBuildError(`Cannot find the applet names in "${what}": is it busybox?`);
  const tableBytes = (names.length + 1) >> 1;
  const found: number[] = [];
  for (let at = 0; at + tableBytes <= bin.length && found.length < 2; at++) {
    if (locationTableAt(bin, at, names)) found.push(at);
  }
  if (found.length !== 1) {
    throw imageBuildError(`Cannot find busybox's applet install locations in "${what}" (${found.length === 0 ? 'none' : 'more than one'} found)`);
  }
  const table = found[0]!;
  return names.map((name, i) => ({ name, dir: INSTALL_DIRS[(bin[table + (i >> 1)]! >> ((i & 1) * 4)) & 0xf]! }));
}
