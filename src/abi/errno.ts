/**
 * Xen's errno values (xen/include/public/errno.h). Hypercalls return them negated in x0; they are
 * the same numbers on every architecture Xen supports, and not the host's.
 */
export const XEN_EPERM = 1;
export const XEN_ENOENT = 2;
export const XEN_ESRCH = 3;
export const XEN_EINTR = 4;
export const XEN_EIO = 5;
export const XEN_ENXIO = 6;
export const XEN_E2BIG = 7;
export const XEN_EBADF = 9;
export const XEN_EAGAIN = 11;
export const XEN_ENOMEM = 12;
export const XEN_EACCES = 13;
export const XEN_EFAULT = 14;
export const XEN_EBUSY = 16;
export const XEN_EEXIST = 17;
export const XEN_ENODEV = 19;
export const XEN_EINVAL = 22;
export const XEN_ENOSPC = 28;
export const XEN_ERANGE = 34;
export const XEN_ENOSYS = 38;
export const XEN_ENODATA = 61;
export const XEN_EOVERFLOW = 75;
export const XEN_EOPNOTSUPP = 95;
export const XEN_EILSEQ = 84;
