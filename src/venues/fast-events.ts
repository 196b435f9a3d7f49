/**
 * Pieces for fast paths that build events straight from a frame's text (no entry objects in between): what a
 * market's name stands for, found where the frame writes it, the occurrence numbering of a frame's ids, and the
 * run of one frame's liquidations (PlainRun).
 */
import type { LiquidationEvent } from '../schema/events.js';
import { NO_EVENTS, isEpoch, liquidationPasses, type ParseResult } from './venue.js';

/** PlainRun's events before a frame's first: shared and never pushed to, so a frame without events allocates no array. */
const NONE: LiquidationEvent[] = [];

/**
 * One frame read by a plain path (a scan that hands its entries over one by one and builds each liquidation as it
 * goes): `begin` at the frame, `push` of each event the entries make, `end` with whether the scan took the whole
 * frame. One per parser, reused frame after frame, so that a frame allocates nothing but its events and their array.
 * The receive time is checked once per frame (`liquidationPasses`' `receiveOk`); an event it refuses makes `push`
 * false, and the scan declines the frame, which the full path then reads (and dead-letters that entry alone).
 */
export class PlainRun {
  /** The frame being read, for the entries' spans; '' between frames (a scan that throws leaves it until the next). */
  frame = '';
  /** The frame's receive time. */
  receiveTime = 0;
  private receiveOk = false;
  private events = NONE;

  begin(frame: string, receiveTime: number): void {
    this.frame = frame;
    this.receiveTime = receiveTime;
    this.receiveOk = isEpoch(receiveTime);
    this.events = NONE;
  }

  /** Keeps `event` when it passes the event check (`named`: plainlyNamed of its market and base, settled once per market); false when it does not. */
  push(event: LiquidationEvent, named: boolean): boolean {
    if (!liquidationPasses(event, named, this.receiveOk)) return false;
    // A frame's first event makes its array of one: an empty array's first push allocates room for 16, and Kraken's
    // frames (one trade each) measured 0.89–0.93× the code before PlainRun so, 0.99× with this.
    if (this.events === NONE) this.events = [event];
    else this.events.push(event);
    return true;
  }

  /** The frame's result when the scan took it (`read`), its events pushed; undefined (declined) otherwise. */
  end(read: boolean): ParseResult | undefined {
    this.frame = '';
    if (!read) return undefined;
    return this.events === NONE ? NO_EVENTS : { ok: true, events: this.events };
  }
}

interface Slot<T> {
  key: string;
  value: T;
  next: Slot<T> | undefined;
}

