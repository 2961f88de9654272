/** Guest images: fetch Debian's arm64 kernel and busybox, and build initramfs archives. */
export { ensureGuestImages, pullGuestImages, DEBIAN_KEYRING } from './pull.js';
export type { GuestImages, PullOptions } from './pull.js';
export type { CommandIo } from './cli.js';
export { imagePullCommand, IMAGE_PULL_USAGE } from './cli.js';
export { buildInitramfs, DEFAULT_INIT } from './initramfs.js';
export type { InitramfsOptions } from './initramfs.js';
export { defaultCacheDir } from './cache.js';
export type { ImageManifest } from './cache.js';
export { isArm64Image, kernelImageFromVmlinuz } from './kernel.js';
