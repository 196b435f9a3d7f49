/**
 * Splits byte chunks into lines (LF, with a CR before it dropped) without building one string of the
 * whole input (files reach gigabytes) and without readline's per-line regular expression: a recorded
 * day is 800 MB of text. Empty lines are kept, so callers can number lines as an editor does.
 */
export async function* splitLines(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  for await (const lines of splitLineBatches(chunks)) yield* lines;
}

/**
 * `splitLines` a chunk at a time: the lines each chunk completes, as one array (empty when a chunk ends
 * no line). A day's replay reads ~430k lines: one hand-over per megabyte instead of per line spares it
 * a promise, an iterator result and a microtask per line in every async layer above.
 */
export function splitLineBatches(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<string[]> {
  return mapLineBatches(chunks, (bytes, start, end) => decodeLine(bytes.subarray(start, end)));
}

/**
 * The longest recording line read (bytes): a frame a venue socket takes (ws's 100 MiB payload) written as a JSON
 * string, its quotes and backslashes escaped, fits. Past it a line is not gathered (see mapLineBatches): a file
 * without newlines (a binary file given by mistake, a corrupt one) held every byte until memory ran out, and a
 * line over V8's longest string (≈ 512 MiB) failed the whole replay.
 */
export const MAX_LINE_BYTES = 256 * 1024 * 1024;

/** What a line over the bound is read as: not JSON, so a bad line whose logged text says why. */
export const overLongLine = (bytes: number, bound: number): Buffer =>
  Buffer.from(`line of ${bytes} bytes not read: over the reader's bound of ${bound} bytes (a file without newlines, or not a recording)`);

/**
 * The line splitting of splitLineBatches, each line handed to `lineOf` as `bytes[start, end)` (its LF gone,
 * a CR before it kept) instead of decoded; what `lineOf` returns undefined for is left out. A line cut by a
 * chunk's end is joined into one buffer first. A line over `maxLineBytes` is not kept: its bytes are counted
 * up to its newline and it is handed on as overLongLine's text, so memory stays bounded whatever the file.
 */
export async function* mapLineBatches<T>(
  chunks: AsyncIterable<Buffer | string>,
  lineOf: (bytes: Buffer, start: number, end: number) => T | undefined,
  maxLineBytes = MAX_LINE_BYTES,
): AsyncGenerator<T[]> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  /** Bytes of the current line let go (it is over the bound); 0 while it is kept. */
  let dropped = 0;
  const finish = (tail: Buffer): T | undefined => {
    const bytes = pendingBytes + tail.length;
    if (dropped > 0 || bytes > maxLineBytes) {
      const text = overLongLine(dropped + bytes, maxLineBytes);
      pending = [];
      pendingBytes = 0;
      dropped = 0;
      return lineOf(text, 0, text.length);
    }
    const whole = Buffer.concat([...pending, tail]);
    pending = [];
    pendingBytes = 0;
    return lineOf(whole, 0, whole.length);
  };
  try {
    for await (const raw of chunks) {
      const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
      const lines: T[] = [];
      let start = 0;
      for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
        const item = pending.length > 0 || dropped > 0 || nl - start > maxLineBytes ? finish(chunk.subarray(start, nl)) : lineOf(chunk, start, nl);
        if (item !== undefined) lines.push(item);
        start = nl + 1;
      }
      if (start < chunk.length) {
        const rest = chunk.subarray(start);
        if (dropped > 0 || pendingBytes + rest.length > maxLineBytes) {
          // Past the bound only the count goes on: the bytes are let go.
          dropped += pendingBytes + rest.length;
          pending = [];
          pendingBytes = 0;
        } else {
          pending.push(rest);
          pendingBytes += rest.length;
        }
      }
      yield lines;
    }
  } catch (err) {
    notePartialLine(err, pendingBytes + dropped);
    throw err;
  }
  if (pending.length > 0 || dropped > 0) {
    const item = finish(Buffer.alloc(0));
    if (item !== undefined) yield [item];
  }
}

const PARTIAL_LINE = Symbol('partialLineBytes');

/** Keeps on a source's failure `err` the bytes of the line it cut off: read, never a whole line (see cutShort). */
export function notePartialLine(err: unknown, bytes: number): void {
  if (err instanceof Error) (err as Error & { [PARTIAL_LINE]?: number })[PARTIAL_LINE] = bytes;
}

/** The bytes of the line `err` cut off (notePartialLine), 0 when none was noted. */
export function partialLineBytes(err: Error): number {
  return (err as Error & { [PARTIAL_LINE]?: number })[PARTIAL_LINE] ?? 0;
}

/** A line's bytes as text, without the CR of a CRLF ending. */
export function decodeLine(bytes: Buffer): string {
  const end = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
  return bytes.toString('utf8', 0, end);
}
