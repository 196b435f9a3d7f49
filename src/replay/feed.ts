import type { Logger } from '../log.js';
import type { RawFrame, VenueId } from '../schema/events.js';
import type { Sink } from '../sinks/sink.js';
import { VENUES, venueModule } from '../venues/registry.js';
import { BLOCK_BUCKETS, type FrameClass } from '../venues/venue.js';
import { mergeOrderedRuns } from './merge.js';
import type { RecordingItem } from './recording.js';
import { BAD_LINES_LOGGED, namingFile, sliceEnd, type FileCounts } from './input-files.js';
import { rawFrame, type FeedItem, type RawLine } from './raw-lines.js';
import type { BatchedSource } from './replay.js';
import type { FrameBatch } from './frame-batch.js';
import type { Metrics } from '../metrics/metrics.js';
import { mergeShares, planShares, type ReplayParts, type ShareResult } from './shares.js';

/**
 * The reader of `replay --workers N`: one thread gunzips, splits and decodes every line once and hands
 * each frame to the worker that replays it (docs/replay.md, "--workers").
 *
 * Who gets a frame: a venue's frames go to one owner in order (its parser may keep state: Hyperliquid's
 * `trades` inventory and open-interest throttle, order books elsewhere), except Hyperliquid node blocks,
 * which are dealt by a hash of their block number. That split is exact because
 * - the block parser keeps nothing between frames (node-block.ts reads a block and the liquidator list only);
 * - a fill is written in the block that executed it and in no other, so two blocks never hold one
 *   liquidation; the copies a recording can hold (a block recorded twice, by two recorders or across a
 *   reconnect) are the same block number, so they meet in one worker's duplicate filter, in order;
 * - what a block adds to a report is sums per minute, venue and symbol (exact fixed-point integers, so in
 *   any grouping), the lowest fidelity, and the largest liquidations, ordered by value then id: all the same
 *   whatever worker adds them, and the windows and cascades are computed after the merge, from its minutes.
 * The one source of the same liquidations outside blocks is Hyperliquid's socket (`trades` backstops and
 * fill feeds carry the node fill's id): such a frame while blocks are being split would need to meet
 * copies in several workers, so the reader stops (UnsafeSplit) and the replay starts again with every
 * Hyperliquid frame in one worker.
 * A recording can still break the second point (one fill in blocks of two numbers: a hostile or
 * re-numbered copy), which the reader cannot see without parsing the blocks; so each worker hands back a
 * hash of every Hyperliquid liquidation id it applied (splitIdSink), and an id applied by two workers
 * (splitCollides) starts the replay again with whole venues too.
 */

export { BLOCK_BUCKETS };

/** The venue whose blocks may be split across workers: the one module with `frameClass` (Hyperliquid). */
const splitting = VENUES.map(venueModule).find((m) => m.frameClass !== undefined);
const classOf = (frame: RawFrame): FrameClass => (splitting && frame.venue === splitting.venue ? splitting.frameClass!(frame.frame) : 'quiet');

export class UnsafeSplit extends Error {}

/** 53 bits of an id (two 32-bit FNV-1a variants): an unequal pair that collides only costs a replay on whole venues. */
export function idHash(id: string): number {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
  }
  return (a >>> 0) * 0x200000 + ((b >>> 0) >>> 11);
}

/**
 * A worker's sink that keeps idHash of every liquidation of the splitting venue it applies; `ids` hands them
 * back sorted, each once (sorted in the worker, in parallel, so the reader only merges: splitCollides).
 */
export function splitIdSink(): { sink: Sink; ids: () => Float64Array } {
  const ids: number[] = [];
  const venue = splitting?.venue;
  return {
    sink: { name: 'split-ids', onEvent: (e) => void (e.type === 'liquidation' && e.venue === venue && ids.push(idHash(e.id))) },
    ids: () => {
      const sorted = Float64Array.from(ids).sort();
      let n = 0;
      for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[n - 1]) sorted[n++] = sorted[i]!;
      return sorted.slice(0, n);
    },
  };
}

