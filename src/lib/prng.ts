/**
 * xorshift32 (Marsaglia, "Xorshift RNGs", 2003): a tiny seeded generator, so fuzz targets and
 * randomized tests see the same inputs on every run and a failing seed can be replayed.
 */
export function xorshift32(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}
