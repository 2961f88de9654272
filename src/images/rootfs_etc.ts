/**
 * The configuration files of Xenon's root filesystem (`xenon image rootfs`): busybox init's
 * /etc/inittab (examples/inittab in busybox's sources), the boot and shutdown scripts it runs,
 * /etc/fstab, and the files Debian's installer would otherwise write (hostname, hosts, passwd,
 * group, shadow: the first entries of base-passwd's masters).
 */

/** busybox init's table: mount the kernel's file systems, run rcS, a root shell on the Xen PV console. */
export const INITTAB = `# /etc/inittab: busybox init(8). Format: id:runlevels(ignored):action:process
::sysinit:/bin/mount -t proc proc /proc
::sysinit:/bin/mount -t sysfs sysfs /sys
::sysinit:/bin/mount -t devtmpfs devtmpfs /dev
::sysinit:/etc/init.d/rcS
# A root shell on the Xen PV console (hvc0). For a login prompt instead, set root's password
# (passwd) and use:  hvc0::respawn:/sbin/getty -L 0 hvc0 vt100
hvc0::respawn:-/bin/sh
::ctrlaltdel:/sbin/reboot
::shutdown:/etc/init.d/rcK
::shutdown:/bin/umount -a -r
::restart:/sbin/init
`;

/** Run once at boot after the sysinit mounts: the rest of fstab, hostname, loopback, modules, then each /etc/init.d/S?? script. */
export const RC_S = `#!/bin/sh
# /etc/init.d/rcS: run once by busybox init at boot (/etc/inittab), after /proc, /sys and /dev.
PATH=/sbin:/bin:/usr/sbin:/usr/bin
export PATH
mount -o remount,rw /
mkdir -p /dev/pts /dev/shm
# Everything else in /etc/fstab (mount -a skips what is already mounted).
mount -a
mkdir -p /run/lock
hostname -F /etc/hostname
ip link set lo up
# Modules named in /etc/modules, one per line with optional parameters.
sed 's/#.*//' /etc/modules | while read -r m args; do
  [ -n "$m" ] && modprobe "$m" $args
done
# Services: /etc/init.d/S<NN><name>, started in order with "start" (rcK stops them).
for s in /etc/init.d/S??*; do
  [ -x "$s" ] && "$s" start
done
exit 0
`;

/** Run at shutdown before the file systems are unmounted: each /etc/init.d/S?? script, in reverse, with "stop". */
export const RC_K = `#!/bin/sh
# /etc/init.d/rcK: run by busybox init at shutdown (/etc/inittab), before umount -a -r.
for s in $(ls -r /etc/init.d/S??* 2>/dev/null); do
  [ -x "$s" ] && "$s" stop
done
exit 0
`;

/** /etc/fstab with the root file system on `rootDevice`. */
export function fstab(rootDevice: string): string {
  return `# /etc/fstab: static file system information (fstab(5)).
# <file system> <mount point> <type> <options> <dump> <pass>
${rootDevice} / ext4 defaults,errors=remount-ro 0 1
proc /proc proc defaults 0 0
sysfs /sys sysfs defaults 0 0
devpts /dev/pts devpts gid=5,mode=620 0 0
tmpfs /run tmpfs nosuid,nodev,mode=755 0 0
`;
}

/** /etc/hosts as Debian's installer writes it. */
export function hosts(hostname: string): string {
  return `127.0.0.1\tlocalhost\n127.0.1.1\t${hostname}\n\n::1\tlocalhost ip6-localhost ip6-loopback\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n`;
}

/** The system users of base-passwd's master file that a busybox system has use for. */
export const PASSWD = `root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
bin:x:2:2:bin:/bin:/bin/false
sys:x:3:3:sys:/dev:/bin/false
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
`;

/** Debian's fixed groups, so the ids in the packages (staff for /var/local) have names. */
export const GROUP = `root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
tty:x:5:
disk:x:6:
shadow:x:42:
staff:x:50:
users:x:100:
nogroup:x:65534:
`;

/** Group id of "shadow", which owns /etc/shadow. */
export const SHADOW_GID = 42;

/** Every password locked ("*"): the console shell needs none; `passwd` sets one for a getty. */
export const SHADOW = `root:*:19000:0:99999:7:::
daemon:*:19000:0:99999:7:::
bin:*:19000:0:99999:7:::
sys:*:19000:0:99999:7:::
nobody:*:19000:0:99999:7:::
`;

/** An /etc/modules with nothing to load, saying how to add a module. */
export const MODULES = `# /etc/modules: kernel modules to load at boot (rcS runs modprobe for each line).
# The initramfs has already loaded xen-blkfront and ext4; e.g. for a network interface:
# xen_netfront
`;
