import { createReadStream, createWriteStream, existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { once } from 'node:events';
import { createGunzip, createGzip } from 'node:zlib';
import { RawFrame, type VenueId } from '../schema/events.js';
import { compileValidator, type CompiledValidator } from '../schema/validator.js';
import type { VenueMetadata } from '../venues/venue.js';
import { partialLineBytes, splitLineBatches } from './lines.js';
import type { Logger } from '../log.js';

/**
 * Recording format v1: NDJSON, one raw frame per line,
 * {"recv": <ms since epoch>, "venue": "<venue id>", "frame": "<text exactly as received>"}; `.gz` allowed.
 */
export type RecordingItem = { ok: true; frame: RawFrame } | { ok: false; line: number; reason: string; text: string; cut?: true };

/** Bytes read from disk so far, across every recording read in this process (for progress display). */
export const readProgress = { bytes: 0 };

/** The lines of a recording (or any text file, `.gz` decompressed), a decompressed chunk (about 1 MB) at a time. */
export async function* readLineBatches(path: string): AsyncGenerator<string[]> {
  yield* splitLineBatches(recordingBytes(path));
}

/** A gzip file's name: `.gz` in any case (`DAY.NDJSON.GZ` from a tool that writes upper case was read as text). */
export const GZIP_NAME = /\.gz$/i;

/** A recording's bytes, decompressed when the path ends in .gz, in chunks of about 1 MB. */
export function recordingBytes(path: string): AsyncIterable<Buffer> {
  const file = createReadStream(path, { highWaterMark: 1 << 20 });
  file.on('data', (chunk) => (readProgress.bytes += chunk.length));
  // Large gunzip chunks: fewer hand-overs per megabyte, which is most of what reading costs.
  const input = GZIP_NAME.test(path) ? file.pipe(createGunzip({ chunkSize: 1 << 20 })) : file;
  file.on('error', (err) => input.destroy(err));
  return input;
}

/** Compiled on the first line read: compiling costs start-up time a command that reads nothing should not pay. */
let rawFrame: CompiledValidator<typeof RawFrame> | undefined;
/** The line as recordingWriter writes it: these keys in this order, the frame a JSON string to the end; recv as JSON writes an integer (no leading zero). */
export const WRITTEN = /^\{"recv":(0|[1-9]\d{0,15}),"venue":"([a-z-]{1,32})","frame":/;

/**
 * A line as recordingWriter writes it → the frame, JSON-parsing only the frame's string (no object,
 * no zod): what a full parse and RawFrame would give, or undefined to let them decide (another layout,
 * an invalid line).
 */
function writtenFrame(text: string): RawFrame | undefined {
  const m = WRITTEN.exec(text);
  if (!m || !text.endsWith('"}')) return undefined;
  let frame: unknown;
  try {
    frame = JSON.parse(text.slice(m[0].length, -1));
  } catch {
    return undefined;
  }
  const raw = { recv: Number(m[1]), venue: m[2], frame };
  return (rawFrame ??= compileValidator(RawFrame)).is(raw) ? raw : undefined;
}

/**
 * The most of a line a cut may leave unread and still not be judged as wrong input: a recorder killed early in its
 * hour leaves a line begun, but a file cut in the middle of one unending line (not a recording at all) is judged.
 */
const CUT_LINE_BYTES = 64 * 1024;

/**
 * The bad item, line `line`, that a file ending mid-stream (`err`) ends with, `cause` saying what cuts such a file
 * short. Marked `cut` (counted, not judged as wrong input: checkFiles in replay.ts) unless the line it cut off was
 * over CUT_LINE_BYTES.
 */
export function cutShort(err: Error, line: number, cause = 'a recorder killed or out of disk while writing'): RecordingItem {
  const reason = `the file ends mid-stream (${err.message}): ${cause}; what it held was read`;
  return partialLineBytes(err) > CUT_LINE_BYTES ? { ok: false, line, reason, text: '' } : { ok: false, line, reason, text: '', cut: true };
}

/**
 * Lines of `path`, a chunk at a time; a gzip file that ends mid-stream (the recorder was killed, or its disk
 * filled) yields what it holds, then the error that cut it (for cutShort), instead of failing the whole replay.
 */
export async function* salvagedLines(path: string): AsyncGenerator<string[] | { cutBy: Error }> {
  try {
    yield* readLineBatches(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'Z_BUF_ERROR') throw err;
    yield { cutBy: err as Error };
  }
}

/** The items of a recording, one at a time (see readRecordingBatches). */
export async function* readRecording(path: string): AsyncGenerator<RecordingItem> {
  for await (const items of readRecordingBatches(path)) yield* items;
}

/**
 * The items of a recording, the lines of each decompressed chunk at once (no array is empty): what a replay
 * reads, without an async hand-over per line.
 */
export async function* readRecordingBatches(path: string): AsyncGenerator<RecordingItem[]> {
  let line = 0;
  for await (const batch of salvagedLines(path)) {
    if (!Array.isArray(batch)) {
      yield [cutShort(batch.cutBy, line + 1)];
      return;
    }
    const items: RecordingItem[] = [];
    for (const text of batch) {
      line += 1;
      const item = recordingItem(text, line);
      if (item) items.push(item);
    }
    if (items.length > 0) yield items;
  }
}

/** One line as an item; undefined for a blank line. */
export function recordingItem(text: string, line: number): RecordingItem | undefined {
  const fast = writtenFrame(text);
  if (fast) return { ok: true, frame: fast };
  if (text.trim() === '') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, line, reason: 'invalid JSON', text };
  }
  const parsed = RawFrame.safeParse(json);
  if (parsed.success) return { ok: true, frame: parsed.data };
  return { ok: false, line, reason: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '), text };
}

/**
 * Writes frames as recording lines; gzip when the path ends in .gz (at zlib's default level unless
 * `gzipLevel` says otherwise). Call `close` to flush. Never replaces a file (`exclusive`: an existing path
 * fails with EEXIST). A stream error (a full disk, an I/O error) never escapes as an 'error' event: it
 * rejects the write that meets it, and every later one.
 */
export function recordingWriter(path: string, options: { exclusive?: boolean; gzipLevel?: number } = {}) {
  const file = createWriteStream(path, { flags: options.exclusive ? 'wx' : 'w' });
  const gzip = GZIP_NAME.test(path) ? createGzip(options.gzipLevel === undefined ? {} : { level: options.gzipLevel }) : undefined;
  if (gzip) gzip.pipe(file);
  const out = gzip ?? file;
  let failure: Error | undefined;
  const failed = new Promise<never>((_, reject) => {
    const fail = (err: Error) => {
      failure ??= err;
      reject(failure);
    };
    file.on('error', fail);
    gzip?.on('error', fail);
  });
  failed.catch(() => {}); // observed by the writes and the close that meet it
  return {
    async write(...frames: RawFrame[]): Promise<void> {
      if (failure) throw failure;
      let text = '';
      for (const f of frames) text += `${JSON.stringify({ recv: f.recv, venue: f.venue, frame: f.frame })}\n`;
      if (!out.write(text)) await Promise.race([once(out, 'drain'), failed]);
      if (failure) throw failure;
    },
    async close(): Promise<void> {
      if (!failure) out.end();
      else out.destroy();
      if (!file.closed) await Promise.race([once(file, 'close'), failed.catch(() => once(file, 'close'))]);
      if (failure) throw failure;
    },
  };
}

/**
 * Market metadata written by `liqstream record` (metadata.json beside the files). Returns {} when
 * there is none: parsers then use their documented defaults.
 */
export function loadRecordingMetadata(files: string[], explicit?: string, log?: Logger): Record<VenueId, VenueMetadata> {
  const candidates = explicit ? [explicit] : [...new Set(files.map((f) => join(dirname(f), 'metadata.json')))];
  const merged: Record<VenueId, VenueMetadata> = {};
  const usedFrom = new Map<VenueId, string>();
  for (const path of candidates) {
    if (!existsSync(path)) {
      if (explicit) throw new Error(`metadata file ${path} not found`);
      continue;
    }
    const venues = metadataVenues(path);
    for (const [venue, meta] of Object.entries(venues)) {
      const before = usedFrom.get(venue);
      // One venue's values apply to every file of the replay, so folders that disagree (contract values changed
      // between two days' recordings) value all files by the last one named: said, not silent (replay each folder
      // apart for its own values).
      if (before !== undefined && JSON.stringify(merged[venue]) !== JSON.stringify(meta))
        log?.warn({ venue, used: path, unused: before }, 'metadata.json files disagree on a venue: the last one named values every file; replay their folders apart for each one\'s values');
      merged[venue] = meta;
      usedFrom.set(venue, path);
    }
  }
  return merged;
}

/** The venues of a metadata.json, refused naming the file when it is not JSON or not `{"venues": {id: {…}}}`. */
function metadataVenues(path: string): Record<VenueId, VenueMetadata> {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`metadata file ${path}: ${(err as Error).message}`);
  }
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const venues = isObject(doc) ? (doc.venues ?? {}) : undefined;
  // `__proto__` as a venue id would set the merged object's prototype rather than add a venue.
  if (!isObject(venues) || Object.hasOwn(venues, '__proto__') || !Object.values(venues).every(isObject))
    throw new Error(`metadata file ${path}: not a recording's metadata (an object whose "venues" holds an object per venue id)`);
  return venues as Record<VenueId, VenueMetadata>;
}

/**
 * A recording that was generated, not received (`liqstream simulate`): metadata.json beside it lists it
 * under `synthetic`, by file name, so every report made from it can say so.
 */
export interface SyntheticMark {
  file: string;
  /** What generated it, e.g. "liqstream simulate oct-10 --seed 20251010". */
  generator: string;
  note: string;
}

export function syntheticMarks(files: string[]): SyntheticMark[] {
  const marks: SyntheticMark[] = [];
  for (const f of files) {
    const path = join(dirname(f), 'metadata.json');
    if (!existsSync(path)) continue;
    const doc = JSON.parse(readFileSync(path, 'utf8')) as { synthetic?: Record<string, Omit<SyntheticMark, 'file'>> };
    const mark = doc.synthetic?.[basename(f)];
    if (mark) marks.push({ file: basename(f), generator: String(mark.generator), note: String(mark.note) });
  }
  return marks;
}
