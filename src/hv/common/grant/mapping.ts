/**
 * What an in-process Domain-0 backend holds after mapping a grant: a 4096-byte view of the
 * granter's page. The view is revocable, because the granter may be destroyed first: after that
 * `page` is a private scratch page, so a backend that is late to notice never touches the memory
 * a dead domain (or its successor) owned.
 */
import { XEN_PAGE_SIZE } from '../../../abi/xen.js';

/** A granted page mapped by an in-process backend (see GrantTable.mapGrant). */
export class GrantMapping {
  private view: Uint8Array;
  private revokedFlag = false;

  /**
   * @param handle the maptrack handle to pass to GrantTable.unmapGrant
   * @param granter the granting domain
   * @param ref the grant reference
   * @param readonly true when the grant was mapped read-only: `page` must then not be written
   */
  constructor(
    readonly handle: number,
    readonly granter: number,
    readonly ref: number,
    readonly readonly: boolean,
    view: Uint8Array,
  ) {
    this.view = view;
  }

  /**
   * The granted page (exactly 4096 bytes). Read it afresh for each access rather than keeping it:
   * it is swapped for scratch memory when the mapping is revoked.
   */
  get page(): Uint8Array {
    return this.view;
  }

  /** True once unmapped, or once the granter was destroyed under the mapping. */
  get revoked(): boolean {
    return this.revokedFlag;
  }

  /** Detaches the view from the granter's memory (called by the grant table only). */
  revoke(): void {
    if (this.revokedFlag) return;
    this.revokedFlag = true;
    this.view = new Uint8Array(XEN_PAGE_SIZE);
  }
}
