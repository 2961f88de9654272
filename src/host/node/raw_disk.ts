/**
 * Raw disk images, natively: the fast path for the commonest format. Reads and writes go straight
 * to the file at the guest's offsets (a sparse file stays sparse where the guest never wrote), and
 * a flush is fdatasync, so data a guest flushed survives a host crash. Node offers no way to punch
 * holes (fallocate), so raw images do not offer discard; images that need it go through QEMU's
 * block layer (src/host/node/nbd/).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { BlockDiskError, type BlockDisk } from '../common/block_disk.js';

const SECTOR = 512;

export class RawDisk implements BlockDisk {
  readonly canDiscard = false;
  private closed = false;

  private constructor(
    private readonly fh: FileHandle,
    private readonly image: string,
    readonly sizeBytes: number,
    readonly readOnly: boolean,
  ) {}

  /**
   * Opens `image` (a regular file or a block device). Its size must be a whole number of 512-byte
   * sectors, as a disk's is: anything else is refused rather than silently truncated.
   */
  static async open(image: string, opts: { readonly readOnly: boolean }): Promise<RawDisk> {
    let fh: FileHandle;
    try {
      fh = await open(image, opts.readOnly ? 'r' : 'r+');
    } catch (e) {
      throw new BlockDiskError('open', image, errnoText(e), { cause: e });
    }
    try {
      const st = await fh.stat();
      if (st.isDirectory()) throw new BlockDiskError('open', image, 'it is a directory');
      if (!st.isFile() && !st.isBlockDevice()) throw new BlockDiskError('open', image, 'not a regular file or block device');
      // A block device reports size 0 through stat; its size is where reading ends.
      const size = st.isFile() ? st.size : await deviceSize(fh);
      if (size % SECTOR !== 0) throw new BlockDiskError('open', image, `its size (${size} bytes) is not a whole number of 512-byte sectors`);
      if (size === 0) throw new BlockDiskError('open', image, 'it is empty');
      return new RawDisk(fh, image, size, opts.readOnly);
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  async read(offset: number, into: Uint8Array): Promise<void> {
    this.check('read', offset, into.length);
    let done = 0;
    try {
      while (done < into.length) {
        const { bytesRead } = await this.fh.read(into, done, into.length - done, offset + done);
        if (bytesRead === 0) throw new Error(`unexpected end of file at byte ${offset + done}`);
        done += bytesRead;
      }
    } catch (e) {
      throw new BlockDiskError('read', this.image, errnoText(e), { cause: e });
    }
  }

  async write(offset: number, from: Uint8Array): Promise<void> {
    this.check('write', offset, from.length);
    if (this.readOnly) throw new BlockDiskError('write', this.image, 'the disk is read-only');
    let done = 0;
    try {
      while (done < from.length) {
        const { bytesWritten } = await this.fh.write(from, done, from.length - done, offset + done);
        done += bytesWritten;
      }
    } catch (e) {
      throw new BlockDiskError('write', this.image, errnoText(e), { cause: e });
    }
  }

  async flush(): Promise<void> {
    if (this.closed) throw new BlockDiskError('flush', this.image, 'the disk is closed');
    if (this.readOnly) return;
    try {
      await this.fh.datasync();
    } catch (e) {
      throw new BlockDiskError('flush', this.image, errnoText(e), { cause: e });
    }
  }

  discard(): Promise<void> {
    return Promise.reject(new BlockDiskError('discard', this.image, 'raw images do not support discard'));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (!this.readOnly) await this.fh.datasync();
    } finally {
      await this.fh.close();
    }
  }

  private check(op: string, offset: number, length: number): void {
    if (this.closed) throw new BlockDiskError(op, this.image, 'the disk is closed');
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + length > this.sizeBytes) {
      throw new BlockDiskError(op, this.image, `${length} bytes at offset ${offset} pass the end of the disk (${this.sizeBytes} bytes)`);
    }
  }
}

/** The size of a block device: the offset of its last byte + 1, found by binary search on reads. */
async function deviceSize(fh: FileHandle): Promise<number> {
  const probe = new Uint8Array(1);
  const readable = async (at: number) => (await fh.read(probe, 0, 1, at)).bytesRead === 1;
  if (!(await readable(0))) return 0;
  let lo = 0;
  let hi = 1;
  while (await readable(hi)) {
    lo = hi;
    hi *= 2;
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (await readable(mid)) lo = mid;
    else hi = mid;
  }
  return lo + 1;
}

function errnoText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case 'ENOENT': return 'no such file';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'ENOSPC': return 'no space left on the host device';
    case 'EIO': return 'input/output error';
    case 'EROFS': return 'the host filesystem is read-only';
    case 'EISDIR': return 'it is a directory';
    default: return err.code ?? err.message ?? String(e);
  }
}
