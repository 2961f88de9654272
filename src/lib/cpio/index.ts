/** cpio "newc" archives, for building initramfs images. Core code: imports nothing from Node. */
export { CpioWriter, cpioPath, S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG } from './newc.js';
export type { CpioMeta } from './newc.js';
