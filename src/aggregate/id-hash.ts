/**
 * The 64-bit hash of a liquidation id both duplicate filters use, in two 32-bit halves (two FNV-1a variants over
 * the UTF-16 units): the ingest's RecentIds takes the first half for its buckets, the aggregator's SeenIds keeps
 * both. An id is hashed once per process on the embedded bus (the ingestor hands the halves to the consumer beside
 * its batch: src/pipeline/checked-batches.ts), and its 70-character ids made hashing ≈ 5% of the real mix's
 * pipeline (docs/benchmarks.md).
 */

/** The second half of the last `idHash`: read right after the call. */
export let idHashB = 0;

/** The first half of `id`'s hash; the second is left in `idHashB`. Never (0, 0): that pair means "none". */
export function idHash(id: string): number {
  let a = 0x811c9dc5 | 0;
  let b = 0x2f3e9d6b | 0;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  idHashB = a === 0 && b === 0 ? 1 : b;
  return a;
}

/** `idHash`'s first half alone (the same number): for a RecentIds whose second half nobody takes (a Kafka ingestor). */
export function idHashFirstHalf(id: string): number {
  let a = 0x811c9dc5 | 0;
  for (let i = 0; i < id.length; i++) a = Math.imul(a ^ id.charCodeAt(i), 0x01000193);
  return a;
}
