import { RawFrame, type VenueId } from '../schema/events.js';
import { compileValidator, type CompiledValidator } from '../schema/validator.js';
import { mapLineBatches } from './lines.js';
import { cutShort, recordingBytes, recordingItem, WRITTEN, type RecordingItem } from './recording.js';

/**
 * The reader of `replay --workers N` on recording format v1, on bytes: a line as recordingWriter writes it
 * is handed on with its receive time and venue read from its head, and its frame left as the escaped JSON
 * string literal it is in the file (`bytes[start, end)`, the quotes included), for the worker that replays it
 * to decode. The reader then never turns the day's 890 MB into strings, nor parses a literal, nor clones
 * strings across threads (the batches are byte buffers, transferred): that was most of its CPU.
 *
 * Exactly what readRecording gives, line for line: a line whose head is not the written one (another key
 * order, blank, not JSON, cut short) is decoded here by recordingItem itself. A head that is the written one
 * and a literal that turns out not to be a JSON string (a hostile line: an unescaped quote inside) is found
 * where it is decoded (rawFrame), which stops the replay (UnreadLine): it then starts again with the
 * reader decoding every line.
 */
export interface RawLine {
  ok: 'raw';
  recv: number;
  venue: VenueId;
  bytes: Buffer;
  /** The frame's string literal: its opening quote, and one past its closing quote. */
  start: number;
  end: number;
}

export type FeedItem = RecordingItem | RawLine;

/** The longest head WRITTEN matches: `{"recv":` 16 digits `,"venue":"` 32 letters `","frame":`. */
const HEAD_BYTES = 8 + 16 + 10 + 32 + 10;
let rawFrameCheck: CompiledValidator<typeof RawFrame> | undefined;

/** A line's receive time, venue and literal when it is written as recordingWriter writes it and RawFrame accepts them. */
function rawLine(bytes: Buffer, s: number, e: number): RawLine | undefined {
  // The closing `"}` and the literal's quotes, the closing one not escaped (an odd run of backslashes before it).
  if (e - s < 4 || bytes[e - 1] !== 0x7d || bytes[e - 2] !== 0x22) return undefined;
  // latin1: one character per byte, so the match's length is its byte length; WRITTEN matches ASCII only.
  const m = WRITTEN.exec(bytes.toString('latin1', s, Math.min(e, s + HEAD_BYTES)));
  if (!m) return undefined;
  const start = s + m[0].length;
  const end = e - 1;
  if (end - start < 2 || bytes[start] !== 0x22) return undefined;
  let slashes = 0;
  while (bytes[end - 2 - slashes] === 0x5c) slashes++;
  if (slashes % 2 === 1) return undefined;
  const recv = Number(m[1]);
  const venue = m[2]!;
  // RawFrame's own checks of the two (its frame is any string: the worker's JSON.parse makes it one).
  if (!(rawFrameCheck ??= compileValidator(RawFrame)).is({ recv, venue, frame: '' })) return undefined;
  return { ok: 'raw', recv, venue, bytes, start, end };
}

/** Line `[s, e)` of `bytes` (LF gone; a CR before it dropped here, as decodeLine does). */
function itemOf(bytes: Buffer, s: number, e: number, line: number): FeedItem | undefined {
  if (e > s && bytes[e - 1] === 0x0d) e -= 1;
  return rawLine(bytes, s, e) ?? recordingItem(bytes.toString('utf8', s, e), line);
}

/** A line handed on as bytes whose literal is not a JSON string: the replay starts again decoding every line in the reader. */
export class UnreadLine extends Error {}

/**
 * The frame of a written line: its literal decoded (what writtenFrame gives for the line). Throws UnreadLine
 * when the literal is not a JSON string: readRecording would then read the line as a whole (as JSON with
 * other keys, or a bad line), which only a reader that decodes every line can place.
 */
export function rawFrame(bytes: Buffer, start: number, end: number, recv: number, venue: VenueId): RawFrame {
  let frame: unknown;
  try {
    frame = JSON.parse(bytes.toString('utf8', start, end));
  } catch {
    frame = undefined;
  }
  if (typeof frame !== 'string') throw new UnreadLine(`a ${venue} line received at ${recv} is written as recordings are, but its frame is not a JSON string`);
  return { recv, venue, frame };
}

/**
 * The items of a recording a decompressed chunk at a time (no array is empty), as readRecordingBatches,
 * written lines left as bytes. A gzip file that ends mid-stream yields what it holds, then one bad item.
 */
export async function* readRawBatches(path: string): AsyncGenerator<FeedItem[]> {
  let line = 0;
  try {
    for await (const items of mapLineBatches(recordingBytes(path), (bytes, s, e) => itemOf(bytes, s, e, ++line))) if (items.length > 0) yield items;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'Z_BUF_ERROR') throw err;
    yield [cutShort(err as Error, line + 1)];
  }
}
