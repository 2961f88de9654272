/**
 * What a Domain-0 backend needs from the hypervisor, as small interfaces: access to the frontend's
 * grants (what Linux's gnttab_map_refs gives a kernel backend) and an event channel to it. The
 * toolstack implements them over the hypervisor's grant tables and Domain-0's event channels, so
 * backends depend on neither.
 */

/** A frontend's granted page while a backend holds it. */
export interface GrantedPage {
  /** The page (4096 bytes). Read it afresh for each access: it becomes scratch memory if the frontend's domain dies. */
  readonly page: Uint8Array;
  /** Gives the grant back (clears GTF_reading/GTF_writing once nothing else holds it). */
  release(): void;
}

/** One frontend domain's grants, as its backend reaches them. */
export interface BackendGrants {
  /** Maps grant `ref` of the frontend (writable to write into it); a string is why it was refused. */
  map(ref: number, writable: boolean): GrantedPage | string;
}

/** Domain-0's end of event channels to one frontend domain. */
export interface BackendEvents {
  /** Binds the frontend's unbound port `remotePort`; `onEvent` runs when the frontend signals. Returns the local port, or a string saying why not. */
  bind(remotePort: number, onEvent: () => void): number | string;
  /** Signals the frontend through local port `port`. */
  notify(port: number): void;
  /** Closes local port `port`. */
  unbind(port: number): void;
}

/** Where a backend reports what it does (the daemon's structured log). */
export type BackendLog = (line: string) => void;
