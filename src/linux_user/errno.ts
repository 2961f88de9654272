/**
 * Linux errno values (include/uapi/asm-generic/errno-base.h and errno.h). System calls return them
 * negated, as the kernel does in X0.
 */
export const E = {
  PERM: 1,
  NOENT: 2,
  SRCH: 3,
  INTR: 4,
  IO: 5,
  NXIO: 6,
  E2BIG: 7,
  NOEXEC: 8,
  BADF: 9,
  CHILD: 10,
  AGAIN: 11,
  NOMEM: 12,
  ACCES: 13,
  FAULT: 14,
  BUSY: 16,
  EXIST: 17,
  XDEV: 18,
  NODEV: 19,
  NOTDIR: 20,
  ISDIR: 21,
  INVAL: 22,
  NFILE: 23,
  MFILE: 24,
  NOTTY: 25,
  FBIG: 27,
  NOSPC: 28,
  SPIPE: 29,
  ROFS: 30,
  MLINK: 31,
  PIPE: 32,
  RANGE: 34,
  DEADLK: 35,
  NAMETOOLONG: 36,
  NOSYS: 38,
  NOTEMPTY: 39,
  LOOP: 40,
  NODATA: 61,
  OVERFLOW: 75,
  NOTSUP: 95,
  TIMEDOUT: 110,
} as const;

/** Host (Node) error codes to Linux errno; anything unknown becomes EIO. */
const HOST_CODES: Readonly<Record<string, number>> = {
  EPERM: E.PERM, ENOENT: E.NOENT, EINTR: E.INTR, EIO: E.IO, ENXIO: E.NXIO, E2BIG: E.E2BIG, ENOEXEC: E.NOEXEC,
  EBADF: E.BADF, EAGAIN: E.AGAIN, ENOMEM: E.NOMEM, EACCES: E.ACCES, EFAULT: E.FAULT, EBUSY: E.BUSY,
  EEXIST: E.EXIST, EXDEV: E.XDEV, ENODEV: E.NODEV, ENOTDIR: E.NOTDIR, EISDIR: E.ISDIR, EINVAL: E.INVAL,
  EMFILE: E.MFILE, ENOTTY: E.NOTTY, EFBIG: E.FBIG, ENOSPC: E.NOSPC, ESPIPE: E.SPIPE, EROFS: E.ROFS,
  EMLINK: E.MLINK, EPIPE: E.PIPE, ENAMETOOLONG: E.NAMETOOLONG, ENOSYS: E.NOSYS, ENOTEMPTY: E.NOTEMPTY,
  ELOOP: E.LOOP, ENODATA: E.NODATA, EOVERFLOW: E.OVERFLOW, ENOTSUP: E.NOTSUP, ETIMEDOUT: E.TIMEDOUT,
};

/** The negated Linux errno for an error thrown by a node:fs call. Non-host errors are bugs and are rethrown. */
export function hostErrno(e: unknown): number {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') throw e;
  return -(HOST_CODES[code] ?? E.IO);
}
