/**
 * printf's "%.Nf" in JavaScript. Number.prototype.toFixed rounds an exact tie away from zero
 * (1.25 → "1.3"), where glibc rounds it to even (1.25 → "1.2"), as every C tool whose output we
 * reproduce does; every other value rounds the same way in both.
 */
export function cFixed(x: number, digits: number): string {
  const js = x.toFixed(digits);
  if (!Number.isFinite(x)) return js;
  // Doubles have finite decimal expansions; 30 more digits show whether the value is a tie.
  const long = Math.abs(x).toFixed(Math.min(100, digits + 30));
  const tail = long.slice(long.length - 30);
  if (!/^50*$/.test(tail)) return js;
  const kept = long.slice(0, long.length - 30);
  const lastDigit = Number(kept[kept.length - 1] === '.' ? kept[kept.length - 2] : kept[kept.length - 1]);
  // An even last kept digit stays (round down); an odd one rounds up, which is what toFixed did.
  if (lastDigit % 2 === 1) return js;
  return `${x < 0 ? '-' : ''}${kept.endsWith('.') ? kept.slice(0, -1) : kept}`;
}
