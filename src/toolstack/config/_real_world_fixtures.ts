/**
 * Test data: xl.cfg files of the kinds people really write, authored for Xenon (none is copied from anywhere).
 * They follow the shapes of the examples in Xen's documentation (xl.cfg(5), xl-disk-configuration(5),
 * xl-network-configuration(5), tools/examples/xlexample.*), of Debian and Xen wiki guest files, of files that
 * xen-tools generates (its xm.tmpl and xl.tmpl layouts), of Arm guests, and of old xm files converted for xl.
 * Each good file comes with what it must parse to; each bad one with the exact message Xenon must refuse it with.
 * real_world.test.ts runs them; a fixture's source name is `<name>.cfg`.
 */
import type { CpuList, CpuListTerm } from './cpu_list.js';
import type { DiskSpec } from './disk_spec.js';
import type { DomainConfig, VcpuAffinity } from './domain_config.js';
import type { NicSpec } from './nic_spec.js';

type Defaulted<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>;

/**
 * The configuration without disks and nics. Left out: `uuid` is the one the all-zero random source makes,
 * `maxMemoryMiB` and `maxVcpus` equal `memoryMiB` and `vcpus`, the actions and `gicVersion` are xl's defaults.
 * Optional fields left out must be absent.
 */
export type ExpectedConfig = Defaulted<
  Omit<DomainConfig, 'disks' | 'nics'>,
  'uuid' | 'maxMemoryMiB' | 'maxVcpus' | 'onPoweroff' | 'onReboot' | 'onWatchdog' | 'onCrash' | 'onSoftReset' | 'gicVersion'
>;
/** A disk; left out: raw format, read-write, not a cdrom (`removable` follows `isCdrom`), not direct-io-safe. */
export type ExpectedDisk = Defaulted<DiskSpec, 'format' | 'readwrite' | 'isCdrom' | 'removable' | 'directIoSafe'>;
/** A NIC; left out: `devid` is its index in the list, `bridge` is xenbr0. */
export type ExpectedNic = Defaulted<NicSpec, 'devid' | 'bridge'>;

/** What a good file parses to. `warnings` is the whole list, in order. */
export interface GoodExpect {
  readonly config: ExpectedConfig;
  readonly disks: readonly ExpectedDisk[];
  readonly nics: readonly ExpectedNic[];
  readonly warnings: readonly string[];
}

/** How a bad file is refused: the whole message, and the line and key it names (no key for a lexical error). */
export interface BadExpect {
  readonly error: string;
  readonly line: number;
  readonly key?: string;
}

export interface RealWorldFixture<E> {
  readonly name: string;
  readonly text: string;
  readonly expect: E;
}

/** The MAC libxl_nic.c makes from the all-zero random source the test injects. */
export const GENERATED_MAC = '00:16:3e:00:00:00';

const cpus = (first: number, last = first): CpuListTerm => ({ op: 'add', unit: 'cpu', first, last });
const notCpus = (first: number, last = first): CpuListTerm => ({ op: 'remove', unit: 'cpu', first, last });
const nodes = (first: number, last = first): CpuListTerm => ({ op: 'add', unit: 'node', first, last });
const allVcpus = (...terms: CpuListTerm[]): VcpuAffinity => ({ kind: 'all-vcpus', cpus: terms });
const perVcpu = (...lists: CpuList[]): VcpuAffinity => ({ kind: 'per-vcpu', cpus: lists });

const PV_TO_PVH = 'converting PV guest to PVH: Arm guests are now PVH, please fix your configuration';
const IGNORED = 'not supported by Xenon, ignored';
const UNKNOWN = 'unknown key, ignored (as xl does)';