/** Whether an id hash occurs in two workers' lists, each sorted with every hash once (splitIdSink.ids). */
export function splitCollides(lists: (Float64Array | undefined)[]): boolean {
  const present = lists.filter((l): l is Float64Array => l !== undefined);
  for (let x = 0; x < present.length; x++)
    for (let y = x + 1; y < present.length; y++) {
      const a = present[x]!;
      const b = present[y]!;
      for (let i = 0, j = 0; i < a.length && j < b.length; ) {
        if (a[i] === b[j]) return true;
        if (a[i]! < b[j]!) i++;
        else j++;
      }
    }
  return false;
}

/** Where frames go: each venue's owner, and (when split) the owner of each bucket of Hyperliquid block numbers. */
export interface Routes {
  venues: Record<VenueId, number>;
  blocks?: number[];
}


/** Bytes of frame text per venue in the sample, Hyperliquid's blocks apart; whether it holds Hyperliquid fills outside blocks. */
export interface Sample {
  venues: Record<VenueId, number>;
  blocks: number;
  fills: boolean;
}

export function addToSample(sample: Sample, frame: RawFrame): void {
  const kind = classOf(frame);
  if (typeof kind === 'object') sample.blocks += frame.frame.length;
  else {
    sample.venues[frame.venue] = (sample.venues[frame.venue] ?? 0) + frame.frame.length;
    if (kind === 'fills') sample.fills = true;
  }
}

/**
 * Venues to owners as planShares does; then Hyperliquid's block buckets dealt so that each worker's
 * sampled bytes come out as even as they can (a worker already above the mean gets none). No split when
 * the sample shows Hyperliquid fills outside blocks (see UnsafeSplit) or `split` is false.
 */
export function planRoutes(sample: Sample, count: number, split = true): Routes {
  if (!split || sample.fills || sample.blocks === 0) {
    const venues = { ...sample.venues };
    if (sample.blocks > 0 && splitting) venues[splitting.venue] = (venues[splitting.venue] ?? 0) + sample.blocks;
    return { venues: planShares(venues, count) };
  }
  const venues = planShares(sample.venues, count);
  const load = new Array<number>(count).fill(0);
  for (const [venue, owner] of Object.entries(venues)) load[owner]! += sample.venues[venue]!;
  const mean = (load.reduce((a, b) => a + b, 0) + sample.blocks) / count;
  const room = load.map((l) => Math.max(0, mean - l));
  const total = room.reduce((a, b) => a + b, 0);
  const blocks: number[] = [];
  let cumulative = 0;
  room.forEach((r, owner) => {
    cumulative += r;
    const end = owner === count - 1 ? BLOCK_BUCKETS : Math.round((BLOCK_BUCKETS * cumulative) / total);
    while (blocks.length < end) blocks.push(owner);
  });
  return { venues, blocks };
}

/** Routes a frame to its worker; `raw` a written line still in bytes, undefined when only its decoded frame can say. */
export type Router = ((frame: RawFrame) => number) & { raw(line: RawLine): number | undefined };

/**
 * The worker of each frame. A venue first seen after the sample is dealt round-robin in order of first
 * frame. Throws UnsafeSplit for a Hyperliquid frame that may carry fills while blocks are split.
 */
export function frameRouter(routes: Routes, count: number): Router {
  const owner = new Map<VenueId, number>(Object.entries(routes.venues));
  let unplanned = 0;
  const ownerOf = (venue: VenueId): number => {
    let o = owner.get(venue);
    if (o === undefined) owner.set(venue, (o = unplanned++ % count));
    return o;
  };
  const blocks = routes.blocks;
  if (!blocks) return Object.assign((frame: RawFrame) => ownerOf(frame.venue), { raw: (line: RawLine) => ownerOf(line.venue) });
  const ofClass = (kind: FrameClass, venue: VenueId): number => {
    if (typeof kind === 'object') return blocks[kind.block]!;
    if (kind === 'fills') throw new UnsafeSplit(`a ${venue} frame with fills outside blocks while blocks are split across workers`);
    return ownerOf(venue);
  };
  const raw = (line: RawLine): number | undefined => {
    if (line.venue !== splitting?.venue) return ownerOf(line.venue);
    const kind = splitting.frameClassEscaped?.(line.bytes, line.start, line.end);
    return kind === undefined ? undefined : ofClass(kind, line.venue);
  };
  return Object.assign((frame: RawFrame) => ofClass(classOf(frame), frame.venue), { raw });
}

