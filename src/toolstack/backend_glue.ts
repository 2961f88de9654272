/**
 * The hypervisor side of a Domain-0 backend's interfaces (src/backends/host.ts) for one frontend
 * domain: grants through Domain-0's grant table (every check of GNTTABOP_map_grant_ref applies),
 * event channels through Domain-0's ports.
 */
import type { BackendEvents, BackendGrants, GrantedPage } from '../backends/host.js';
import { isGrantError } from '../hv/common/grant/index.js';
import type { Hypervisor } from '../hv/hypervisor.js';

export function backendGrants(hv: Hypervisor, frontendDomid: number): BackendGrants {
  return {
    map(ref, writable): GrantedPage | string {
      const m = hv.dom0Grants.mapGrant(frontendDomid, ref, { readonly: !writable });
      if (isGrantError(m)) return m.reason;
      let released = false;
      return {
        get page() {
          return m.page;
        },
        release() {
          if (released) return;
          released = true;
          hv.dom0Grants.unmapGrant(m.handle);
        },
      };
    },
  };
}

export function backendEvents(hv: Hypervisor, frontendDomid: number): BackendEvents {
  return {
    bind(remotePort, onEvent) {
      try {
        return hv.bindDom0(frontendDomid, remotePort, onEvent);
      } catch (e) {
        return (e as Error).message;
      }
    },
    notify: (port) => hv.notifyFromDom0(port),
    unbind: (port) => hv.unbindDom0(port),
  };
}

/**
 * Runs a backend's `close` with a deadline `ms` away (libxl's LIBXL_DESTROY_TIMEOUT for a guest
 * that never lets go), and clears the timer once it is done, so a finished detach leaves nothing
 * pending behind it.
 */
export async function closeWithin(ms: number, close: (deadline: Promise<void>) => Promise<void>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  try {
    await close(deadline);
  } finally {
    clearTimeout(timer);
  }
}
