/**
 * Pieces of busybox /init scripts shared by the tests that boot Debian's kernel as a Xen domU.
 */

/**
 * Mounts /proc and /sys and installs busybox's applets. The kernel runs /sbin/poweroff and
 * /sbin/reboot for a toolstack's shutdown request (orderly_poweroff); with a shell script as PID 1
 * they must act at once, so they become the forcing variants.
 */
export const DOMU_INIT_PROLOGUE = `#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox --install -s
rm -f /sbin/poweroff /sbin/reboot
printf '#!/bin/sh\\nexec /bin/busybox poweroff -f\\n' > /sbin/poweroff
printf '#!/bin/sh\\nexec /bin/busybox reboot -f\\n' > /sbin/reboot
chmod +x /sbin/poweroff /sbin/reboot
`;
