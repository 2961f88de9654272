/**
 * Virtual disk names to Xen device numbers, as libxl computes them (libxl_device.c
 * libxl__device_disk_dev_number, device_virtdisk_matches), following xen-vbd-interface(7).
 */
import { parseCLong } from './_values.js';

/** 202 is the Xen virtual block device major; `(202 << 8) | (disk << 4) | partition` for xvda..xvdp, partitions 0..15. */
const XVD_MAJOR = 202;
/** xen-vbd-interface(7): disks from xvdq on, or partitions above 15, use `(1 << 28) | (disk << 8) | partition`. */
const VDEV_EXTENDED = 1 << 28;
const INT_MAX = 0x7fffffff;

/**
 * Match `<prefix><letters>[<partition>]`: the letters count in bijective base 26 (a=0, z=25, aa=26), and the
 * partition has no leading zero. libxl reads the partition with strtoul, which would also take blanks and a
 * sign; we take digits only. A bare prefix (no letters) matches in libxl with disk -1, giving a negative device
 * number that libxl then refuses; we refuse it here.
 */
function virtdiskMatches(vdev: string, prefix: string, maxDisk: number, maxPartition: number): [number, number] | undefined {
  if (!vdev.startsWith(prefix)) return undefined;
  let disk = -1;
  let p = prefix.length;
  for (; p < vdev.length && vdev[p]! >= 'a' && vdev[p]! <= 'z'; p++) {
    disk = (disk + 1) * 26 + (vdev.charCodeAt(p) - 0x61);
    if (disk > maxDisk) return undefined;
  }
  if (disk < 0) return undefined;
  const rest = vdev.slice(p);
  if (rest === '') return [disk, 0];
  if (!/^[1-9][0-9]*$/.test(rest)) return undefined;
  const partition = Number(rest);
  return partition <= maxPartition ? [disk, partition] : undefined;
}

function xenNumber(disk: number, partition: number): number {
  return disk <= 15 && partition <= 15 ? (XVD_MAJOR << 8) | (disk << 4) | partition : VDEV_EXTENDED | (disk << 8) | partition;
}

/**
 * The Xen device number (the `devid` of the vbd in xenstore) for a vdev such as `xvda` (51712), `xvdb1` (51729),
 * `xvdq` (268439552, extended form), `d0p1`, `hda` (768), `hdc` (5632), `sda` (2048), or a plain number.
 * Undefined for a name libxl refuses ("Invalid or unsupported virtual disk identifier").
 */
export function vdevToDevid(vdev: string): number | undefined {
  const dp = /^d([^p]*)p(.*)$/.exec(vdev);
  if (dp !== null) {
    // sscanf "d%ip%i": C integers in any base.
    const disk = parseCLong(dp[1]!);
    const partition = parseCLong(dp[2]!);
    if (disk !== undefined && partition !== undefined && disk >= 0n && disk < 1n << 20n && partition >= 0n && partition < 256n) {
      return xenNumber(Number(disk), Number(partition));
    }
  }
  const xvd = virtdiskMatches(vdev, 'xvd', (1 << 20) - 1, 255);
  if (xvd !== undefined) return xenNumber(...xvd);
  const raw = parseCLong(vdev);
  if (raw !== undefined) return raw >= 0n && raw <= BigInt(INT_MAX) ? Number(raw) : undefined;
  const hd = virtdiskMatches(vdev, 'hd', 3, 63);
  // IDE: hda/hdb on major 3, hdc/hdd on major 22, 64 minors per disk.
  if (hd !== undefined) return ((hd[0] < 2 ? 3 : 22) << 8) | ((hd[0] & 1) << 6) | hd[1];
  const sd = virtdiskMatches(vdev, 'sd', 15, 15);
  // SCSI: major 8, 16 minors per disk.
  if (sd !== undefined) return (8 << 8) | (sd[0] << 4) | sd[1];
  return undefined;
}
