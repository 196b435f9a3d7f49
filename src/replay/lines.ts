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
export async function* splitLineBatches(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<string[]> {
  let pending: Buffer[] = [];
  for await (const raw of chunks) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
    const lines: string[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, nl);
      lines.push(decodeLine(pending.length > 0 ? Buffer.concat([...pending, piece]) : piece));
      pending = [];
      start = nl + 1;
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
    yield lines;
  }
  if (pending.length > 0) yield [decodeLine(Buffer.concat(pending))];
}

/** A line's bytes as text, without the CR of a CRLF ending. */
export function decodeLine(bytes: Buffer): string {
  const end = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
  return bytes.toString('utf8', 0, end);
}