/** Files xl accepts and Xenon runs (or runs with the listed warnings). */
export const REAL_WORLD_FIXTURES: readonly RealWorldFixture<GoodExpect>[] = [
  {
    name: 'xlexample-pvlinux',
    text: `# =====================================================================
# PV Linux guest, laid out like Xen's tools/examples/xlexample.pvlinux
# =====================================================================
#
# On x86 this boots a PV guest; on Arm libxl makes it PVH instead.

# Guest name
name = "sample.pvlinux"

# Leave unset to get a new UUID on every boot ("uuidgen" prints one).
#uuid = "00000000-0000-0000-0000-000000000000"

type = "pv"

# Kernel image to boot
kernel = "/boot/vmlinuz-6.1.0-25-arm64"

# Ramdisk (optional)
#ramdisk = "/boot/initrd.img-6.1.0-25-arm64"

# Kernel command line options
extra = "root=/dev/xvda1 console=hvc0"

# Initial memory allocation (MB)
memory = 256

# Maximum memory (MB); anything above memory starts ballooned out
#maxmem = 1024

# Number of VCPUS
vcpus = 2

# Network devices: one vifspec per entry, see xl-network-configuration(5)
vif = [ '' ]

# Disk devices: one diskspec per entry, see xl-disk-configuration(5)
disk = [ '/dev/vg0/sample-root,raw,xvda,rw' ]
`,
    expect: {
      config: {
        name: 'sample.pvlinux', type: 'pvh', memoryMiB: 256, vcpus: 2,
        kernel: '/boot/vmlinuz-6.1.0-25-arm64', cmdline: 'root=/dev/xvda1 console=hvc0',
      },
      disks: [{ target: '/dev/vg0/sample-root', vdev: 'xvda', devid: 51712 }],
      nics: [{ mac: GENERATED_MAC }],
      warnings: [`xlexample-pvlinux.cfg:13: "type": ${PV_TO_PVH}`],
    },
  },
  {
    name: 'xlexample-pvhlinux',
    text: `# =====================================================================
# PVH Linux guest, modelled on tools/examples/xlexample.pvhlinux
# =====================================================================

# This makes it a PVH guest rather than a PV one
type = "pvh"

name = "sample.pvhlinux"

kernel = "/var/lib/xen/kernels/Image-6.6"
ramdisk = "/var/lib/xen/kernels/initrd-6.6.gz"
extra = "root=/dev/xvda1 ro"

memory = 1024
vcpus = 4

vif = [ '' ]
disk = [ '/dev/zvol/pool0/guests/pvh-root,raw,xvda,rw' ]
`,
    expect: {
      config: {
        name: 'sample.pvhlinux', type: 'pvh', memoryMiB: 1024, vcpus: 4,
        kernel: '/var/lib/xen/kernels/Image-6.6', ramdisk: '/var/lib/xen/kernels/initrd-6.6.gz', cmdline: 'root=/dev/xvda1 ro',
      },
      disks: [{ target: '/dev/zvol/pool0/guests/pvh-root', vdev: 'xvda', devid: 51712 }],
      nics: [{ mac: GENERATED_MAC }],
      warnings: [],
    },
  },
  {
    name: 'xlexample-hvm',
    text: `# =====================================================================
# HVM guest in the shape of tools/examples/xlexample.hvm
# =====================================================================

type = "hvm"

# Guest name
name = "sample.hvm"

# Initial memory (MB), and the ceiling it may balloon up to
memory = 512
maxmem = 1024

vcpus = 2

vif = [ '' ]

disk = [ '/dev/vg0/sample-hvm,raw,xvda,rw' ]

# Guest VGA console: SDL or VNC
sdl = 0
vnc = 1
`,
    expect: {
      config: { name: 'sample.hvm', type: 'hvm', memoryMiB: 512, maxMemoryMiB: 1024, vcpus: 2 },
      disks: [{ target: '/dev/vg0/sample-hvm', vdev: 'xvda', devid: 51712 }],
      nics: [{ mac: GENERATED_MAC }],
      warnings: [`xlexample-hvm.cfg:21: "sdl": ${IGNORED}`, `xlexample-hvm.cfg:22: "vnc": ${IGNORED}`],
    },
  },
  {
    name: 'xl-cfg-affinity-and-scheduling',
    text: `# Pinning and scheduling with the forms xl.cfg(5) describes.
name = "pinned"
kernel = "/boot/Image"
memory = 768
vcpus = 4
maxvcpus = 8

# every vCPU may run on pCPUs 0 to 3, but not on 1
cpus = "0-3,^1"
# and would rather stay on NUMA node 0
cpus_soft = "node:0"

cpu_weight = 512   # twice the default share
cap = 150          # at most one and a half pCPUs
`,
    expect: {
      config: {
        name: 'pinned', type: 'pvh', memoryMiB: 768, vcpus: 4, maxVcpus: 8, kernel: '/boot/Image',
        cpus: allVcpus(cpus(0, 3), notCpus(1)), cpusSoft: allVcpus(nodes(0)), cpuWeight: 512, cap: 150,
      },
      disks: [],
      nics: [],
      warnings: [],
    },
  },
  {
    name: 'per-vcpu-pinning',
    text: `# One CPULIST per vCPU: vCPU 0 on pCPU 2, vCPU 1 on pCPU 3, vCPUs 2 and 3 on 4-7.
name   = "db-primary"
kernel = "/srv/xen/kernels/Image"
extra  = "console=hvc0 root=/dev/xvda rw"
memory = 4096
vcpus  = 4
cpus   = [
    "2",        # vcpu0
    "3",        # vcpu1
    "4-7",      # vcpu2
    "4-7,^5",   # vcpu3: pCPU 5 takes the NIC interrupts
]
cpus_soft = [ 2, 3 ]
`,
    expect: {
      config: {
        name: 'db-primary', type: 'pvh', memoryMiB: 4096, vcpus: 4, kernel: '/srv/xen/kernels/Image', cmdline: 'console=hvc0 root=/dev/xvda rw',
        cpus: perVcpu([cpus(2)], [cpus(3)], [cpus(4, 7)], [cpus(4, 7), notCpus(5)]),
        cpusSoft: perVcpu([cpus(2)], [cpus(3)]),
      },
      disks: [],
      nics: [],
      warnings: [],
    },
  },
  {
    name: 'xen-tools-xm-file-images',
    text: `#
# Configuration file for the Xen instance web01.example.org, created
# by xen-tools 4.8 on Tue Mar  5 10:14:22 2019.
#

#
#  Kernel + memory size
#
kernel      = '/boot/vmlinuz-4.19.0-6-arm64'
extra       = 'elevator=noop'
ramdisk     = '/boot/initrd.img-4.19.0-6-arm64'

vcpus       = '2'
memory      = '512'


#
#  Disk device(s).
#
root        = '/dev/xvda2 ro'
disk        = [
                  'file:/srv/xen/domains/web01.example.org/disk.img,xvda2,w',
                  'file:/srv/xen/domains/web01.example.org/swap.img,xvda1,w',
              ]


#
#  Hostname
#
name        = 'web01.example.org'

#
#  Networking
#
vif         = [ 'ip=192.0.2.21 ,mac=00:16:3E:2B:7C:19' ]

#
#  Behaviour
#
on_poweroff = 'destroy'
on_reboot   = 'restart'
on_crash    = 'restart'
`,
    expect: {
      config: {
        name: 'web01.example.org', type: 'pvh', memoryMiB: 512, vcpus: 2,
        kernel: '/boot/vmlinuz-4.19.0-6-arm64', ramdisk: '/boot/initrd.img-4.19.0-6-arm64', cmdline: 'root=/dev/xvda2 ro elevator=noop',
        onCrash: 'restart',
      },
      disks: [
        { target: '/srv/xen/domains/web01.example.org/disk.img', vdev: 'xvda2', devid: 51714 },
        { target: '/srv/xen/domains/web01.example.org/swap.img', vdev: 'xvda1', devid: 51713 },
      ],
      // xl keeps the blank before the comma: vif-route and friends get "192.0.2.21 ".
      nics: [{ ip: '192.0.2.21 ', mac: '00:16:3e:2b:7c:19' }],
      warnings: [],
    },
  },
  {
    name: 'xen-tools-xl-lvm',
    text: `#
# Configuration file for the Xen instance mail01, created
# by xen-tools 4.9.2 on Sat Jun  8 09:41:07 2024.
#

#
#  Kernel + memory size
#
kernel = '/boot/vmlinuz-6.1.0-21-arm64'
ramdisk = '/boot/initrd.img-6.1.0-21-arm64'
cmdline = 'root=/dev/xvda2 ro console=hvc0'
vcpus = '1'
memory = '1024'
maxmem = '2048'
type = 'pvh'

#
#  Disk device(s).
#
disk = [
                  'vdev=xvda2, target=/dev/vg_xen/mail01-disk',
                  'vdev=xvda1, target=/dev/vg_xen/mail01-swap',
              ]

#
#  Hostname
#
name = 'mail01'

#
#  Networking
#
vif = [ 'ip=198.51.100.7 198.51.100.8,mac=00:16:3E:41:0D:5A,vifname=mail01-e0,bridge=br0' ]

xen_shell = 'alice,bob'
`,
    expect: {
      config: {
        name: 'mail01', type: 'pvh', memoryMiB: 1024, maxMemoryMiB: 2048, vcpus: 1,
        kernel: '/boot/vmlinuz-6.1.0-21-arm64', ramdisk: '/boot/initrd.img-6.1.0-21-arm64', cmdline: 'root=/dev/xvda2 ro console=hvc0',
      },
      disks: [
        { target: '/dev/vg_xen/mail01-disk', vdev: 'xvda2', devid: 51714 },
        { target: '/dev/vg_xen/mail01-swap', vdev: 'xvda1', devid: 51713 },
      ],
      nics: [{ ip: '198.51.100.7 198.51.100.8', mac: '00:16:3e:41:0d:5a', vifname: 'mail01-e0', bridge: 'br0' }],
      warnings: [`xen-tools-xl-lvm.cfg:35: "xen_shell": ${UNKNOWN}`],
    },
  },
  {
    name: 'debian-style-grub-pvh',
    text: `# Debian guest started through a GRUB image built for Xen; GRUB then reads
# /boot/grub/grub.cfg from the guest's own disk, so kernel updates need no change here.
name    = "bookworm"
type    = "pvh"
kernel  = "/var/lib/xen/boot/grub-arm64-xen.bin"
memory  = 2048
vcpus   = 2
disk    = [ 'format=raw, vdev=xvda, access=rw, target=/dev/vg0/bookworm-disk' ]
vif     = [ 'mac=00:16:3e:6c:0f:21, bridge=xenbr0' ]
on_poweroff = "destroy"
on_reboot   = "restart"
on_crash    = "preserve"
`,
    expect: {
      config: { name: 'bookworm', type: 'pvh', memoryMiB: 2048, vcpus: 2, kernel: '/var/lib/xen/boot/grub-arm64-xen.bin', onCrash: 'preserve' },
      disks: [{ target: '/dev/vg0/bookworm-disk', vdev: 'xvda', devid: 51712 }],
      nics: [{ mac: '00:16:3e:6c:0f:21' }],
      warnings: [],
    },
  },
  {
    name: 'arm-wiki-first-guest',
    text: `# A first Arm guest: a kernel Image, and the root filesystem on a loop device in dom0.
kernel = "/root/guests/Image"
memory = 512
name = "guest0"
vcpus = 2
disk = [ 'phy:/dev/loop0,xvda,w' ]
extra = "console=hvc0 root=/dev/xvda rw"
`,
    expect: {
      config: { name: 'guest0', type: 'pvh', memoryMiB: 512, vcpus: 2, kernel: '/root/guests/Image', cmdline: 'console=hvc0 root=/dev/xvda rw' },
      disks: [{ target: '/dev/loop0', vdev: 'xvda', devid: 51712 }],
      nics: [],
      warnings: [],
    },
  },
  {
    name: 'arm-vuart-gicv3',
    text: `# Arm guest with the emulated SBSA UART, so early boot messages show up.
name        = "arm-uart"
type        = "pvh"
kernel      = "/srv/xen/arm-uart/Image.gz"
ramdisk     = "/srv/xen/arm-uart/rootfs.cpio.gz"
extra       = "console=ttyAMA0 earlycon=pl011,mmio32,0x22000000 rdinit=/sbin/init"
memory      = 384
vcpus       = 1
gic_version = "v3"
vuart       = "sbsa_uart"
acpi        = 0
on_crash    = "coredump-restart"
`,
    expect: {
      config: {
        name: 'arm-uart', type: 'pvh', memoryMiB: 384, vcpus: 1,
        kernel: '/srv/xen/arm-uart/Image.gz', ramdisk: '/srv/xen/arm-uart/rootfs.cpio.gz',
        cmdline: 'console=ttyAMA0 earlycon=pl011,mmio32,0x22000000 rdinit=/sbin/init',
        acpi: false, onCrash: 'coredump-restart', gicVersion: 'v3', vuart: 'sbsa_uart',
      },
      disks: [],
      nics: [],
      warnings: [],
    },
  },
  {
    name: 'arm-device-passthrough',
    text: `# Arm guest given a platform device from the host device tree.
name = "io-guest"
type = "pvh"
kernel = "/opt/guests/io/Image"
device_tree = "/opt/guests/io/passthrough.dtb"
cmdline = "console=hvc0 clk_ignore_unused"
memory = 256
vcpus = 1
gic_version = "v2"
dtdev = [ "/soc/ethernet@ff0c0000" ]
iomem = [ "0xff0c0,1" ]
irqs = [ 89, 90 ]
nr_spis = 64
`,
    expect: {
      config: {
        name: 'io-guest', type: 'pvh', memoryMiB: 256, vcpus: 1, kernel: '/opt/guests/io/Image', cmdline: 'console=hvc0 clk_ignore_unused',
        gicVersion: 'v2',
      },
      disks: [],
      nics: [],
      warnings: [
        `arm-device-passthrough.cfg:5: "device_tree": ${IGNORED}`,
        `arm-device-passthrough.cfg:10: "dtdev": ${IGNORED}`,
        `arm-device-passthrough.cfg:11: "iomem": ${IGNORED}`,
        `arm-device-passthrough.cfg:12: "irqs": ${IGNORED}`,
        `arm-device-passthrough.cfg:13: "nr_spis": ${IGNORED}`,
      ],
    },
  },
  {
    name: 'semicolons-hex-octal',
    text: `# Compact style: several settings to a line, numbers in hex and octal.
name = "tiny"; type = "pvh"; kernel = "/srv/xen/tiny/Image"
memory = 0x80; maxmem = 0400   # 128 MiB now, up to 256 MiB
vcpus = 1; maxvcpus = 0x2
on_reboot = "destroy"; on_poweroff = "preserve";
`,
    expect: {
      config: {
        name: 'tiny', type: 'pvh', memoryMiB: 128, maxMemoryMiB: 256, vcpus: 1, maxVcpus: 2, kernel: '/srv/xen/tiny/Image',
        onReboot: 'destroy', onPoweroff: 'preserve',
      },
      disks: [],
      nics: [],
      warnings: [],
    },
  },
  {
    name: 'plus-equals-pieces',
    text: `# Built up in pieces, as generated or concatenated files often are.
name = "pieces"
kernel = "/boot/Image"
extra = "console=hvc0"
extra += " root=/dev/xvda1"
extra += ' loglevel=4'
memory = 640
disk = [ 'vdev=xvda1, target=/srv/xen/pieces/root.img' ]
disk += [ 'vdev=xvdb, access=ro, target=/srv/xen/pieces/data.img' ]
vif += [ 'bridge=xenbr1' ]
`,
    expect: {
      config: { name: 'pieces', type: 'pvh', memoryMiB: 640, vcpus: 1, kernel: '/boot/Image', cmdline: 'console=hvc0 root=/dev/xvda1 loglevel=4' },
      disks: [
        { target: '/srv/xen/pieces/root.img', vdev: 'xvda1', devid: 51713 },
        { target: '/srv/xen/pieces/data.img', vdev: 'xvdb', devid: 51728, readwrite: false },
      ],
      nics: [{ mac: GENERATED_MAC, bridge: 'xenbr1' }],
      warnings: [],
    },
  },
  {
    name: 'qcow2-qdisk-and-iso',
    text: `# Images served by QEMU's qdisk backend, and an installer ISO as a read-only CD.
name = "app01"
type = "pvh"
kernel = "/var/lib/xen/images/app01/vmlinuz"
ramdisk = "/var/lib/xen/images/app01/initrd.img"
cmdline = "console=hvc0 root=/dev/xvda2"
memory = 1536
vcpus = 2
disk = [
  'format=qcow2, vdev=xvda, access=rw, backendtype=qdisk, target=/var/lib/xen/images/app01/root.qcow2',
  'vdev=xvdb, format=qcow2, backendtype=qdisk, target=/var/lib/xen/images/app01/data.qcow2',
  'vdev=xvdc, access=ro, devtype=cdrom, target=/srv/iso/debian-12.7.0-arm64-netinst.iso',
]
`,
    expect: {
      config: {
        name: 'app01', type: 'pvh', memoryMiB: 1536, vcpus: 2,
        kernel: '/var/lib/xen/images/app01/vmlinuz', ramdisk: '/var/lib/xen/images/app01/initrd.img', cmdline: 'console=hvc0 root=/dev/xvda2',
      },
      disks: [
        { target: '/var/lib/xen/images/app01/root.qcow2', vdev: 'xvda', devid: 51712, format: 'qcow2', backendType: 'qdisk' },
        { target: '/var/lib/xen/images/app01/data.qcow2', vdev: 'xvdb', devid: 51728, format: 'qcow2', backendType: 'qdisk' },
        { target: '/srv/iso/debian-12.7.0-arm64-netinst.iso', vdev: 'xvdc', devid: 51744, readwrite: false, isCdrom: true },
      ],
      nics: [],
      warnings: [],
    },
  },
  {
    name: 'hvm-installer',
    text: `# HVM guest while its OS is installed: boot the CD first, then the disk.
builder = 'hvm'
name = 'win-build'
memory = 4096
vcpus = 4
maxvcpus = 4
acpi = 1
apic = 1
viridian = 1
boot = "dc"
disk = [ 'phy:/dev/vg_guests/win-build,hda,w',
         'file:/srv/iso/installer.iso,hdc:cdrom,r' ]
vif = [ 'type=ioemu, model=e1000, mac=00:16:3e:4a:bb:01, bridge=xenbr0' ]
vnc = 1
vnclisten = "0.0.0.0"
usbdevice = 'tablet'
serial = 'pty'
localtime = 1
on_crash = 'coredump-restart'
`,
    expect: {
      config: { name: 'win-build', type: 'hvm', memoryMiB: 4096, vcpus: 4, acpi: true, onCrash: 'coredump-restart' },
      disks: [
        { target: '/dev/vg_guests/win-build', vdev: 'hda', devid: 768 },
        { target: '/srv/iso/installer.iso', vdev: 'hdc', devid: 5632, readwrite: false, isCdrom: true },
      ],
      nics: [{ nictype: 'ioemu', model: 'e1000', mac: '00:16:3e:4a:bb:01' }],
      warnings: [
        `hvm-installer.cfg:8: "apic": ${IGNORED}`,
        `hvm-installer.cfg:9: "viridian": ${IGNORED}`,
        `hvm-installer.cfg:10: "boot": ${IGNORED}`,
        `hvm-installer.cfg:14: "vnc": ${IGNORED}`,
        `hvm-installer.cfg:15: "vnclisten": ${IGNORED}`,
        `hvm-installer.cfg:16: "usbdevice": ${IGNORED}`,
        `hvm-installer.cfg:17: "serial": ${IGNORED}`,
        `hvm-installer.cfg:18: "localtime": ${IGNORED}`,
      ],
    },
  },
  {
    name: 'hvm-empty-cd-drives',
    text: `# Lab machine with two empty CD drives; media go in later with "xl cd-insert".
type = "hvm"
name = "lab-hvm"
memory = 1024
disk = [ '/srv/xen/lab/disk0.raw,raw,xvda,rw',
         ',,hdc:cdrom,r',                        # the xend-era way
         'vdev=hdd, devtype=cdrom, access=ro' ]  # the keyword way
`,
    expect: {
      config: { name: 'lab-hvm', type: 'hvm', memoryMiB: 1024, vcpus: 1 },
      disks: [
        { target: '/srv/xen/lab/disk0.raw', vdev: 'xvda', devid: 51712 },
        { vdev: 'hdc', devid: 5632, format: 'empty', readwrite: false, isCdrom: true },
        { vdev: 'hdd', devid: 5696, format: 'empty', readwrite: false, isCdrom: true },
      ],
      nics: [],
      warnings: [],
    },
  },
  {
    name: 'network-options',
    text: `# Four NICs using the options of xl-network-configuration(5).
name   = "router"
kernel = "/srv/xen/router/Image"
memory = 512
vcpus  = 2
vif = [
    'mac=00:16:3e:00:aa:01, bridge=xenbr0, vifname=router-wan, script=vif-bridge',
    'mac=00:16:3e:00:aa:02,bridge=br-lan,rate=10Mb/s',
    'mac=00:16:3E:00:AA:03,script=vif-route,ip=10.20.0.1,rate=1MB/s@20ms',
    'bridge=br-dmz, mtu=9000, devid=7',
]
`,
    expect: {
      config: { name: 'router', type: 'pvh', memoryMiB: 512, vcpus: 2, kernel: '/srv/xen/router/Image' },
      disks: [],
      nics: [
        { mac: '00:16:3e:00:aa:01', vifname: 'router-wan', script: 'vif-bridge' },
        // 10 megabits a second is 1.25 MB/s: 62500 bytes per 50 ms default interval.
        { mac: '00:16:3e:00:aa:02', bridge: 'br-lan', rate: { bytesPerInterval: 62500, intervalUsecs: 50000 } },
        { mac: '00:16:3e:00:aa:03', script: 'vif-route', ip: '10.20.0.1', rate: { bytesPerInterval: 20000, intervalUsecs: 20000 } },
        { devid: 7, mac: GENERATED_MAC, bridge: 'br-dmz', mtu: 9000 },
      ],
      warnings: [],
    },
  },
  {
    name: 'balloon-and-every-action',
    text: `# Ballooning guest with every event action spelled out.
name = "batch07"
kernel = "/boot/Image"
extra = "console=hvc0"
memory = 512
maxmem = 2048
vcpus = 1
maxvcpus = 4
on_poweroff   = "destroy"
on_reboot     = "rename-restart"
on_watchdog   = "coredump-destroy"
on_crash      = "coredump-restart"
on_soft_reset = "soft-reset"
`,
    expect: {
      config: {
        name: 'batch07', type: 'pvh', memoryMiB: 512, maxMemoryMiB: 2048, vcpus: 1, maxVcpus: 4, kernel: '/boot/Image', cmdline: 'console=hvc0',
        onPoweroff: 'destroy', onReboot: 'rename-restart', onWatchdog: 'coredump-destroy', onCrash: 'coredump-restart', onSoftReset: 'soft-reset',
      },
      disks: [],
      nics: [],
      warnings: [],
    },
  },
  {
    name: 'comments-and-quotes',
    text: `# Every place xl lets a comment go, and both kinds of quote.
\t# (this comment line starts with a tab)

name = 'quotes'   # single quotes
kernel = "/boot/Image"\t# double quotes, then a tab before the comment
cmdline = "console=hvc0 dyndbg=\\"file xen-blkfront.c +p\\""   # escaped double quotes
ramdisk = '/srv/xen/quotes/initrd#2.gz'   # a '#' inside quotes is not a comment
memory = 256 # MiB
vcpus = 1#no blank before this comment

disk = [   # after the opening bracket,
    'phy:/dev/vg0/quotes,xvda,w',   # after an item,

    # on a line of its own inside the list,
    'phy:/dev/vg0/quotes-home,xvdb,w'
    ,   # and after a comma that starts its line
]
`,
    expect: {
      config: {
        name: 'quotes', type: 'pvh', memoryMiB: 256, vcpus: 1,
        kernel: '/boot/Image', ramdisk: '/srv/xen/quotes/initrd#2.gz', cmdline: 'console=hvc0 dyndbg="file xen-blkfront.c +p"',
      },
      disks: [
        { target: '/dev/vg0/quotes', vdev: 'xvda', devid: 51712 },
        { target: '/dev/vg0/quotes-home', vdev: 'xvdb', devid: 51728 },
      ],
      nics: [],
      warnings: [],
    },
  },
  {
    name: 'block-scripts-drbd-iscsi',
    text: `# Storage reached through block hotplug scripts: DRBD by resource, iSCSI by IQN and portal.
name = "ha-web"
kernel = "/boot/Image"
root = "/dev/xvda ro"
memory = 1024
vcpus = 2
disk = [
    'drbd:web-r0,xvda,w',
    'vdev=xvdb, access=rw, script=block-iscsi, target=iqn=iqn.2015-06.org.example:storage.web-data,portal=192.0.2.50',
]
vif = [ 'mac=00:16:3e:1d:20:30,bridge=xenbr0' ]
`,
    expect: {
      config: { name: 'ha-web', type: 'pvh', memoryMiB: 1024, vcpus: 2, kernel: '/boot/Image', cmdline: 'root=/dev/xvda ro' },
      disks: [
        { target: 'web-r0', vdev: 'xvda', devid: 51712, script: 'block-drbd' },
        // target= takes the rest of the spec, commas and all.
        { target: 'iqn=iqn.2015-06.org.example:storage.web-data,portal=192.0.2.50', vdev: 'xvdb', devid: 51728, script: 'block-iscsi' },
      ],
      nics: [{ mac: '00:16:3e:1d:20:30' }],
      warnings: [],
    },
  },
  {
    name: 'ci-runner-uuid-tap',
    text: `# CI runner: fixed UUID, a cpupool, and the old blktap disk prefixes.
name = "ci-runner-3"
uuid = "6F1C2B8E-93A4-4D1E-B0C7-5E2D9A8F4C31"
pool = "ci-pool"
kernel = "/boot/Image"
extra = "console=hvc0 quiet"
memory = 3072
vcpus = 3
max_grant_frames = 64
vif = [ 'mac=00:16:3e:33:01:03' ]
disk = [ 'tap:aio:/srv/ci/runner-3.img,xvda,w', 'tap:qcow2:/srv/ci/cache.qcow2,xvdb,w' ]
nomigrate = 1
autostart = 1  # read by some management front ends, not by xl
`,
    expect: {
      config: {
        name: 'ci-runner-3', uuid: '6f1c2b8e-93a4-4d1e-b0c7-5e2d9a8f4c31', type: 'pvh', memoryMiB: 3072, vcpus: 3,
        kernel: '/boot/Image', cmdline: 'console=hvc0 quiet',
      },
      disks: [
        { target: '/srv/ci/runner-3.img', vdev: 'xvda', devid: 51712 },
        { target: '/srv/ci/cache.qcow2', vdev: 'xvdb', devid: 51728, format: 'qcow2' },
      ],
      nics: [{ mac: '00:16:3e:33:01:03' }],
      warnings: [
        `ci-runner-uuid-tap.cfg:4: "pool": ${IGNORED}`,
        `ci-runner-uuid-tap.cfg:9: "max_grant_frames": ${IGNORED}`,
        `ci-runner-uuid-tap.cfg:12: "nomigrate": ${IGNORED}`,
        `ci-runner-uuid-tap.cfg:13: "autostart": ${UNKNOWN}`,
      ],
    },
  },
  {
    name: 'xm-era-converted',
    text: `# Carried over from an xm setup: the Python is gone, some xend-only keys stayed.
kernel = "/boot/vmlinuz-xen"
ramdisk = "/boot/initrd-xen"
memory = 128
name = "legacy"
vif = [ 'ip=203.0.113.9,' ]
disk = [ 'phy:sda7,sda1,w' ]
root = "/dev/sda1 ro"
extra = "4"
on_xend_start = 'ignore'
vfb = [ 'type=vnc' ]
dhcp = "dhcp"
`,
    expect: {
      config: {
        name: 'legacy', type: 'pvh', memoryMiB: 128, vcpus: 1, kernel: '/boot/vmlinuz-xen', ramdisk: '/boot/initrd-xen', cmdline: 'root=/dev/sda1 ro 4',
      },
      // A relative target stays relative here; resolveConfigPath() is for the caller.
      disks: [{ target: 'sda7', vdev: 'sda1', devid: 2049 }],
      nics: [{ ip: '203.0.113.9', mac: GENERATED_MAC }],
      warnings: [
        `xm-era-converted.cfg:10: "on_xend_start": ${UNKNOWN}`,
        `xm-era-converted.cfg:11: "vfb": ${IGNORED}`,
        `xm-era-converted.cfg:12: "dhcp": ${UNKNOWN}`,
      ],
    },
  },
];

