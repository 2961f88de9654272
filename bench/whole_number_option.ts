/** A benchmark command's option that takes a whole number, as `npm run bench:idle` and `bench:idle-ab` read theirs. */

/** `v`, the value given for `--flag` of `tool`, as a whole number of at least `least`; undefined when not given. */
export function wholeNumberOption(tool: string, flag: string, v: string | undefined, least: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < least) throw new Error(`${tool}: --${flag} wants a whole number of at least ${least}, not "${v}"`);
  return n;
}
