/** Seeded PRNG (mulberry32): the same seed gives the same day, on every machine. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const normal = (): number => {
    const u = Math.max(next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
  };
  return {
    next,
    normal,
    int: (n: number): number => Math.floor(next() * n),
    /** Log-normal with the given mean (heavy-tailed position sizes). */
    lognormal: (mean: number, sigma: number): number => mean * Math.exp(sigma * normal() - (sigma * sigma) / 2),
  };
}
export type Prng = ReturnType<typeof prng>;
