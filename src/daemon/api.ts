/**
 * The daemon's HTTP/JSON API, in Firecracker's style: one resource per noun, each request parsed
 * into one action the domain manager carries out, errors as JSON `{ "error": message }` with a
 * status derived from what went wrong. `openapi.json` beside this file describes the same routes;
 * a test checks the two agree.
 */
import type { XlBlockListRow, XlNetworkListRow } from '../toolstack/xl_format.js';

/** A domain as `GET /domains` reports it. */
export interface DomainSummary {
  readonly domid: number;
  readonly name: string;
  readonly uuid: string;
  /** running, paused, shutdown, dying (Domain-0 is always running). */
  readonly state: string;
  /** The shutdown reason once the domain has shut down. */
  readonly shutdownReason: string | null;
  /** Whether every vCPU is waiting (xl list's "b"). */
  readonly blocked: boolean;
  readonly memoryMiB: number;
  /** Its maximum (xl.cfg maxmem; Domain-0's is its memory). */
  readonly maxMemoryMiB: number;
  readonly vcpus: number;
  readonly cpuTimeS: number;
  readonly uptimeS: number;
}

export interface CreateRequest {
  /** Absolute path of the xl.cfg; relative kernel and ramdisk paths are taken from its directory. */
  readonly configFile: string;
  /** `KEY=VALUE` settings after the file name, as xl create takes them. */
  readonly overrides?: readonly string[];
  readonly paused?: boolean;
}

export interface CreateResponse {
  readonly domid: number;
  readonly name: string;
  readonly warnings: readonly string[];
}

/** `-fallback`: as xl shutdown/reboot -F, an ACPI power event for a guest without PV drivers. */
export type DomainAction = 'shutdown' | 'reboot' | 'shutdown-fallback' | 'reboot-fallback' | 'destroy' | 'pause' | 'unpause';
export const DOMAIN_ACTIONS: readonly DomainAction[] = ['shutdown', 'reboot', 'shutdown-fallback', 'reboot-fallback', 'destroy', 'pause', 'unpause'];

export interface ActionRequest {
  readonly action: DomainAction;
}

/** The routes the server answers (method and path pattern; `{ref}` is a domid or a name). */
export const ROUTES = [
  { method: 'GET', path: '/version' },
  { method: 'GET', path: '/domains' },
  { method: 'POST', path: '/domains' },
  { method: 'GET', path: '/domains/{ref}' },
  { method: 'PUT', path: '/domains/{ref}/actions' },
  { method: 'GET', path: '/domains/{ref}/counters' },
  { method: 'GET', path: '/domains/{ref}/console' },
  { method: 'GET', path: '/domains/{ref}/vcpus' },
  { method: 'PUT', path: '/domains/{ref}/vcpus' },
  { method: 'PUT', path: '/domains/{ref}/vcpus/{vcpu}/affinity' },
  { method: 'GET', path: '/domains/{ref}/sched' },
  { method: 'PUT', path: '/domains/{ref}/sched' },
  { method: 'PUT', path: '/domains/{ref}/memory' },
  { method: 'PUT', path: '/domains/{ref}/sysrq' },
  { method: 'PUT', path: '/domains/{ref}/name' },
  { method: 'GET', path: '/domains/{ref}/disks' },
  { method: 'POST', path: '/domains/{ref}/disks' },
  { method: 'DELETE', path: '/domains/{ref}/disks/{disk}' },
  { method: 'GET', path: '/domains/{ref}/nics' },
  { method: 'POST', path: '/domains/{ref}/nics' },
  { method: 'DELETE', path: '/domains/{ref}/nics/{nic}' },
  { method: 'GET', path: '/dmesg' },
  { method: 'GET', path: '/info' },
  { method: 'GET', path: '/sched' },
] as const;

/** One vCPU as `GET /domains/{ref}/vcpus` reports it (xl vcpu-list). */
export interface VcpuSummary {
  readonly vcpu: number;
  /** running: on a pCPU now; runnable: has work and waits for one. */
  readonly state: 'running' | 'runnable' | 'blocked' | 'offline';
  readonly timeS: number;
  /** The pCPU it runs or last ran on; -1 for Domain-0, which runs outside the scheduler. */
  readonly cpu: number;
  /** The pCPUs it may run on (hard) and prefers (soft). */
  readonly hardAffinity: readonly number[];
  readonly softAffinity: readonly number[];
}

/** `PUT /domains/{ref}/vcpus/{vcpu}/affinity` (xl vcpu-pin): CPULISTs in xl's syntax; an absent one is left as it is. */
export interface AffinityRequest {
  readonly hard?: string;
  readonly soft?: string;
}

/** A domain's credit2 parameters (xl sched-credit2 -d). */
export interface SchedParamsBody {
  readonly weight: number;
  /** Percent of one CPU; 0 is no cap. */
  readonly cap: number;
}

/** The scheduler (xl sched-credit2 -s). */
export interface SchedulerSummary {
  readonly scheduler: 'credit2';
  readonly pool: string;
  readonly ratelimitUs: number;
  readonly nrPcpus: number;
}

/** The host as `GET /info` reports it (xl info). */
export interface HostInfo {
  readonly host: string;
  readonly release: string;
  readonly version: string;
  readonly machine: string;
  readonly nrCpus: number;
  readonly cpuMhz: number;
  readonly totalMemoryMiB: number;
  readonly freeMemoryMiB: number;
  readonly xenMajor: number;
  readonly xenMinor: number;
  readonly xenExtra: string;
  readonly xenCaps: string;
  readonly xenScheduler: string;
  readonly xenPagesize: number;
  readonly xenCommandline: string;
}

/** A virtual disk as `GET /domains/{ref}/disks` reports it: a row of xl block-list (devid is the Vdev column, frontendId the handle). */
export type DiskSummary = XlBlockListRow;

/**
 * `POST /domains/{ref}/disks` (xl block-attach): a disk specification in xl's syntax
 * (xl-disk-configuration(5)), as one string or as block-attach's components, each scanned on its
 * own. Its target must be an absolute path.
 */
export interface DiskAttachRequest {
  readonly spec: string | readonly string[];
}

export interface DiskAttachResponse {
  readonly vdev: string;
  readonly devid: number;
}

/** A virtual NIC as `GET /domains/{ref}/nics` reports it: a row of xl network-list. */
export type NicSummary = XlNetworkListRow;

/**
 * `POST /domains/{ref}/nics` (xl network-attach): a vif specification in xl's syntax
 * (xl-network-configuration(5)), as one string or as network-attach's components (an empty list
 * takes every default). Without `devid=` the NIC gets the next free devid, without `mac=` a
 * random MAC in Xen's OUI.
 */
export interface NicAttachRequest {
  readonly spec: string | readonly string[];
}

export interface NicAttachResponse {
  readonly devid: number;
  readonly mac: string;
  /** What xl would print and carry on from (keys it ignores). */
  readonly warnings: readonly string[];
}

/** The upgrade token of the console stream (GET /domains/{ref}/console with Connection: Upgrade). */
export const CONSOLE_UPGRADE = 'xenon-console';
