/**
 * Node permissions (docs/misc/xenstore.txt "Permissions"; C xenstored's perm_for_conn). A list of
 * `<n|r|w|b><domid>` entries: the first names the owner and is the default for every domain not
 * listed later. Owners and privileged callers get everything.
 */

export const XS_PERM_NONE = 0;
export const XS_PERM_READ = 1;
export const XS_PERM_WRITE = 2;
export const XS_PERM_BOTH = XS_PERM_READ | XS_PERM_WRITE;
/** Never stored in a node: granted to the owner and to privileged callers (needed for SET_PERMS). */
export const XS_PERM_OWNER = 8;

/** One permission entry. */
export interface XsPerm {
  readonly perms: number;
  readonly domid: number;
}

/** Who is asking, as far as permission checks care. */
export interface XsCaller {
  readonly domid: number;
  /** Domain this caller acts for after XS_SET_TARGET (a device model's target guest). */
  readonly target: number | undefined;
  /** Domain-0 and its socket clients: bypass permissions and quotas. */
  readonly privileged: boolean;
}

const LETTER_PERMS: Record<string, number> = { n: XS_PERM_NONE, r: XS_PERM_READ, w: XS_PERM_WRITE, b: XS_PERM_BOTH };
const PERM_LETTERS = ['n', 'r', 'w', 'b'];
/** domid_t is 16 bits on the wire. */
const DOMID_MAX = 0xffff;

/** Parses one entry such as "r2"; undefined when malformed (the request then fails with EINVAL). */
export function parsePerm(s: string): XsPerm | undefined {
  const m = /^([nrwb])(\d{1,5})$/.exec(s);
  if (m === null) return undefined;
  const domid = Number(m[2]);
  return domid > DOMID_MAX ? undefined : { perms: LETTER_PERMS[m[1]!]!, domid };
}

/** Formats one entry as GET_PERMS returns it. */
export function formatPerm(p: XsPerm): string {
  return `${PERM_LETTERS[p.perms & XS_PERM_BOTH]}${p.domid}`;
}

/** Formats a whole list the way xenstore-ls -p shows it ("n0,r2"). */
export function formatPerms(perms: readonly XsPerm[]): string {
  return perms.map(formatPerm).join(',');
}

/** The owner of a node: its first entry. */
export function permOwner(perms: readonly XsPerm[]): number {
  return perms[0]!.domid;
}

function actsAs(caller: XsCaller, domid: number): boolean {
  return caller.domid === domid || (caller.target !== undefined && caller.target === domid);
}

/**
 * The access `caller` has to a node with `perms` (bits XS_PERM_READ/WRITE/OWNER). A caller that
 * was given a target by XS_SET_TARGET is treated as that domain too, as C xenstored does.
 */
export function permForCaller(caller: XsCaller, perms: readonly XsPerm[]): number {
  if (caller.privileged || actsAs(caller, permOwner(perms))) return XS_PERM_BOTH | XS_PERM_OWNER;
  for (let i = 1; i < perms.length; i++) {
    if (actsAs(caller, perms[i]!.domid)) return perms[i]!.perms;
  }
  return perms[0]!.perms;
}

/** True when `caller` holds every bit of `want` on a node with `perms`. */
export function hasPerm(caller: XsCaller, perms: readonly XsPerm[], want: number): boolean {
  return (permForCaller(caller, perms) & want) === want;
}
