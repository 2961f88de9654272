/** Guest images: fetch Debian's arm64 kernel and busybox, and build initramfs archives and root filesystem images. */
export { ensureGuestImages, pullGuestImages, DEBIAN_KEYRING } from './pull.js';
export type { GuestImages, PullOptions } from './pull.js';
export type { CommandIo } from './cli.js';
export { imagePullCommand, IMAGE_PULL_USAGE } from './cli.js';
export { imageRootfsCommand, IMAGE_ROOTFS_USAGE } from './rootfs_cli.js';
export { buildRootfsImage, DEFAULT_ROOTFS_BYTES, ROOTFS_PACKAGES } from './rootfs.js';
export type { RootfsOptions, RootfsResult } from './rootfs.js';
export { ROOT_INIT } from './root_init.js';
export { buildInitramfs, DEFAULT_INIT } from './initramfs.js';
export type { InitramfsOptions } from './initramfs.js';
export { defaultCacheDir } from './cache.js';
export type { ImageManifest } from './cache.js';
export { isArm64Image, kernelImageFromVmlinuz } from './kernel.js';
