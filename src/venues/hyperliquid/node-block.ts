import { z } from 'zod';
import type { LiquidationEvent } from '../../schema/events.js';
import { EntryResults, entryRejection, reject, rejectInvalid, withRejected, type EntryRejection, type ParseResult } from '../venue.js';
import { ADL_DIR, DEFAULT_VAULTS, addFillPair, fillPairsToResult } from './fill.js';
import { createMarkedFillReader, type MarkedFillReader } from './fast-block.js';
import { NODE_FILLS_SOURCE, parseNodeTime } from './node-time.js';

/**
 * One line of a node's `node_fills_by_block` output → events (pure: no files here; node-fills.ts reads
 * and tails the files). A non-validator node run with `--write-fills --batch-by-block` writes one JSON
 * object per block; every fill of the block is there, so this source is `complete`.
 */
export { NODE_FILLS_SOURCE, parseNodeTime } from './node-time.js';

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
  return scanNodeBlock(line) ?? orScanned(line, parseNodeFillsLineFully(line));
}

/**
 * The full parse's refusal of a line as invalid JSON, or the scan of it read item by item whatever its markers: a
 * block too dense for the scan (it went to JSON.parse) with one malformed fill keeps its other fills, as a sparser
 * one does (entry by entry), instead of losing every liquidation in it.
 */
