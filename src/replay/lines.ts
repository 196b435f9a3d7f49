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
 * The line splitting of splitLineBatches, each line handed to `lineOf` as `bytes[start, end)` (its LF gone,
 * a CR before it kept) instead of decoded; what `lineOf` returns undefined for is left out. A line cut by a
 * chunk's end is joined into one buffer first.
 */
export async function* mapLineBatches<T>(chunks: AsyncIterable<Buffer | string>, lineOf: (bytes: Buffer, start: number, end: number) => T | undefined): AsyncGenerator<T[]> {
  let pending: Buffer[] = [];
  for await (const raw of chunks) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
    const lines: T[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      let item: T | undefined;
      if (pending.length > 0) {
        const whole = Buffer.concat([...pending, chunk.subarray(start, nl)]);
        pending = [];
        item = lineOf(whole, 0, whole.length);
      } else item = lineOf(chunk, start, nl);
      if (item !== undefined) lines.push(item);
      start = nl + 1;
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
    yield lines;
  }
  if (pending.length > 0) {
    const whole = Buffer.concat(pending);
    const item = lineOf(whole, 0, whole.length);
    if (item !== undefined) yield [item];
  }
}

/** A line's bytes as text, without the CR of a CRLF ending. */
export function decodeLine(bytes: Buffer): string {
  const end = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
  return bytes.toString('utf8', 0, end);
}
