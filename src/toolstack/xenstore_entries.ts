/**
 * The xenstore entries Xen's toolstack writes for a new domU and for Domain-0 (libxl_create.c
 * libxl__domain_make, libxl_dom.c libxl__build_post, libxl_console.c), with the permissions libxl
 * gives them: the domain's home readable by the guest, its control, data and feature nodes owned by
 * the guest. The oracle's captured tree (shared/xen-oracle/outputs/auto-run/min-xenstore-ls-fp.txt)
 * is the reference.
 */
import { XsError } from '../xenstore/index.js';

/** What the entries are written through: an in-process xenstore client acting as Domain-0. */
export interface StoreWriter {
  write(path: string, value: string): void;
  mkdir(path: string): void;
  setPerms(path: string, perms: readonly string[]): void;
}

export interface DomainStoreInfo {
  readonly domid: number;
  readonly name: string;
  readonly uuid: string;
  readonly vcpus: number;
  readonly memoryKiB: number;
  readonly maxMemoryKiB: number;
  readonly type: 'pvh' | 'hvm';
  /** A Xen guest's store and console rings (absent for an HVM domain, which has neither). */
  readonly pv?: {
    readonly storePort: number;
    readonly storeGfn: number;
    readonly consolePort: number;
    readonly consoleGfn: number;
    /** The console's terminal as `xl console` reports it (a pty name under xenconsoled). */
    readonly consoleTty: string;
  };
  /** Seconds since the epoch, with two decimals as libxl writes start_time. */
  readonly startTime: string;
}

/** The nodes a Xen host has before any domU: Domain-0's home and the tool directory (xen-init-dom0). */
export function writeDom0Entries(xs: StoreWriter, memoryKiB: number): void {
  xs.mkdir('/tool/xenstored');
  const home = '/local/domain/0';
  xs.write(`${home}/domid`, '0');
  xs.write(`${home}/name`, 'Domain-0');
  for (const f of ['feature-poweroff', 'feature-reboot', 'feature-suspend']) xs.write(`${home}/control/${f}`, '1');
  xs.write(`${home}/memory/target`, String(memoryKiB));
  xs.write(`${home}/memory/static-max`, String(memoryKiB));
  xs.write('/local/pool/0/name', 'Pool-0');
}

export function writeDomainEntries(xs: StoreWriter, i: DomainStoreInfo): void {
  const id = i.domid;
  const home = `/local/domain/${id}`;
  const ro = ['n0', `r${id}`];
  const guestOwned = [`n${id}`];
  const vm = `/vm/${i.uuid}`;
  const put = (path: string, value: string, perms: readonly string[] = ro) => {
    xs.write(path, value);
    xs.setPerms(path, perms);
  };
  const dir = (path: string, perms: readonly string[] = ro) => {
    xs.mkdir(path);
    xs.setPerms(path, perms);
  };
  dir(home);
  put(`${home}/vm`, vm);
  put(`${home}/name`, i.name);
  dir(`${home}/cpu`);
  for (let c = 0; c < i.vcpus; c++) {
    dir(`${home}/cpu/${c}`);
    put(`${home}/cpu/${c}/availability`, 'online');
  }
  dir(`${home}/memory`);
  put(`${home}/memory/static-max`, String(i.maxMemoryKiB));
  put(`${home}/memory/target`, String(i.memoryKiB));
  put(`${home}/memory/videoram`, '0');
  dir(`${home}/device`);
  dir(`${home}/device/suspend`);
  put(`${home}/device/suspend/event-channel`, '', guestOwned);
  dir(`${home}/control`);
  put(`${home}/control/shutdown`, '', guestOwned);
  for (const f of ['feature-poweroff', 'feature-reboot', 'feature-suspend']) put(`${home}/control/${f}`, '1', guestOwned);
  put(`${home}/control/sysrq`, '', guestOwned);
  put(`${home}/control/platform-feature-multiprocessor-suspend`, '1');
  put(`${home}/control/platform-feature-xs_reset_watches`, '1');
  for (const d of ['data', 'drivers', 'feature', 'attr', 'error']) dir(`${home}/${d}`, guestOwned);
  put(`${home}/domid`, String(id));
  dir(vm);
  put(`${vm}/name`, i.name);
  put(`${vm}/uuid`, i.uuid);
  put(`${vm}/start_time`, i.startTime);
  if (i.pv !== undefined) writeRings(xs, id, i.pv, put, dir);
  xs.write(`/libxl/${id}/type`, i.type);
  xs.write(`/libxl/${id}/dm-version`, 'qemu_xen');
}

type Put = (path: string, value: string, perms?: readonly string[]) => void;

/** The store and console entries of a Xen guest (libxl_dom.c build_post, libxl_console.c). */
function writeRings(xs: StoreWriter, id: number, pv: NonNullable<DomainStoreInfo['pv']>, put: Put, dir: (path: string) => void): void {
  const home = `/local/domain/${id}`;
  dir(`${home}/store`);
  put(`${home}/store/port`, String(pv.storePort));
  put(`${home}/store/ring-ref`, String(pv.storeGfn));

  const backend = `/local/domain/0/backend/console/${id}/0`;
  dir(`${home}/console`);
  put(`${home}/console/backend`, backend);
  put(`${home}/console/backend-id`, '0', [`n${id}`, 'r0']);
  put(`${home}/console/limit`, '1048576');
  put(`${home}/console/type`, 'xenconsoled');
  put(`${home}/console/output`, 'pty');
  put(`${home}/console/tty`, pv.consoleTty);
  put(`${home}/console/port`, String(pv.consolePort));
  put(`${home}/console/ring-ref`, String(pv.consoleGfn));
  xs.mkdir(`/local/domain/0/backend/console/${id}`);
  dir(backend);
  for (const [k, v] of [['frontend', `${home}/console`], ['frontend-id', String(id)], ['online', '1'], ['state', '1'], ['protocol', 'vt100']] as const) {
    put(`${backend}/${k}`, v);
  }

  for (const [k, v] of [['frontend', `${home}/console`], ['backend', backend], ['frontend-id', String(id)], ['online', '1'], ['state', '1'], ['protocol', 'vt100']] as const) {
    xs.write(`/libxl/${id}/device/console/0/${k}`, v);
  }
}

/**
 * Removes what writeDomainEntries and writeVbdEntries wrote, and backend directories left empty
 * by it (libxl__destroy_domid, libxl__xs_path_cleanup). A path that is already gone is fine.
 */
export function removeDomainEntries(xs: { rm(path: string): void; directory(path: string): string[] }, domid: number, uuid: string): void {
  const rm = (path: string) => {
    try {
      xs.rm(path);
    } catch (e) {
      if (!(e instanceof XsError && e.errno === 'ENOENT')) throw e;
    }
  };
  const children = (path: string): number => {
    try {
      return xs.directory(path).length;
    } catch (e) {
      if (e instanceof XsError && e.errno === 'ENOENT') return -1;
      throw e;
    }
  };
  rm(`/local/domain/${domid}`);
  rm(`/vm/${uuid}`);
  rm(`/libxl/${domid}`);
  const backend = '/local/domain/0/backend';
  for (const kind of BACKEND_KINDS) {
    rm(`${backend}/${kind}/${domid}`);
    if (children(`${backend}/${kind}`) === 0) rm(`${backend}/${kind}`);
  }
  if (children(backend) === 0) rm(backend);
}

/** The backend directories a domU can have in Domain-0: its console and its disks (vbd_entries.ts). */
const BACKEND_KINDS = ['console', 'vbd', 'qdisk'] as const;
