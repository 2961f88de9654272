/** Test support: the store as `xenstore-ls -fp` prints it, to compare with the oracle's captures. */
import type { XsClient } from '../xenstore/index.js';

/** Every node below `from`, parents first, children in creation order, with its permissions. */
export function lsFp(xs: XsClient, from = '/'): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    for (const c of xs.directory(p)) {
      const q = p === '/' ? `/${c}` : `${p}/${c}`;
      out.push(`${q} = "${xs.read(q)}"   (${xs.getPerms(q).join(',')})`);
      walk(q);
    }
  };
  walk(from);
  return out;
}