/** Files with the mistakes people make; xl refuses them or runs them wrongly, Xenon refuses them. */
export const REAL_WORLD_BAD_FIXTURES: readonly RealWorldFixture<BadExpect>[] = [
  {
    name: 'memory-with-unit',
    text: `name = "units"
kernel = "/boot/Image"
# xl would warn and quietly fall back to 32 MiB
memory = "2G"
`,
    expect: { error: 'memory-with-unit.cfg:4: "memory": expected a number, got "2G"', line: 4, key: 'memory' },
  },
  {
    name: 'unterminated-string',
    text: `name = "open-quote"
kernel = "/boot/Image"
extra = "console=hvc0 root=/dev/xvda1
memory = 256
`,
    // A lexical error: libxlu reports it before any key is known, so only line and column are named.
    expect: { error: 'unterminated-string.cfg:3:9: lexical error near "\\"console=hvc0"', line: 3 },
  },
  {
    name: 'disk-misspelt-key',
    text: `name = "typo-disk"
kernel = "/boot/Image"
disk = [ 'vdev=xvda, acess=rw, target=/srv/xen/typo/disk.img' ]
`,
    expect: {
      error: 'disk-misspelt-key.cfg:3: "disk": unknown parameter near "acess=r" in disk specification "vdev=xvda, acess=rw, target=/srv/xen/typo/disk.img"',
      line: 3, key: 'disk',
    },
  },
  {
    name: 'xen-tools-pygrub',
    text: `#
# Configuration file for the Xen instance shop01, created
# by xen-tools 4.9.2 on Wed Oct  2 16:20:45 2024.
#

#
#  Kernel + memory size
#
bootloader = 'pygrub'
vcpus = '2'
memory = '2048'
type = 'pvh'

#
#  Disk device(s).
#
disk = [
                  'vdev=xvda2, target=/dev/vg_xen/shop01-disk',
              ]

#
#  Hostname
#
name = 'shop01'
`,
    // xl would run pygrub to find the kernel inside the guest's disk; Xenon has no bootloader support.
    expect: { error: 'xen-tools-pygrub.cfg:9: "bootloader": not supported by Xenon, and no kernel specified', line: 9, key: 'bootloader' },
  },
  {
    name: 'vif-bad-mac',
    text: `name = "bad-mac"
kernel = "/boot/Image"
memory = 256
vif = [ 'mac=00:16:3e:4g:00:01,bridge=xenbr0' ]
`,
    expect: {
      error: 'vif-bad-mac.cfg:4: "vif": invalid MAC address "00:16:3e:4g:00:01" in vif specification "mac=00:16:3e:4g:00:01,bridge=xenbr0"',
      line: 4, key: 'vif',
    },
  },
  {
    name: 'on-crash-underscore',
    text: `name = "crashy"
kernel = "/boot/Image"
on_crash = "coredump_restart"   # the action is spelt with a dash
`,
    expect: { error: 'on-crash-underscore.cfg:3: "on_crash": unknown on_crash action "coredump_restart" specified', line: 3, key: 'on_crash' },
  },
  {
    name: 'cpus-reversed-range',
    text: `name = "backwards"
kernel = "/boot/Image"
vcpus = 2
cpus = "3-1"
`,
    expect: { error: 'cpus-reversed-range.cfg:4: "cpus": Invalid pcpu range: 3-1', line: 4, key: 'cpus' },
  },
  {
    name: 'xm-python-leftover',
    text: `# An xm configuration that still runs Python
import os, re
arch = os.uname()[4]
name = "py-era"
`,
    expect: { error: 'xm-python-leftover.cfg:2:8: "import": syntax error: expected "=" or "+=", got "os"', line: 2, key: 'import' },
  },
];
