/**
 * Test data copied from the Xen oracle run (/work/shared/xen-oracle): the two guest configurations and the
 * "config" part of `xl list -l` for domU-dev as Xen 4.17.7 on arm64 printed it. Tests compare these with the
 * originals when the oracle directory is present, so the copies cannot drift.
 */

/** guest/domU-min.cfg */
export const DOMU_MIN_CFG = `# Minimal domU: no disk, no network. Same Debian kernel as dom0, busybox initramfs.
name    = "domU-min"
type    = "pvh"
kernel  = "/boot/vmlinuz-domU"
ramdisk = "/boot/domU-initrd.gz"
extra   = "console=hvc0 rdinit=/init"
memory  = 256
vcpus   = 1
on_crash = "preserve"
`;

/** guest/domU-dev.cfg */
export const DOMU_DEV_CFG = `# domU with a raw-file disk (loop-backed, xen-blkback) and a bridged vif (xen-netback).
name    = "domU-dev"
type    = "pvh"
kernel  = "/boot/vmlinuz-domU"
ramdisk = "/boot/domU-initrd.gz"
extra   = "console=hvc0 rdinit=/init"
memory  = 256
vcpus   = 1
on_crash = "preserve"
# acpi = 0 must be explicit: without it \`xl mem-set\` aborts (libxl_defbool_val assertion, see README)
acpi    = 0
disk    = [ 'format=raw, vdev=xvda, access=rw, target=/var/lib/xen/disk.img' ]
vif     = [ 'mac=00:16:3e:00:00:02,bridge=xenbr0' ]
`;

/** outputs/auto-run/dev-xl-list-l.json, entry for domid 2, "config". */
export const DOMU_DEV_LIST_L_CONFIG: unknown = {
  'c_info': {
    'type': 'pvh',
    'name': 'domU-dev',
    'domid': 4294967295,
    'uuid': 'a58e0f59-0bf2-4e7f-8d70-d6152391f3b9',
    'run_hotplug_scripts': 'True'
  },
  'b_info': {
    'max_vcpus': 1,
    'avail_vcpus': [
      0
    ],
    'max_memkb': 262144,
    'target_memkb': 262144,
    'video_memkb': 0,
    'sched_params': {
      'sched': 'credit2',
      'weight': 256,
      'cap': 0
    },
    'claim_mode': 'True',
    'kernel': '/boot/vmlinuz-domU',
    'cmdline': 'console=hvc0 rdinit=/init',
    'ramdisk': '/boot/domU-initrd.gz',
    'acpi': 'False',
    'type.pvh': {},
    'arch_arm': {},
    'arch_x86': {}
  },
  'disks': [
    {
      'pdev_path': '/var/lib/xen/disk.img',
      'vdev': 'xvda',
      'format': 'raw',
      'readwrite': 1,
      'colo_restore_enable': 'False'
    }
  ],
  'nics': [
    {
      'devid': 0,
      'mac': '00:16:3e:00:00:02',
      'bridge': 'xenbr0',
      'nictype': 'vif'
    }
  ],
  'on_reboot': 'restart',
  'on_crash': 'preserve',
  'on_soft_reset': 'soft_reset'
};