export function orScanned(line: string, full: ParseResult, vaults?: ReadonlySet<string>): ParseResult {
  return !full.ok && full.reason === 'invalid JSON' ? (scanNodeBlock(line, vaults, 0) ?? full) : full;
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
/** Fewer bytes per marker than this and the full parse is the faster (~4 fills of 500 bytes). */
const DENSE_BYTES_PER_MARKER = 2048;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const isJsonSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * A run of flat fills, `["user",{"key":value,…}],…`, checked token by token against JSON's own grammar:
 * strings without escapes, control characters or `]` (so a fill's only `]` is its closing one, and the
 * `]`s of a run count its fills), numbers as JSON writes them, `true`/`false`/`null`, no whitespace.
 * Whatever the expression accepts is valid JSON, so what it steps over needs no JSON.parse; what it does
 * not accept (a nested object such as a liquidation, an escape, whitespace, anything malformed) ends the
 * run and is read item by item. At most 256 fills a match: the engine keeps a backtrack entry per fill.
 */
const STR = String.raw`"[^"\\\x00-\x1f\]]*"`;
const NUM = String.raw`-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?`;
const VALUE = String.raw`(?:${STR}|${NUM}|true|false|null)`;
const FLAT_RUN = new RegExp(String.raw`(?:\["[^"\\\x00-\x1f\]]+",\{(?:${STR}:${VALUE}(?:,${STR}:${VALUE})*)?\}\](?:,(?=\[)|(?=\])))` + '{0,256}', 'y');
/**
 * One fill in the node's own layout (its keys, in its order; `cloid` and `twapId` optional), matched before
 * FLAT_RUN: literal keys are checked several at a time and there is no backtrack entry per fill, so the scan
 * steps over an ordinary trade ~30% faster (the node writes little else). Its strings and numbers are
 * FLAT_RUN's, so what it accepts FLAT_RUN accepts too (valid JSON, no `]` inside a string); anything else
 * (another layout, a marked fill's nested object, whitespace) fails it and goes on to FLAT_RUN.
 */
const NODE_FILL = new RegExp(
  String.raw`\["[^"\\\x00-\x1f\]]+",\{"coin":${STR},"px":${STR},"sz":${STR},"side":${STR},"time":${NUM},"startPosition":${STR},"dir":${STR},"closedPnl":${STR},"hash":${STR},"oid":${NUM},"crossed":(?:true|false),"fee":${STR},"tid":${NUM}(?:,"cloid":(?:${STR}|null))?,"feeToken":${STR}(?:,"twapId":(?:null|${NUM}))?\}\]`,
  'y',
);
/** The markers' rarest parts (indexOf runs several times faster on a needle starting with a rare character). */
const LIQUIDATION_TAIL = 'quidation"';
const LIQUIDATION_HEAD = '"li';
const ADL_TAIL = 'Deleveraging"';
const ADL_HEAD = `"${ADL_DIR.slice(0, ADL_DIR.length - 'Deleveraging'.length)}`;
/** Made on first use: fast-block.ts imports this module. */
let readMarkedFill: MarkedFillReader | undefined;
/** Open brackets of the value being stepped over (reused: nothing allocated per item). */
const open: number[] = [];

/**
 * A block line → events without building the block: most fills are ordinary trades, and only a fill
 * whose text holds `"liquidation"` or `"Auto-Deleveraging"` can carry the liquidation object or the ADL
 * `dir` (fill.ts). A marked fill in the node's layout is read straight to its event (fast-block.ts's
 * readMarkedFill, held to the full path by its tests); any other is parsed (JSON.parse of the one
 * `[user, fill]` pair) and goes through the same addFillPair as the full parse, with its place in
 * `events`; the envelope is parsed with an empty `events`.
 *
 * Exactness: every byte of `events` is read. Fills in the node's layout are matched by NODE_FILL, marked
 * ones by readMarkedFill's expression, runs of other flat fills by FLAT_RUN: each accepts only valid JSON
 * and keeps quote parity (strings are matched whole), so a marker found by indexOf inside what they
 * matched is a real string token of a real fill. Every other item (a nested liquidation object, escapes,
 * whitespace, an item that is not a pair) is stepped over bracket by bracket, strings and their escapes
 * included, and parsed on its own, so a key spelt `"liquid\u0061tion"` is seen as JSON.parse sees it.
 * Where it answers, on a valid line, it gives exactly what parseNodeFillsLineFully gives.
 *
 * Entry by entry: an item whose brackets balance but whose JSON does not parse is dead-lettered on its own
 * (`invalid JSON`, its text), and the block's other fills count; the full parse would refuse the whole line.
 *
 * Undefined hands the line to the full parse, which is the reference:
 * - a block where most fills are marked (more than one marker per `denseBytesPerMarker`) and a marked
 *   fill is not in the node's layout: one parse of the whole line reads such a block faster;
 * - any shape but `{…,"events":[…]}` with nothing after `events`; an envelope with a `channel` (the
 *   WebSocket parser routes that by channel) or without `block_number` (which it rejects as an unknown
 *   shape, not as a block); brackets that do not balance (a cut line).
 * Memory: the line and the marked fills, never the block's objects (a cascade block is 10+ MB).
 */
export function scanNodeBlock(text: string, vaults?: ReadonlySet<string>, denseBytesPerMarker = DENSE_BYTES_PER_MARKER): ParseResult | undefined {
  const at = text.indexOf(EVENTS);
  if (at < 0) return undefined;
  let envelope: unknown;
  try {
    envelope = JSON.parse(`${text.slice(0, at)}${EVENTS}]}`);
  } catch {
    return undefined;
  }
  if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope) || 'channel' in envelope || !('block_number' in envelope)) return undefined;

  const markers = markerPlaces(text, at);
  // Where most fills are marked (a cascade's blocks), parsing them one by one costs more than one parse of the
  // whole line: such a block is read only while its marked fills are in the node's layout (readMarkedFill), and
  // handed to the full parse at the first that is not.
  const dense = denseBytesPerMarker > 0 && markers.length > (text.length - at) / denseBytesPerMarker;
  // The envelope's verdict is the full parse's first; the items are still read, since a line cut short is deferred.
  const receiveTime = receiveTimeOf(envelope);
  const ctx = typeof receiveTime === 'number' ? context(receiveTime, vaults) : undefined;
  const out = new EntryResults(`${NODE_FILLS_SOURCE} liquidation`);
  const readFill = (readMarkedFill ??= createMarkedFillReader());
  let nextMarker = 0;
  const pastMarkers = (end: number): void => {
    while (nextMarker < markers.length && markers[nextMarker]! < end) nextMarker++;
  };
  let rejected: EntryRejection[] | undefined;
  // `place` is the index in `events` of the item at `counted`; the `]`s between there and a later fill of a flat run count the fills in between.
  let place = 0;
  let counted = at + EVENTS.length;
  const placeOf = (start: number): number => {
    for (let p = text.indexOf(']', counted); p >= 0 && p < start; p = text.indexOf(']', p + 1)) place += 1;
    counted = start;
    return place;
  };
  /** A marked pair read by JSON.parse (the slice is valid JSON): its event or its dead letter, at its place. */
  const addPair = (pair: readonly [string, unknown], at: number): void => {
    if (ctx !== undefined) addFillPair(out, pair, ctx, NODE_FILLS_SOURCE, at);
  };
  /** After a fill ending at `end`: `,[` or the closing `]`, what FLAT_RUN asks; anything else is left to the item path. */
  const followsFill = (end: number): boolean => {
    const c = text.charCodeAt(end);
    return c === CLOSE_ARRAY || (c === COMMA && text.charCodeAt(end + 1) === OPEN_ARRAY);
  };
  let i = skipSpace(text, at + EVENTS.length);
  if (text.charCodeAt(i) === CLOSE_ARRAY) i += 1;
  else
    for (;;) {
      NODE_FILL.lastIndex = i;
      if (NODE_FILL.test(text) && followsFill(NODE_FILL.lastIndex)) {
        const end = NODE_FILL.lastIndex;
        // A marker inside it is a whole string of the fill (its strings are matched whole): the pair is parsed.
        if (nextMarker < markers.length && markers[nextMarker]! < end) {
          if (dense) return undefined;
          addPair(JSON.parse(text.slice(i, end)) as readonly [string, unknown], placeOf(i));
          pastMarkers(end);
        }
        i = end + 1;
        if (text.charCodeAt(end) === CLOSE_ARRAY) break;
        continue;
      }
      // A marked fill in the node's layout, read straight to its event (its strings may hold `]`: it is counted here).
      if (ctx !== undefined && nextMarker < markers.length) {
        const before = out.events.length;
        const end = readFill(text, i, ctx.receiveTime, vaults ?? DEFAULT_VAULTS, out.events as LiquidationEvent[]);
        if (end > 0 && followsFill(end)) {
          placeOf(i);
          place += 1;
          counted = end;
          pastMarkers(end);
          i = end + 1;
          if (text.charCodeAt(end) === CLOSE_ARRAY) break;
          continue;
        }
        out.events.length = before;
      }
      FLAT_RUN.lastIndex = i;
      FLAT_RUN.test(text);
      const runEnd = FLAT_RUN.lastIndex;
      // Marked fills inside the run: its strings hold no `]`, so the fill is between the `],` before the marker and the `]` after it.
      while (nextMarker < markers.length && markers[nextMarker]! < runEnd) {
        if (dense) return undefined;
        const m = markers[nextMarker]!;
        const before = text.lastIndexOf('],', m);
        const start = before >= i ? before + 2 : i;
        const end = text.indexOf(']', m) + 1;
        addPair(JSON.parse(text.slice(start, end)) as readonly [string, unknown], placeOf(start)); // FLAT_RUN accepts only valid JSON
        pastMarkers(end);
      }
      if (runEnd > i) {
        i = runEnd;
        if (text.charCodeAt(i) === CLOSE_ARRAY) {
          i += 1;
          break;
        }
        continue;
      }
      // One item the run did not take, read on its own.
      const end = valueEnd(text, i);
      if (end < 0) return undefined;
      const itemPlace = placeOf(i);
      let item: unknown;
      let parsed = true;
      try {
        item = JSON.parse(text.slice(i, end));
      } catch {
        parsed = false;
      }
      if (!parsed) (rejected ??= []).push({ entry: text.slice(i, end), reason: `invalid ${NODE_FILLS_SOURCE}: events.${itemPlace}: invalid JSON` });
      else if (isUserFillPair(item)) {
        if (dense && nextMarker < markers.length && markers[nextMarker]! < end) return undefined;
        addPair(item, itemPlace);
      } else (rejected ??= []).push(entryRejection(item, `invalid ${NODE_FILLS_SOURCE}: events.${itemPlace}: expected [user, fill]`));
      pastMarkers(end);
      place += 1;
      counted = end;
      i = skipSpace(text, end);
      const c = text.charCodeAt(i);
      i = skipSpace(text, i + 1);
      if (c === CLOSE_ARRAY) break;
      if (c !== COMMA) return undefined;
    }
  i = skipSpace(text, i);
  if (text.charCodeAt(i) !== CLOSE_OBJECT) return undefined;
  if (skipSpace(text, i + 1) !== text.length) return undefined;
  if (typeof receiveTime !== 'number') return receiveTime;
  return withRejected(out.result(), rejected);
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && isJsonSpace(text.charCodeAt(i))) i++;
  return i;
}

