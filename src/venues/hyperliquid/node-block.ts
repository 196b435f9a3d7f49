import { z } from 'zod';
import { isEpochMs } from '../fields.js';
import { entryRejection, reject, rejectInvalid, withRejected, type EntryRejection, type ParseResult } from '../venue.js';
import { ADL_DIR, fillPairsToResult } from './fill.js';

/**
 * One line of a node's `node_fills_by_block` output → events (pure: no files here; node-fills.ts reads
 * and tails the files). A non-validator node run with `--write-fills --batch-by-block` writes one JSON
 * object per block; every fill of the block is there, so this source is `complete`.
 */
export const NODE_FILLS_SOURCE = 'node_fills_by_block';

/** `events` items are `[user, fill]`; checked by hand in nodeFillsBlockToResult (a cascade block holds 10,000+). */
export const NodeFillsBlock = z
  .object({
    block_number: z.number().int().nonnegative(),
    block_time: z.string(),
    local_time: z.string(),
    events: z.array(z.unknown()),
  })
  .loose();
export type NodeFillsBlock = z.infer<typeof NodeFillsBlock>;

const isUserFillPair = (e: unknown): e is readonly [string, unknown] => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && e[0].length > 0;

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

/** The envelope's checks, in the full parse's order: the block's fields, then its `local_time`. */
function receiveTimeOf(json: unknown): number | ParseResult {
  const block = NodeFillsBlock.safeParse(json);
  if (!block.success) return rejectInvalid(NODE_FILLS_SOURCE, block.error);
  const receiveTime = parseNodeTime(block.data.local_time);
  return receiveTime ?? reject(`invalid local_time ${JSON.stringify(block.data.local_time)}`);
}

const context = (receiveTime: number, vaults: ReadonlySet<string> | undefined) => ({ receiveTime, fidelity: 'complete' as const, source: NODE_FILLS_SOURCE, vaults });

/**
 * A parsed block line → events. receiveTime is the node's `local_time` (when the node wrote the block). An item
 * of `events` that is not a `[user, fill]` pair is dead-lettered on its own; the block's other fills count.
 */
export function nodeFillsBlockToResult(json: unknown, vaults?: ReadonlySet<string>): ParseResult {
  const receiveTime = receiveTimeOf(json);
  if (typeof receiveTime !== 'number') return receiveTime;
  const items = (json as NodeFillsBlock).events;
  let rejected: EntryRejection[] | undefined;
  // Only a block with a bad item pays for a copy: the pairs without it, each named by its place in `events`.
  let pairs: (readonly [string, unknown])[] | undefined;
  let places: number[] | undefined;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (isUserFillPair(item)) {
      if (pairs !== undefined) {
        pairs.push(item);
        places!.push(i);
      }
      continue;
    }
    if (pairs === undefined) {
      pairs = items.slice(0, i) as (readonly [string, unknown])[];
      places = pairs.map((_, j) => j);
    }
    (rejected ??= []).push(entryRejection(item, `invalid ${NODE_FILLS_SOURCE}: events.${i}: expected [user, fill]`));
  }
  return withRejected(fillPairsToResult(pairs ?? (items as (readonly [string, unknown])[]), context(receiveTime, vaults), NODE_FILLS_SOURCE, places), rejected);
}

/** One line of a `node_fills_by_block` file → events; never throws. Scans when it can (scanNodeBlock). */
export function parseNodeFillsLine(line: string): ParseResult {
  return scanNodeBlock(line) ?? parseNodeFillsLineFully(line);
}

/** The reference: the whole line through JSON.parse. scanNodeBlock must give exactly what this gives. */
export function parseNodeFillsLineFully(line: string, vaults?: ReadonlySet<string>): ParseResult {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return reject('invalid JSON');
  }
  return nodeFillsBlockToResult(json, vaults);
}

const EVENTS = '"events":[';
const MARKERS = ['"liquidation"', `"${ADL_DIR}"`];
/** Fewer bytes per marker than this and the full parse is the faster (~4 fills of 500 bytes). */
const DENSE_BYTES_PER_MARKER = 2048;
const QUOTE = 0x22;
const COMMA = 0x2c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
/**
 * `["user",{"key":value,…}]` whose values are strings or scalars (no nested object or array): most
 * fills. Valid only without backslashes, where `[^"]*` is exactly a string's content.
 */
