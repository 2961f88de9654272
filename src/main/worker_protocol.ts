/** Messages between the toolstack's thread and a domain's worker (domain_worker.ts). */
import type { ShutdownReason } from '../abi/xen.js';
import type { DomainState } from '../hv/common/domain.js';
import type { EvtchnSharedDescriptor } from '../hv/common/event/index.js';
import type { DomainBuildParams, DomainBuilt, DomainCounters } from '../hv/domain_runtime.js';
import type { DirtyBitmap, DirtyLogOp } from '../lib/dirty_log.js';
import type { HvmBuildParams } from '../hv/hvm_runtime.js';

/** The worker's workerData: which kind of domain to build, from what. */
export type WorkerLaunch = { readonly kind: 'xen'; readonly params: DomainBuildParams } | { readonly kind: 'hvm'; readonly params: HvmBuildParams };

export type WorkerRequest =
  | { readonly kind: 'unpause' | 'pause' | 'destroy' }
  | { readonly kind: 'add-peer'; readonly desc: EvtchnSharedDescriptor }
  | { readonly kind: 'remove-peer'; readonly domid: number }
  | { readonly kind: 'console-input'; readonly bytes: Uint8Array }
  | { readonly kind: 'counters'; readonly id: number }
  | { readonly kind: 'dirty-log'; readonly id: number; readonly op: DirtyLogOp };

export type WorkerReply =
  | { readonly kind: 'built'; readonly built: DomainBuilt | null }
  | { readonly kind: 'build-failed'; readonly message: string }
  | { readonly kind: 'state'; readonly state: DomainState; readonly reason: ShutdownReason | null }
  | { readonly kind: 'log'; readonly line: string }
  | { readonly kind: 'console'; readonly bytes: Uint8Array }
  | { readonly kind: 'counters'; readonly id: number; readonly counters: DomainCounters }
  | { readonly kind: 'dirty-log'; readonly id: number; readonly bitmap: DirtyBitmap | null }
  | { readonly kind: 'failed'; readonly message: string }
  | { readonly kind: 'destroyed' };
