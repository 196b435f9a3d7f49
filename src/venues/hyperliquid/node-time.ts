import { isEpochMs } from '../fields.js';

// Apart from node-block.ts so that fast-block.ts, which node-block.ts uses, can read them without an import circle.

/** The `source` of events from a node's `node_fills_by_block` lines. */
export const NODE_FILLS_SOURCE = 'node_fills_by_block';

const NODE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z?$/;

/**
 * The node's timestamps (`2026-06-28T08:43:53.687645997`) carry nanoseconds and no zone; they are UTC.
 * Truncated to the millisecond so the result never lies in the future of the instant written.
 */
export function parseNodeTime(text: string): number | undefined {
  const m = NODE_TIME.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac] = m;
  const ms = frac === undefined ? 0 : Number(frac.padEnd(3, '0').slice(0, 3));
  const t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  return isEpochMs(t) ? t : undefined;
}