const FLAT_ITEM = /\["[^"]+",\{(?:"[^"]*":(?:"[^"]*"|[^"{}[\],]+),)*"[^"]*":(?:"[^"]*"|[^"{}[\],]+)\}\]/y;
/** Open brackets of the object being scanned (reused: scanning allocates nothing per fill). */
const open: number[] = [];

/**
 * A block line → events without building the block: most fills are ordinary trades, and only a fill
 * whose text holds `"liquidation"` or `"Auto-Deleveraging"` can carry the liquidation object or the ADL
 * `dir` (fill.ts). Those fills alone are parsed (JSON.parse of the one `[user, fill]` pair) and go
 * through the same fillPairsToResult as the full parse, with their places in `events`; the envelope is
 * parsed with an empty `events`. The rest is stepped over: a flat fill in one regular-expression match,
 * anything else bracket by bracket, skipping strings with indexOf.
 *
 * Exact where it answers; undefined hands the line to the full parse, which is the reference:
 * - a backslash anywhere: a quote may then be escaped, or a key spelt `"liquid\u0061tion"`, so the
 *   text no longer shows every marker (the node writes none; its strings are addresses, coins, decimals);
 * - a block where most fills are marked (more than one marker per `denseBytesPerMarker`), which one
 *   parse of the whole line reads faster;
 * - any shape but `{…,"events":[["user",{…}],…]}` with nothing after `events`; an envelope with a
 *   `channel` (the WebSocket parser routes that by channel) or without `block_number` (which it rejects
 *   as an unknown shape, not as a block); a marked fill JSON.parse refuses.
 * What it does not check is the tokens inside an ordinary fill (a corrupt number there, which the
 * full parse would reject the block for): such a fill cannot yield an event either way.
 * Memory: the line and the marked fills, never the block's objects (a cascade block is 10+ MB).
 */
export function scanNodeBlock(text: string, vaults?: ReadonlySet<string>, denseBytesPerMarker = DENSE_BYTES_PER_MARKER): ParseResult | undefined {
  const at = text.indexOf(EVENTS);
  if (at < 0 || text.indexOf('\\') >= 0) return undefined;
  let envelope: unknown;
  try {
    envelope = JSON.parse(`${text.slice(0, at)}${EVENTS}]}`);
  } catch {
    return undefined;
  }
  if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope) || 'channel' in envelope || !('block_number' in envelope)) return undefined;

  // Where most fills are marked (a simulated day's blocks hold nothing else), parsing them one by one
  // costs more than one parse of the whole line.
  const markers = markerPlaces(text, at, denseBytesPerMarker > 0 ? (text.length - at) / denseBytesPerMarker : Infinity);
  if (markers === undefined) return undefined;
  let nextMarker = 0;
  const pairs: (readonly [string, unknown])[] = [];
  const places: number[] = [];
  let i = at + EVENTS.length;
  if (text.charCodeAt(i) === CLOSE_ARRAY) i += 1;
  else
    for (let place = 0; ; place++) {
      // ["user",{…}]: one regular-expression step for a flat fill (an ordinary trade), else bracket by bracket.
      // A marker before the next `}]` means a nested liquidation object, which the expression would fail on.
      const marked = nextMarker < markers.length && markers[nextMarker]! < text.indexOf('}]', i);
      FLAT_ITEM.lastIndex = i;
      let fillEnd = !marked && FLAT_ITEM.test(text) ? FLAT_ITEM.lastIndex - 2 : -1;
      if (fillEnd < 0) {
        if (text.charCodeAt(i) !== OPEN_ARRAY || text.charCodeAt(i + 1) !== QUOTE) return undefined;
        const userEnd = text.indexOf('"', i + 2);
        if (userEnd <= i + 2 || text.charCodeAt(userEnd + 1) !== COMMA || text.charCodeAt(userEnd + 2) !== OPEN_OBJECT) return undefined;
        fillEnd = objectEnd(text, userEnd + 2);
        if (fillEnd < 0 || text.charCodeAt(fillEnd + 1) !== CLOSE_ARRAY) return undefined;
      }
      if (nextMarker < markers.length && markers[nextMarker]! < fillEnd) {
        let pair: unknown;
        try {
          pair = JSON.parse(text.slice(i, fillEnd + 2));
        } catch {
          return undefined;
        }
        pairs.push(pair as readonly [string, unknown]);
        places.push(place);
        while (nextMarker < markers.length && markers[nextMarker]! < fillEnd) nextMarker++;
      }
      i = fillEnd + 2;
      const c = text.charCodeAt(i);
      i += 1;
      if (c === CLOSE_ARRAY) break;
      if (c !== COMMA) return undefined;
    }
  if (text.charCodeAt(i) !== CLOSE_OBJECT) return undefined;
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return undefined;
  }
  const receiveTime = receiveTimeOf(envelope);
  if (typeof receiveTime !== 'number') return receiveTime;
  return fillPairsToResult(pairs, context(receiveTime, vaults), NODE_FILLS_SOURCE, places);
}

/** Where the markers occur after `from`, in order; undefined as soon as there are more than `most`. */
function markerPlaces(text: string, from: number, most: number): number[] | undefined {
  const places: number[][] = [];
  let count = 0;
  for (const marker of MARKERS) {
    const found: number[] = [];
    for (let p = text.indexOf(marker, from); p >= 0; p = text.indexOf(marker, p + 1)) {
      if (++count > most) return undefined;
      found.push(p);
    }
    places.push(found);
  }
  const [a, b] = places as [number[], number[]];
  if (b.length === 0) return a;
  const merged: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) merged.push(j >= b.length || (i < a.length && a[i]! < b[j]!) ? a[i++]! : b[j++]!);
  return merged;
}

/**
 * Index of the `}` closing the object that opens at `start`, or -1 when the brackets do not balance.
 * Without backslashes every quote opens or closes a string, so a string is skipped to its next quote.
 */
function objectEnd(text: string, start: number): number {
  open.length = 0;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = text.indexOf('"', i + 1);
      if (i < 0) return -1;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) open.push(c);
    else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      if (open.pop() !== c - 2) return -1; // `]` and `}` are two above their openers
      if (open.length === 0) return i;
    }
  }
  return -1;
}