export interface FeedOptions {
  files: string[];
  log: Logger;
  to?: number;
  /**
   * Bad lines already logged (`file:line`), kept across the attempts of one replay: an attempt stopped by
   * UnsafeSplit or UnreadLine had logged the bad lines it met, which the next one meets again.
   */
  logged?: Set<string>;
}

export interface Fed {
  perFile: FileCounts[];
  badLines: number;
}

/** A source of single items as batches of one (node fills, Tardis rows): what feedShares reads. */
export function itemBatches(source: (path: string) => AsyncIterable<RecordingItem>): (path: string) => AsyncIterable<FeedItem[]> {
  return async function* (path) {
    for await (const item of source(path)) yield [item];
  };
}

const recvOf = (item: FeedItem): number => (item.ok === 'raw' ? item.recv : item.ok ? item.frame.recv : -Infinity);

/**
 * Reads every file once, in receive-time order across files (as a one-thread replay does), and hands each
 * frame to `send` with its worker: a written line as its bytes (RawLine) when the router can place it so,
 * else decoded here. Counts frames and bad lines per file and logs the first bad lines of each.
 * `send` may return a promise (the worker's queue is full): reading waits for it.
 */
export async function feedShares(
  options: FeedOptions,
  batches: (path: string) => AsyncIterable<FeedItem[]>,
  route: Router,
  send: (worker: number, frame: RawFrame | RawLine) => void | Promise<void>,
): Promise<Fed> {
  const perFile = options.files.map((): FileCounts => ({ frames: 0, bad: 0, cut: 0 }));
  let badLines = 0;
  const tracks = options.files.map((path) => tracked(namingFile(path, batches(path))));
  const taken = options.files.map(() => 0);
  const pastSlice = sliceEnd(options.to);
  for await (const { source: file, items } of mergeOrderedRuns(tracks.map((t) => t.batches), recvOf)) {
    const counts = perFile[file]!;
    for (const fed of items) {
      taken[file]! += 1;
      let item: FeedItem = fed;
      let worker: number | undefined;
      if (item.ok === 'raw') {
        worker = route.raw(item);
        if (worker === undefined) item = { ok: true, frame: rawFrame(item.bytes, item.start, item.end, item.recv, item.venue) };
      }
      if (item.ok === false) {
        badLines += 1;
        counts.bad += 1;
        if (item.cut) counts.cut += 1;
        const key = `${file}:${item.line}`;
        if (counts.bad <= BAD_LINES_LOGGED && !options.logged?.has(key)) {
          options.logged?.add(key);
          options.log.warn({ file: options.files[file], line: item.line, reason: item.reason, text: item.text.slice(0, 256) }, 'bad recording line');
        }
        continue;
      }
      counts.frames += 1;
      if (pastSlice(recvOf(item))) {
        // Lines left as bytes end the read only once decoded: a head's receive time is its line's only when
        // its literal is one JSON string (else UnreadLine: read whole, it may be a bad line or another time,
        // which a one-thread replay reads before stopping). So this line and every other file's next one.
        if (item.ok === 'raw') rawFrame(item.bytes, item.start, item.end, item.recv, item.venue);
        for (const [i, t] of tracks.entries()) {
          const next = i === file ? undefined : await t.itemAt(taken[i]!);
          if (next?.ok === 'raw') rawFrame(next.bytes, next.start, next.end, next.recv, next.venue);
        }
        return { perFile, badLines };
      }
      const frame = item.ok === 'raw' ? item : item.frame;
      const pending = send(worker ?? route(frame as RawFrame), frame);
      if (pending) await pending;
    }
  }
  return { perFile, badLines };
}

