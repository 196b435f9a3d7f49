import { MAX_EPOCH_MS } from '../fields.js';
import { RE_NUMBER, RE_SKIP_VALUE, RE_TEXT, matchEntries } from '../scan.js';
import type { LiquidationEntry } from './schema.js';

const NUMBER = RE_NUMBER.replace('(', '(?:');
const HEAD = new RegExp(`^\\[${NUMBER},\\[`);
const NUMBER_OR_NULL = `(?:${RE_NUMBER}|null)`;
// A `pos` entry of the liq:global channel (docs "Liquidations"): the twelve fields the schema names, perhaps more after.
const ENTRY = new RegExp(
  `\\["pos",(0|[1-9][0-9]{0,14}),${RE_NUMBER},${RE_SKIP_VALUE},${RE_TEXT},${RE_NUMBER},${NUMBER_OR_NULL},${RE_SKIP_VALUE},([01]),(?:[01]|null),${RE_SKIP_VALUE},${NUMBER_OR_NULL}(?:,${RE_SKIP_VALUE})*\\]`,
  'y',
);
const TAIL = new RegExp(`(?:,${RE_SKIP_VALUE})*\\]$`, 'y');

/** A captured number that must be finite (the schema's Finite), or null when absent; undefined when not finite. */
const finite = (text: string | undefined): number | null | undefined => {
  if (text === undefined) return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
};

/**
 * A liq:global update in Bitfinex's own layout read without JSON.parse: its entries as `JSON.parse` plus the
 * LiquidationEntry schema give the fields the parser reads (the others are left null), or undefined (declined: the
 * full path reads it).
 */
export function readLiquidationFrame(frame: string): LiquidationEntry[] | undefined {
  const head = HEAD.exec(frame);
  if (head === null) return undefined;
  const entries: LiquidationEntry[] = [];
  const read = (m: RegExpExecArray): boolean => {
    const mts = Number(m[2]);
    const amount = finite(m[4]);
    const placed = finite(m[5]);
    const acquired = finite(m[7]);
    // BitfinexMs: finite, not negative, at most 13 digits.
    if (!(mts >= 0 && mts <= MAX_EPOCH_MS) || amount === undefined || amount === null || placed === undefined || acquired === undefined) return false;
    entries.push(['pos', Number(m[1]), mts, null, m[3]!, amount, placed, null, m[6] === '1' ? 1 : 0, null, null, acquired]);
    return true;
  };
  const end = matchEntries(frame, head[0].length, ENTRY, read);
  if (end < 0) return undefined;
  TAIL.lastIndex = end;
  return TAIL.test(frame) ? entries : undefined;
}
