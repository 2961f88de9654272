/**
 * The initramfs for a root filesystem on a disk (`xenon image rootfs`): its /init loads the Xen
 * block front end and ext4 from the kernel package, waits for the device named by `root=` on the
 * kernel command line, mounts it and hands over to its init with busybox's switch_root, as
 * Debian's initramfs-tools does with `root=`, `rootfstype=`, `rootflags=`, `ro`/`rw` and `init=`.
 */
import { buildInitramfs } from './initramfs.js';

/** Seconds the /init waits for the root device unless `rootdelay=` says otherwise. */
export const ROOT_WAIT_SECONDS = 30;

/**
 * The /init. Without `root=` it is the busybox shell of the default initramfs; when the root
 * cannot be found or mounted it says why and starts a shell (PID 1 must not exit). `rootdelay=N`
 * is the longest wait for the device (Linux waits that long before mounting; here the mount comes
 * as soon as the device is there). /proc, /sys and /dev are unmounted for the new init to mount
 * (devtmpfs cannot be mounted twice on one directory, so it is not moved into the new root; the
 * lazy unmount keeps the console open as init's stdin, stdout and stderr).
 */
export const ROOT_INIT = `#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
/bin/busybox --install -s
rescue() {
  echo "Xenon: $1; starting a shell"
  while true; do setsid cttyhack /bin/sh; done
}
root= fstype=ext4 flags= mode=ro init=/sbin/init wait=${ROOT_WAIT_SECONDS}
for arg in $(cat /proc/cmdline); do
  case "$arg" in
    root=*) root=\${arg#root=} ;;
    rootfstype=*) fstype=\${arg#rootfstype=} ;;
    rootflags=*) flags=\${arg#rootflags=} ;;
    rootdelay=*) wait=\${arg#rootdelay=} ;;
    init=*) init=\${arg#init=} ;;
    ro) mode=ro ;;
    rw) mode=rw ;;
  esac
done
[ -n "$root" ] || rescue "no root= on the kernel command line"
for m in $(cat /lib/modules/xenon.order); do insmod "$m" || echo "Xenon: cannot load $m"; done
i=0
while :; do
  case "$root" in
    UUID=*|LABEL=*) dev=$(findfs "$root" 2>/dev/null) ;;
    *) dev=$root ;;
  esac
  [ -n "$dev" ] && [ -b "$dev" ] && break
  [ $i -ge $((wait * 10)) ] && rescue "the root device $root did not appear in $wait s"
  sleep 0.1
  i=$((i + 1))
done
mkdir -p /newroot
mount -t "$fstype" -o "$mode\${flags:+,$flags}" "$dev" /newroot || rescue "cannot mount $root ($fstype)"
[ -x "/newroot$init" ] || rescue "$init is not an executable on $root"
echo "Xenon: root $root ($dev, $fstype, $mode) mounted; starting $init"
umount /proc /sys
umount -l /dev
exec switch_root /newroot "$init"
`;

/** The root-on-disk initramfs: busybox, `ROOT_INIT`, and `modules` (package paths, load order). */
export function buildRootInitramfs(
  busybox: Uint8Array,
  modules: readonly { readonly path: string; readonly data: Uint8Array }[],
): Uint8Array {
  return buildInitramfs({ busybox, modules, initScript: ROOT_INIT });
}
