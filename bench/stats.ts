import { readFileSync } from 'node:fs';

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Runs `fn` over all items in `rounds` rounds and returns the best items/s (the least disturbed round). */
export function throughput<T>(items: T[], fn: (item: T) => unknown, rounds = 5): number {
  return throughputFresh(items, () => fn, rounds);
}

/**
 * As `throughput`, with a new `fn` from `make` for each pass over the items: a stateful parser (Hyperliquid's
 * vault inventory, a duplicate filter) would otherwise see every frame again and do other work. A round
 * makes passes until it has run 200 ms, so a venue with few frames is not timed on a few milliseconds.
 */
export function throughputFresh<T>(items: T[], make: () => (item: T) => unknown, rounds = 5): number {
  let best = 0;
  for (let r = 0; r < rounds; r++) best = Math.max(best, timedPass(items, make, 200).wall);
  return best;
}

/** Written by every timed pass, read never: so V8 cannot drop a contender's result as unused. */
let sink = 0;

/** One timed pass: passes over the items, a fresh `fn` from `make` each, until `minMs` have run; items/s by wall clock and by process CPU time. */
function timedPass<T>(items: T[], make: () => (item: T) => unknown, minMs: number): { wall: number; cpu: number } {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let passes = 0;
  let elapsed = 0;
  do {
    const fn = make();
    for (const item of items) if (fn(item)) sink++;
    passes += 1;
    elapsed = performance.now() - t0;
  } while (elapsed < minMs);
  const cpu = process.cpuUsage(cpu0);
  const n = items.length * passes;
  return { wall: n / (elapsed / 1000), cpu: n / ((cpu.user + cpu.system) / 1e6) };
}

/**
 * Items/s of each contender on the same items, best of `rounds`, the contenders taking turns within each
 * round: this host's speed changes in phases of tens of seconds, and a ratio of two rates timed in
 * different phases says more about the phases than about the parsers.
 */
export function compareThroughput<T, K extends string>(items: T[], contenders: Record<K, () => (item: T) => unknown>, rounds = 5): Record<K, number> {
  const best = Object.fromEntries(Object.keys(contenders).map((k) => [k, 0])) as Record<K, number>;
  for (let r = 0; r < rounds; r++)
    for (const k of Object.keys(contenders) as K[]) {
      // The garbage of the one before (ccxt makes much) is collected now, not in this one's time.
      (globalThis as { gc?: () => void }).gc?.();
      best[k] = Math.max(best[k], throughputFresh(items, contenders[k], 1));
    }
  return best;
}

export const rssMiB = (): number => process.memoryUsage().rss / 2 ** 20;
export const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/**
 * This process's own peak RSS: VmHWM, which belongs to the address space and starts afresh at exec. Not
 * getrusage's maxrss: Linux copies that from the parent at fork and keeps it across exec, so every child
 * of a bench that has just written a 1 GB file reported the writer's peak when that was higher (every
 * contender, orjson included, showed the same 398 MiB).
 */
export function peakRssMiB(): number {
  try {
    const kb = /VmHWM:\s*(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kb !== undefined) return Number(kb) / 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS / 1024;
}

/** Items/s of each round, by wall clock and by this process's CPU time (user + system, GC threads included). */
export interface Rounds {
  wall: number[];
  cpu: number[];
}

/**
 * As `compareThroughput`, but every round kept (for a median and its spread) and timed twice: wall clock, and the
 * process's CPU time, which a neighbour taking the core does not inflate. One full GC (--expose-gc) and one untimed
 * warm-up round first, so each contender enters the timed rounds with the garbage of what ran before collected and
 * its code optimised; every timed pass makes passes over the items, a fresh `fn` each, until it has run `minMs`; the
 * contenders take turns within a round, starting one later each round, each collecting its own garbage in its own
 * time. No GC is forced between passes: a forced GC, even a minor one, left the parsers' next pass re-optimising
 * their code (V8 recompiled them after each) at a quarter to a half of their speed, where `JSON.parse`, native, lost
 * less (docs/benchmarks.md, "The per-pass GC"); a parser in a connector runs on without forced collections.
 */
export function compareRounds<T, K extends string>(items: T[], contenders: Record<K, () => (item: T) => unknown>, rounds: number, minMs = 200): Record<K, Rounds> {
  const names = Object.keys(contenders) as K[];
  const all = Object.fromEntries(names.map((k) => [k, { wall: [], cpu: [] }])) as unknown as Record<K, Rounds>;
  (globalThis as { gc?: () => void }).gc?.();
  for (const k of names) timedPass(items, contenders[k], minMs);
  // Odd rounds take the contenders in the reverse order: a rotation alone keeps each one's predecessor for ever
  // (json, liqstream, ccxt: liqstream always ran right after JSON.parse), and with no GC between passes the garbage
  // left by the one before is collected in the same contender's timed passes every round. Measured, the effect on
  // the ratios was within the noise (docs/benchmarks.md, "The per-pass GC", review); the order is balanced anyway.
  const reversed = [...names].reverse();
  for (let r = 0; r < rounds; r++)
    for (let i = 0; i < names.length; i++) {
      const order = r % 2 === 0 || names.length < 3 ? names : reversed; // of two, a rotation alternates them already
      const k = order[(i + r) % names.length]!;
      const p = timedPass(items, contenders[k], minMs);
      all[k].wall.push(p.wall);
      all[k].cpu.push(p.cpu);
    }
  return all;
}

/** The median (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Round by round a ÷ b (the rounds are interleaved, so each pair ran in the same phase of the host). */
export const pairedRatios = (a: readonly number[], b: readonly number[]): number[] => a.map((x, i) => x / b[i]!);
