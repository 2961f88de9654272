/**
 * What libxl does for every kind of device in xenstore (libxl_device.c, libxl_xshelp.c): one
 * transaction per change, retried on conflict; removal that prunes parents left empty; reads that
 * treat a missing node as absent; and C's reading of numbers a guest wrote.
 */
import { XsError, type XsRequestOptions } from '../xenstore/index.js';

/** The xenstore requests device entries need: an in-process client acting as Domain-0 (XsClient). */
export interface DeviceStore {
  read(path: string, opts?: XsRequestOptions): string;
  write(path: string, value: string, opts?: XsRequestOptions): void;
  mkdir(path: string, opts?: XsRequestOptions): void;
  rm(path: string, opts?: XsRequestOptions): void;
  directory(path: string, opts?: XsRequestOptions): string[];
  setPerms(path: string, perms: readonly string[], opts?: XsRequestOptions): void;
  transactionStart(): number;
  transactionEnd(tx: number, commit: boolean): void;
}

/** What the `xl *-list` commands read. */
export type DeviceReader = Pick<DeviceStore, 'read' | 'directory'>;

export const isErrno = (e: unknown, errno: string): boolean => e instanceof XsError && e.errno === errno;

/** xs_rm as libxl__xs_rm_checked uses it: a path that is already gone is fine. Returns whether it was there. */
export function rmIfPresent(xs: Pick<DeviceStore, 'rm'>, path: string, opts: XsRequestOptions): boolean {
  try {
    xs.rm(path, opts);
    return true;
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return false;
    throw e;
  }
}

/** xs_read that gives undefined for a missing node, as libxl__xs_read does. */
export function readIfPresent(xs: DeviceReader, path: string, opts?: XsRequestOptions): string | undefined {
  try {
    return xs.read(path, opts);
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return undefined;
    throw e;
  }
}

/**
 * How often a transaction is retried after xenstored reports a conflict (EAGAIN). libxl retries
 * without limit; a bound turns a writer that conflicts forever into an error instead of a hang.
 */
const TRANSACTION_ATTEMPTS = 8;

/** Runs `body` in one transaction, as libxl does, so a guest watching `device/` sees the device appear whole. */
export function inTransaction(xs: DeviceStore, body: (opts: XsRequestOptions) => void): void {
  for (let attempt = 1; ; attempt++) {
    const tx = xs.transactionStart();
    try {
      body({ tx });
    } catch (e) {
      xs.transactionEnd(tx, false);
      throw e;
    }
    try {
      xs.transactionEnd(tx, true);
      return;
    } catch (e) {
      if (!isErrno(e, 'EAGAIN') || attempt === TRANSACTION_ATTEMPTS) throw e;
    }
  }
}

/**
 * libxl__xs_path_cleanup: removes `path`, then each parent that is left empty (no value, no
 * children). Nothing is pruned when `path` was already gone.
 */
export function pathCleanup(xs: DeviceStore, path: string, opts: XsRequestOptions): void {
  if (!rmIfPresent(xs, path, opts)) return;
  for (let dir = path.slice(0, path.lastIndexOf('/')); dir !== ''; dir = dir.slice(0, dir.lastIndexOf('/'))) {
    if (readIfPresent(xs, dir, opts) !== '' || xs.directory(dir, opts).length !== 0) return;
    xs.rm(dir, opts);
  }
}

/** C's `(int)strtoul(text, NULL, 10)` on an LP64 host: what libxl makes of a number the guest wrote. */
export function cStrtoulAsInt(text: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-9]*)/.exec(text)!;
  if (m[2] === '') return 0;
  const ULONG_MAX = (1n << 64n) - 1n;
  const magnitude = BigInt(m[2]!);
  // Out of range gives ULONG_MAX whatever the sign; otherwise a minus sign negates modulo 2^64.
  const value = magnitude > ULONG_MAX ? ULONG_MAX : m[1] === '-' ? (-magnitude) & ULONG_MAX : magnitude;
  return Number(BigInt.asIntN(32, value));
}

/** libxl__backendpath_parse_domid: the domain a backend path lives in ("/local/domain/<id>/..."). */
export function backendDomid(path: string): number | undefined {
  const m = /^\/local\/domain\/([0-9]+)\//.exec(path);
  return m === null ? undefined : Number(m[1]);
}


/**
 * Removes one device as libxl__device_destroy does from Domain-0: its frontend, libxl and backend
 * directories, and any parent each leaves empty. Parts already gone are fine.
 */
export function removeDeviceEntries(xs: DeviceStore, p: { readonly frontend: string; readonly backend: string; readonly libxl: string }): void {
  inTransaction(xs, (opts) => {
    pathCleanup(xs, p.frontend, opts);
    pathCleanup(xs, p.libxl, opts);
    pathCleanup(xs, p.backend, opts);
  });
}

/** The device numbers under libxl's `dir` (libxl__device_list): none when the directory is absent. */
export function listDevices(xs: DeviceReader, dir: string): string[] {
  try {
    return xs.directory(dir);
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return [];
    throw e;
  }
}
