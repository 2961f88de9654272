/**
 * How Domain-0 on Node opens a domU's disk image: raw images natively (RawDisk, the fast path),
 * every other format through QEMU's block layer (a qemu-storage-daemon per disk, spoken to over
 * NBD), as Xen's qdisk backend does. Closing the disk also stops its daemon.
 */
import { rm } from 'node:fs/promises';
import * as path from 'node:path';
import type { BlockDisk } from '../common/block_disk.js';
import { startStorageDaemon } from './nbd/storage_daemon.js';
import { RawDisk } from './raw_disk.js';

export interface OpenDiskRequest {
  readonly image: string;
  readonly format: string;
  readonly readOnly: boolean;
  readonly discard: boolean;
}

/** Opens disks, with `runDir` holding the storage daemons' NBD sockets. */
export function nodeDiskOpener(runDir: string): (d: OpenDiskRequest) => Promise<BlockDisk> {
  let next = 0;
  return async (d) => {
    if (d.format === 'raw') return RawDisk.open(d.image, { readOnly: d.readOnly });
    const dir = path.join(runDir, `disk-${process.pid}-${next++}`);
    const daemon = await startStorageDaemon({ image: path.resolve(d.image), format: d.format, readOnly: d.readOnly, discard: d.discard, runDir: dir });
    const disk = daemon.disk;
    return {
      get sizeBytes() { return disk.sizeBytes; },
      get readOnly() { return disk.readOnly; },
      get canDiscard() { return disk.canDiscard; },
      read: (offset, into) => disk.read(offset, into),
      write: (offset, from) => disk.write(offset, from),
      flush: () => disk.flush(),
      discard: (offset, length) => disk.discard(offset, length),
      close: async () => {
        await daemon.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  };
}