/** A hash of `text`'s characters from `start` to `end`. */
function spanHash(text: string, start: number, end: number): number {
  let h = end - start;
  for (let i = start; i < end; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
  return h;
}

/**
 * Values by name, looked up by the span of a frame that writes the name, without slicing it out: a parser that
 * sees the same few markets in every frame makes their strings (and what it works out from them) once, and each
 * later frame costs a hash of the span's characters and one comparison. Bounded: past `max` names nothing more is
 * kept, so garbage names cannot grow it (a name not kept is worked out again each time, still exact).
 */
export class SpanMap<T> {
  private readonly byHash = new Map<number, Slot<T>>();
  private count = 0;

  constructor(private readonly max = 4_096) {}

  /** The value kept for the name written at `text[start, end)`. */
  get(text: string, start: number, end: number): T | undefined {
    for (let slot = this.byHash.get(spanHash(text, start, end)); slot !== undefined; slot = slot.next)
      if (slot.key.length === end - start && text.startsWith(slot.key, start)) return slot.value;
    return undefined;
  }

  /** Keeps `value` for `key`, a name `get` missed. */
  set(key: string, value: T): void {
    if (this.count >= this.max) return;
    const h = spanHash(key, 0, key.length);
    this.byHash.set(h, { key, value, next: this.byHash.get(h) });
    this.count++;
  }

  clear(): void {
    this.byHash.clear();
    this.count = 0;
  }
}

/** SpanSlots' slot count (a power of two). */
const SLOTS = 256;

/**
 * SpanMap for the few names a venue's frames repeat, without hashing the name: its slot is chosen by its length and
 * four of its characters, and a hit costs one comparison of the span with the name kept
 * there. A name that lands on a taken slot replaces the one there (worked out again when that one comes back, still
 * exact), so it never holds more than SLOTS names whatever a stream sends. Hashing every character cost more than
 * the rest of reading a small frame's name (a character read costs about as much as a pattern's ten).
 */
export class SpanSlots<T> {
  private readonly keys: string[] = new Array<string>(SLOTS).fill('');
  private readonly values: (T | undefined)[] = new Array<T | undefined>(SLOTS).fill(undefined);

  // Four characters inside the name whatever its length: its first, those a quarter and half way in, and its last
  // (names of one venue often share their start or their end: tBTCF0:USTF0, tETHF0:USTF0; BTC_USDT, ETH_USDT).
  private static slot(text: string, start: number, end: number): number {
    const n = end - start;
    const h = (((n * 31 + text.charCodeAt(start)) * 31 + text.charCodeAt(start + (n >> 2))) * 31 + text.charCodeAt(start + (n >> 1))) * 31 + text.charCodeAt(end - 1);
    return h & (SLOTS - 1);
  }

  /** The value kept for the name written at `text[start, end)` (not empty). */
  get(text: string, start: number, end: number): T | undefined {
    const i = SpanSlots.slot(text, start, end);
    const key = this.keys[i]!;
    return key.length === end - start && text.startsWith(key, start) ? this.values[i] : undefined;
  }

  /** Keeps `value` for `key` (not empty), a name `get` missed. */
  set(key: string, value: T): void {
    const i = SpanSlots.slot(key, 0, key.length);
    this.keys[i] = key;
    this.values[i] = value;
  }

  clear(): void {
    this.keys.fill('');
    this.values.fill(undefined);
  }
}

/**
 * The name written at `text[start, end)` (not empty) as the string `names` kept for it, or sliced out and kept: the
 * same string each time a name is read again (RecentNames' promise), so a Map lookup hashes it once and a
 * comparison with the last name is an identity check.
 */
export function nameAt(names: SpanSlots<string>, text: string, start: number, end: number): string {
  const kept = names.get(text, start, end);
  if (kept !== undefined) return kept;
  const name = text.slice(start, end);
  names.set(name, name);
  return name;
}

/** Distinct ids of a frame compared one by one before they go to a map (a frame rarely holds more). */
const LISTED_IDS = 16;

/**
 * `frameIds` (venue.ts) for ids made whole, the venue's prefix included: one per parser, `reset` at each frame.
 * The frame's second identical id gets `#1`, the third `#2`. Most frames hold a few entries of different times:
 * each id is compared with the frame's earlier ones of the same time (a number, compared first), and hashed into a
 * map only past the first LISTED_IDS distinct ids (an id made of pieces would be flattened to be hashed).
 */
export class OccurrenceIds {
  private readonly times: number[] = [];
  private readonly ids: string[] = [];
  private readonly counts: number[] = [];
  private listed = 0;
  private map: Map<string, number> | undefined;

  reset(): void {
    this.listed = 0;
    this.map = undefined;
  }

  /** `id` numbered among the frame's ids so far; `time` is a number every copy of it shares (its time). */
  id(id: string, time: number): string {
    const n = this.listed;
    if (this.map !== undefined) return numbered(id, this.map);
    for (let i = 0; i < n; i++)
      if (this.times[i] === time && this.ids[i] === id) {
        const count = this.counts[i]!;
        this.counts[i] = count + 1;
        return `${id}#${count}`;
      }
    if (n === LISTED_IDS) {
      this.map = new Map(this.ids.map((listed, i) => [listed, this.counts[i]!]));
      return numbered(id, this.map);
    }
    this.times[n] = time;
    this.ids[n] = id;
    this.counts[n] = 1;
    this.listed = n + 1;
    return id;
  }
}

function numbered(id: string, seen: Map<string, number>): string {
  const n = seen.get(id) ?? 0;
  seen.set(id, n + 1);
  return n > 0 ? `${id}#${n}` : id;
}