/**
 * A file's batches as the merge reads them, the last one kept: `itemAt(n)` is the file's item after the n
 * the merge handed on (pulling its next batch when that one is spent; undefined at the end or on an error,
 * which a replay that stops there never meets).
 */
function tracked(source: AsyncIterable<FeedItem[]>) {
  const it = source[Symbol.asyncIterator]();
  let batch: FeedItem[] = [];
  let before = 0;
  const pull = async (): Promise<IteratorResult<FeedItem[]>> => {
    const r = await it.next();
    if (!r.done) {
      before += batch.length;
      batch = r.value;
    }
    return r;
  };
  return {
    batches: { [Symbol.asyncIterator]: () => ({ next: pull, return: async () => (await it.return?.()) ?? { done: true as const, value: undefined } }) } as AsyncIterable<FeedItem[]>,
    async itemAt(n: number): Promise<FeedItem | undefined> {
      try {
        while (n - before >= batch.length) if ((await pull()).done) return undefined;
      } catch {
        return undefined;
      }
      return batch[n - before];
    },
  };
}

/**
 * A worker's `source` for replayParts: its fed frames as the first file's items, nothing for the others
 * (replayParts opens the files in order; the reader has merged them already). Given batches, replayParts
 * reads them as they come (BatchedSource), without an async hand-over per frame.
 */
export function fedSource(items: AsyncIterable<RecordingItem> | Iterable<RecordingItem>): (path: string) => AsyncIterable<RecordingItem>;
export function fedSource(batches: AsyncIterable<RecordingItem[]>): BatchedSource;
export function fedSource(fed: AsyncIterable<RecordingItem | RecordingItem[]> | Iterable<RecordingItem>): (path: string) => AsyncIterable<RecordingItem> {
  let first = true;
  const take = (): AsyncIterable<RecordingItem | RecordingItem[]> | Iterable<RecordingItem> => {
    if (!first) return [];
    first = false;
    return fed;
  };
  const items = async function* (): AsyncGenerator<RecordingItem> {
    for await (const x of take()) {
      if (Array.isArray(x)) yield* x;
      else yield x;
    }
  };
  const batches = async function* (): AsyncGenerator<RecordingItem[]> {
    for await (const x of take()) yield Array.isArray(x) ? x : [x];
  };
  return Object.assign(() => items(), { batches: () => batches() });
}

/**
 * The frames of a batch the reader posted (workers.ts FrameBatch), decoding those it left as bytes (throws
 * UnreadLine). With blocks split, the reader placed the splitting venue's frames by their literal's head
 * (frameClassEscaped): a decoded one that is 'fills' after all throws UnsafeSplit, as the reader would have.
 */
export function itemsOf(batch: FrameBatch, split: boolean): RecordingItem[] {
  const bytes = Buffer.from(batch.bytes.buffer, batch.bytes.byteOffset, batch.bytes.byteLength);
  const items: RecordingItem[] = new Array(batch.recv.length);
  let decoded = 0;
  for (let i = 0, start = 0; i < batch.recv.length; i++) {
    const end = batch.ends[i]!;
    const recv = batch.recv[i]!;
    const venue = batch.names[batch.venues[i]!]!;
    if (end === start) items[i] = { ok: true, frame: { recv, venue, frame: batch.frames[decoded++]! } };
    else {
      const frame = rawFrame(bytes, start, end, recv, venue);
      if (split && classOf(frame) === 'fills') throw new UnsafeSplit(`a ${venue} frame with fills outside blocks while blocks are split across workers (past its head)`);
      items[i] = { ok: true, frame };
    }
    start = end;
  }
  return items;
}

/** The workers' shares as one replay's parts, with the reader's counts of frames and bad lines (it saw every line). */
export function mergeFed(shares: ShareResult[], fed: Fed, metrics: Metrics): ReplayParts {
  return { ...mergeShares(shares, metrics), perFile: fed.perFile, badLines: fed.badLines };
}
