import type { RawFrame, VenueId } from '../schema/events.js';
import type { RawLine } from './raw-lines.js';

/**
 * Frames from the reader of `replay --workers N` to a worker, as parallel columns in buffers that are
 * transferred, not copied: frame i is the JSON string literal `bytes[ends[i - 1], ends[i])` (a recording line
 * the reader left as bytes, raw-lines.ts), or, where that range is empty, the next of `frames` (a frame the
 * reader decoded). Its venue is `names[venues[i]]`.
 */
export interface FrameBatch {
  type: 'frames';
  recv: Float64Array;
  names: VenueId[];
  venues: Uint8Array;
  bytes: Uint8Array;
  ends: Uint32Array;
  frames: string[];
}

/** A batch is posted at this many frames or bytes (or characters) of frame text, whichever comes first. */
const BATCH_FRAMES = 1_024;
const BATCH_BYTES = 1 << 20;

/** A buffer of its own (transferable: not a slice of Buffer's pool), not zeroed: every byte posted is written first. */
const unfilled = (length: number): Buffer => Buffer.allocUnsafeSlow(length);

/** Gathers frames into FrameBatches, handing each full one to `post` with the buffers to transfer. */
export function frameBatcher(post: (batch: FrameBatch, transfer: ArrayBuffer[]) => void) {
  let recv = new Float64Array(BATCH_FRAMES);
  let venues = new Uint8Array(BATCH_FRAMES);
  let ends = new Uint32Array(BATCH_FRAMES);
  let bytes = unfilled(BATCH_BYTES);
  let names: VenueId[] = [];
  let nameIndex = new Map<VenueId, number>();
  let frames: string[] = [];
  let n = 0;
  let used = 0;
  let chars = 0;
  const flush = (): void => {
    if (n === 0) return;
    const batch: FrameBatch = { type: 'frames', recv: recv.subarray(0, n), names, venues: venues.subarray(0, n), bytes: bytes.subarray(0, used), ends: ends.subarray(0, n), frames };
    post(batch, [recv.buffer, venues.buffer, bytes.buffer as ArrayBuffer, ends.buffer]);
    recv = new Float64Array(BATCH_FRAMES);
    venues = new Uint8Array(BATCH_FRAMES);
    ends = new Uint32Array(BATCH_FRAMES);
    bytes = unfilled(BATCH_BYTES);
    names = [];
    nameIndex = new Map();
    frames = [];
    n = used = chars = 0;
  };
  return {
    add(frame: RawFrame | RawLine): void {
      const length = 'bytes' in frame ? frame.end - frame.start : 0;
      // Uint8Array indices: a batch that has 256 venues is posted first.
      if (used + length > bytes.length || (names.length === 256 && !nameIndex.has(frame.venue))) flush();
      // A frame larger than a batch gets a batch of its own size.
      if (length > bytes.length) bytes = unfilled(length);
      let v = nameIndex.get(frame.venue);
      if (v === undefined) {
        nameIndex.set(frame.venue, (v = names.length));
        names.push(frame.venue);
      }
      if ('bytes' in frame) {
        frame.bytes.copy(bytes, used, frame.start, frame.end);
        used += length;
      } else {
        frames.push(frame.frame);
        chars += frame.frame.length;
      }
      recv[n] = frame.recv;
      venues[n] = v;
      ends[n] = used;
      n += 1;
      if (n >= BATCH_FRAMES || used >= BATCH_BYTES || chars >= BATCH_BYTES) flush();
    },
    /** Posts what is gathered, if anything. */
    flush,
  };
}
