/**
 * CPULIST strings for `cpus=` (xl.cfg(5) "cpus"; tools/xl/xl_parse.c parse_cpurange, update_cpumap_range,
 * parse_range): comma-separated terms, each `N`, `N-M` or `all`, optionally prefixed `node:`/`nodes:` to mean
 * whole NUMA nodes and `^` to remove rather than add. Terms apply left to right. Which CPUs `all` and nodes
 * stand for depends on the host, so parsing keeps the terms and {@link cpuListToSet} resolves them.
 */

/** One term of a CPULIST. `all` is never negated (xl: "Can't combine "^" and "all""). */
export type CpuListTerm =
  | { readonly op: 'add' | 'remove'; readonly unit: 'cpu' | 'node'; readonly first: number; readonly last: number }
  | { readonly op: 'add'; readonly unit: 'cpu' | 'node'; readonly all: true };

/** A parsed CPULIST. */
export type CpuList = readonly CpuListTerm[];

/** What a CPULIST needs to know about the host to be resolved. */
export interface HostCpuTopology {
  readonly nrCpus: number;
  /** CPUs of each NUMA node, indexed by node. */
  readonly nodeCpus: readonly (readonly number[])[];
}

/** Parse a CPULIST, or return the message xl prints for it. */
export function parseCpuList(text: string): CpuList | string {
  const terms: CpuListTerm[] = [];
  // strtok(buf, ","): empty items are skipped.
  for (const item of text.split(',').filter((t) => t !== '')) {
    let rest = item;
    const negate = rest.startsWith('^');
    if (negate) rest = rest.slice(1);
    const nodePrefix = /^nodes?:/.exec(rest);
    const unit = nodePrefix === null ? 'cpu' : 'node';
    if (nodePrefix !== null) rest = rest.slice(nodePrefix[0].length);
    if (rest === 'all') {
      if (negate) return 'Can\'t combine "^" and "all"';
      terms.push({ op: 'add', unit, all: true });
      continue;
    }
    // parse_range: strtoul (leading blanks allowed), optional "-M" with M >= N, nothing after.
    const m = /^[ \t\n\v\f\r]*([0-9]+)(?:-[ \t\n\v\f\r]*([0-9]+))?$/.exec(rest);
    const first = m === null ? NaN : Number(m[1]);
    const last = m?.[2] === undefined ? first : Number(m[2]);
    if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || last < first) return `Invalid pcpu range: ${item}`;
    terms.push({ op: negate ? 'remove' : 'add', unit, first, last });
  }
  return terms;
}

/** Resolve a CPULIST against the host. CPUs and nodes the host lacks are left out. */
export function cpuListToSet(list: CpuList, host: HostCpuTopology): Set<number> {
  const set = new Set<number>();
  const cpusOf = (unit: 'cpu' | 'node', n: number): readonly number[] => (unit === 'cpu' ? (n < host.nrCpus ? [n] : []) : (host.nodeCpus[n] ?? []));
  for (const term of list) {
    if ('all' in term) {
      const count = term.unit === 'cpu' ? host.nrCpus : host.nodeCpus.length;
      for (let n = 0; n < count; n++) for (const c of cpusOf(term.unit, n)) set.add(c);
      continue;
    }
    const last = Math.min(term.last, term.unit === 'cpu' ? host.nrCpus - 1 : host.nodeCpus.length - 1);
    for (let n = term.first; n <= last; n++) {
      for (const c of cpusOf(term.unit, n)) {
        if (term.op === 'add') set.add(c);
        else set.delete(c);
      }
    }
  }
  return set;
}