/** Where the markers occur after `from`, in order. */
function markerPlaces(text: string, from: number): number[] {
  const a = needlePlaces(text, from, LIQUIDATION_TAIL, LIQUIDATION_HEAD);
  const b = needlePlaces(text, from, ADL_TAIL, ADL_HEAD);
  if (b.length === 0) return a;
  const merged: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) merged.push(j >= b.length || (i < a.length && a[i]! < b[j]!) ? a[i++]! : b[j++]!);
  return merged;
}

/** Starts of `head + tail` after `from`, found by the tail (see LIQUIDATION_TAIL). */
function needlePlaces(text: string, from: number, tail: string, head: string): number[] {
  const found: number[] = [];
  for (let p = text.indexOf(tail, from + head.length); p >= 0; p = text.indexOf(tail, p + 1)) if (text.startsWith(head, p - head.length)) found.push(p - head.length);
  return found;
}

/**
 * Index just past the JSON value that starts at `start` (an array, object, string or scalar), strings and
 * their escapes stepped over as JSON.parse reads them; -1 when the brackets do not balance or the text ends.
 * It does not check the value (JSON.parse of the slice does): it only finds where the value ends.
 */
function valueEnd(text: string, start: number): number {
  const first = text.charCodeAt(start);
  if (first === QUOTE) {
    const end = stringEnd(text, start);
    return end < 0 ? -1 : end + 1;
  }
  if (first !== OPEN_ARRAY && first !== OPEN_OBJECT) {
    let i = start;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === COMMA || c === CLOSE_ARRAY || c === CLOSE_OBJECT || isJsonSpace(c)) break;
    }
    return i > start && i < text.length ? i : -1;
  }
  open.length = 0;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = stringEnd(text, i);
      if (i < 0) return -1;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) open.push(c);
    else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      if (open.pop() !== c - 2) return -1; // `]` and `}` are two above their openers
      if (open.length === 0) return i + 1;
    }
  }
  return -1;
}

/** Index of the quote closing the string that opens at `start`: a quote after an odd run of backslashes is escaped. */
function stringEnd(text: string, start: number): number {
  for (let q = text.indexOf('"', start + 1); q >= 0; q = text.indexOf('"', q + 1)) {
    let slashes = 0;
    while (text.charCodeAt(q - 1 - slashes) === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return q;
  }
  return -1;
}
