import { createReadStream } from 'node:fs';
import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../log.js';
import type { FrameSink, Poller } from '../venue.js';
import { decodeLine, notePartialLine } from '../../replay/lines.js';
import { decodeLz4Frames } from './lz4-frame.js';

/**
 * Reading and tailing `node_fills_by_block` files (node-block.ts parses one line). The node writes
 * `~/hl/data/node_fills_by_block/hourly/{YYYYMMDD}/{H}` (hour without a leading zero); Hyperliquid archives
 * the same files, LZ4-compressed, as `node_fills_by_block/hourly/{YYYYMMDD}/{H}.lz4`.
 */

/** Where the node writes (or the archive keeps, plus `.lz4`) the fills of the hour containing `timeMs`. */
export function nodeFillsHourPath(hourlyDir: string, timeMs: number): string {
  const d = new Date(timeMs);
  const date = `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
  return join(hourlyDir, date, String(d.getUTCHours()));
}

/**
 * Longest block line read whole (bytes). The largest block of 10 Oct 2025 was about 12 MB (11,279
 * liquidations and as many ADL fills); a line longer than this is refused, not held: see nodeFillsLines.
 */
export const MAX_NODE_FILLS_LINE_BYTES = 64 * 1024 * 1024;

export interface NodeFillsReadOptions {
  /** Longest line read whole; default MAX_NODE_FILLS_LINE_BYTES. */
  maxLineBytes?: number;
}

/**
 * The lines of a node-fills file: plain, or LZ4 frame format when the name ends in `.lz4` (the archive's
 * naming). The `.lz4` is decompressed as it is read, a block at a time (see lz4-frame.ts).
 */
export async function* readNodeFillsFile(path: string, opts: NodeFillsReadOptions = {}): AsyncGenerator<string> {
  const maxLineBytes = opts.maxLineBytes ?? MAX_NODE_FILLS_LINE_BYTES;
  if (!/\.lz4$/i.test(path)) {
    yield* plainFileLines(path, maxLineBytes);
    return;
  }
  const bytes = createReadStream(path, { highWaterMark: 1 << 20 });
  try {
    yield* nodeFillsLines(decodeLz4Frames(bytes), maxLineBytes);
  } finally {
    bytes.destroy();
  }
}

/**
 * A plain file's bytes, read into two reused 4 MiB buffers: a new Buffer per read (a read stream's) is
 * external memory, and V8 answers its growth with full collections (a fifth of the time in profiles).
 */
async function* plainFileLines(path: string, maxLineBytes: number): AsyncGenerator<string> {
  const fh = await open(path, 'r');
  try {
    yield* nodeFillsLines(readAhead(fh, 4 << 20), maxLineBytes);
  } finally {
    await fh.close();
  }
}

/**
 * The file's chunks, the next one read while the caller works on this one: a read waited for in turn left
 * the thread idle for ≈ 9% of a 200 MB replay (the kernel's copy of 4 MiB, 50 times). Two buffers take
 * turns; the one yielded is not written until the caller asks for the chunk after it.
 */
async function* readAhead(fh: FileHandle, size: number): AsyncGenerator<Buffer> {
  let filling = Buffer.allocUnsafe(size);
  let spare = Buffer.allocUnsafe(size);
  let next = fh.read(filling, 0, size, null);
  try {
    for (;;) {
      const { bytesRead } = await next;
      if (bytesRead === 0) return;
      const chunk = filling.subarray(0, bytesRead);
      [filling, spare] = [spare, filling];
      next = fh.read(filling, 0, size, null);
      yield chunk;
    }
  } finally {
    // A caller that stops early leaves one read in flight: waited for here, so that its failure (nobody's to handle) is
    // not an unhandled rejection that ends the process.
    await next.catch(() => undefined);
  }
}

/** What a refused line is replaced by: text with no `local_time` and no block, so a replay counts it as a bad line (and a parser refuses it). */
export const refusedLineText = (line: number, bytes: number, bound: number): string =>
  `node fills line ${line} refused: a block of ${bytes} bytes, over the reader's bound of ${bound} bytes`;

/**
 * Non-empty lines of the byte chunks (LF, a CR before it dropped). A chunk may be a reused buffer (the plain
 * reader's, the `.lz4` decoder's): nothing is kept from it once the next chunk is asked for. A line that spans
 * chunks is gathered in one buffer that grows to the longest line. Memory is bounded by `maxLineBytes`
 * whatever the file: a line longer than that is not gathered; its bytes are counted up to its newline and
 * it is yielded as refusedLineText (no `local_time`, no `events`), so a replay counts it as a bad line
 * and goes on with the next block, instead of holding a block of any size.
 */
export async function* nodeFillsLines(chunks: AsyncIterable<Buffer | string>, maxLineBytes: number): AsyncGenerator<string> {
  let carry = Buffer.allocUnsafe(0);
  let carried = 0;
  let refusedBytes = 0;
  let line = 0;
  const append = (piece: Buffer): void => {
    if (carried + piece.length > carry.length) {
      const grown = Buffer.allocUnsafe(Math.min(Math.max(carry.length * 2, carried + piece.length, 1 << 20), Math.max(maxLineBytes, carried + piece.length)));
      carry.copy(grown, 0, 0, carried);
      carry = grown;
    }
    piece.copy(carry, carried);
    carried += piece.length;
  };
  const take = (piece: Buffer): string => {
    line += 1;
    let text: string;
    if (refusedBytes > 0 || carried + piece.length > maxLineBytes) text = refusedLineText(line, refusedBytes + carried + piece.length, maxLineBytes);
    else if (carried === 0) text = decodeLine(piece);
    else {
      append(piece);
      text = decodeLine(carry.subarray(0, carried));
    }
    carried = 0;
    refusedBytes = 0;
    return text;
  };
  try {
    for await (const raw of chunks) {
      const data = typeof raw === 'string' ? Buffer.from(raw) : raw;
      let start = 0;
      for (let nl = data.indexOf(0x0a); nl !== -1; nl = data.indexOf(0x0a, start)) {
        const text = take(data.subarray(start, nl));
        start = nl + 1;
        if (text !== '') yield text;
      }
      if (start < data.length) {
        const rest = data.subarray(start);
        // Past the bound only the count goes on: the bytes are let go.
        if (refusedBytes > 0 || carried + rest.length > maxLineBytes) {
          refusedBytes += carried + rest.length;
          carried = 0;
        } else append(rest);
      }
    }
  } catch (err) {
    notePartialLine(err, carried + refusedBytes);
    throw err;
  }
  if (carried > 0 || refusedBytes > 0) {
    const text = take(Buffer.alloc(0));
    if (text !== '') yield text;
  }
}

interface HourFile {
  path: string;
  /** YYYYMMDD × 100 + hour: orders files in time. */
  key: number;
}

/** The newest `{YYYYMMDD}/{H}` file under `hourlyDir`, or undefined when there is none yet. */
export async function latestNodeFillsFile(hourlyDir: string): Promise<string | undefined> {
  return (await latestHourFile(hourlyDir))?.path;
}

async function latestHourFile(hourlyDir: string): Promise<HourFile | undefined> {
  const dates = (await readdir(hourlyDir)).filter((n) => /^\d{8}$/.test(n)).sort().reverse();
  for (const date of dates) {
    const hours = (await readdir(join(hourlyDir, date))).filter((n) => /^\d{1,2}$/.test(n)).map(Number);
    if (hours.length === 0) continue;
    const hour = Math.max(...hours);
    return { path: join(hourlyDir, date, String(hour)), key: Number(date) * 100 + hour };
  }
  return undefined;
}

export interface TailOptions {
  /** Read the newest file from its start instead of from its current end. */
  fromStart?: boolean;
  /** How often to look for new bytes and for the next hour's file. */
  pollMs?: number;
  /** Told about file-system errors (once per distinct message); the tail keeps trying. */
  onError?: (err: Error) => void;
  /** Told each time the tail opens an hour file, with the byte offset it reads on from (its end, when starting there). */
  onFollow?: (file: string, offset: number) => void;
}

export interface NodeFillsTail {
  /** Stops after the line being handled; resolves when the tail has stopped. */
  stop(): Promise<void>;
  /** Settles when the tail stops: rejects if `onLine` threw (the tail stops rather than skip lines). */
  done: Promise<void>;
}

/**
 * Follows the node's live hourly files. `dir` is the `node_fills_by_block` directory or its `hourly`
 * subdirectory. Polls rather than using fs.watch, which misses events on network and container mounts.
 * A newer hour's file is taken up once the current one has stopped growing and has been read to its end;
 * its first line is read from the start, so nothing written across the hour boundary is lost.
 * A line still without its newline is held back until the newline arrives (or the node moves on).
 */
export function tailNodeFills(dir: string, onLine: (line: string, file: string) => void | Promise<void>, opts: TailOptions = {}): NodeFillsTail {
  const pollMs = opts.pollMs ?? 250;
  const abort = new AbortController();
  let fh: FileHandle | undefined;

  const run = async (): Promise<void> => {
    let hourlyDir = dir;
    let current: HourFile | undefined;
    let offset = 0;
    let skipPartial = false;
    let pending: Buffer[] = [];
    const chunk = Buffer.allocUnsafe(1 << 20);
    let lastError = '';

    const emit = async (bytes: Buffer): Promise<void> => {
      const text = decodeLine(bytes);
      if (text === '') return;
      try {
        await onLine(text, current!.path);
      } catch (err) {
        throw new HandlerFailed(err);
      }
    };
    /** Reads what was appended since `offset`; true when anything was. */
    const drain = async (): Promise<boolean> => {
      const { size } = await fh!.stat();
      if (size < offset) offset = 0; // replaced, not appended to
      let grew = false;
      while (offset < size && !abort.signal.aborted) {
        const { bytesRead } = await fh!.read(chunk, 0, Math.min(chunk.length, size - offset), offset);
        if (bytesRead === 0) break;
        grew = true;
        offset += bytesRead;
        const data = chunk.subarray(0, bytesRead);
        let start = 0;
        for (let nl = data.indexOf(0x0a); nl !== -1; nl = data.indexOf(0x0a, start)) {
          const line = Buffer.concat([...pending, data.subarray(start, nl)]);
          pending = [];
          start = nl + 1;
          if (skipPartial) skipPartial = false;
          else await emit(line);
        }
        if (start < bytesRead) pending.push(Buffer.from(data.subarray(start)));
      }
      return grew;
    };
    const switchTo = async (next: HourFile, atEnd: boolean): Promise<void> => {
      await fh?.close();
      fh = await open(next.path, 'r');
      current = next;
      pending = [];
      offset = 0;
      skipPartial = false;
      if (atEnd) {
        const { size } = await fh.stat();
        offset = size;
        if (size > 0) {
          // Starting mid-file: the bytes before the next newline belong to a line whose start we skipped.
          const last = Buffer.alloc(1);
          await fh.read(last, 0, 1, size - 1);
          skipPartial = last[0] !== 0x0a;
        }
      }
      opts.onFollow?.(next.path, offset);
    };

    while (!abort.signal.aborted) {
      let progressed = false;
      try {
        if (current === undefined) {
          hourlyDir = await resolveHourlyDir(dir);
          const first = await latestHourFile(hourlyDir);
          if (first !== undefined) await switchTo(first, !opts.fromStart);
          progressed = first !== undefined;
        } else if (await drain()) {
          progressed = true;
        } else {
          const next = await latestHourFile(hourlyDir);
          if (next !== undefined && next.key > current.key) {
            await drain(); // what was appended between the last read and the look at the directory
            if (pending.length > 0 && !skipPartial) await emit(Buffer.concat(pending));
            await switchTo(next, false);
            progressed = true;
          }
        }
        lastError = '';
      } catch (err) {
        if (err instanceof HandlerFailed) throw err.cause;
        // Told once per distinct error: a missing directory would otherwise be reported every poll.
        const text = err instanceof Error ? err.message : String(err);
        if (text !== lastError) opts.onError?.(err instanceof Error ? err : new Error(text));
        lastError = text;
      }
      if (!progressed) await sleep(pollMs, undefined, { signal: abort.signal }).catch(() => undefined);
    }
  };

  const done = run().finally(() => fh?.close());
  return {
    done,
    async stop() {
      abort.abort();
      await done.catch(() => undefined);
    },
  };
}

/** Marks an error of the caller's line handler, which ends the tail, apart from file-system trouble, which does not. */
class HandlerFailed extends Error {
  constructor(override readonly cause: unknown) {
    super('line handler failed');
  }
}

async function resolveHourlyDir(dir: string): Promise<string> {
  const hourly = join(dir, 'hourly');
  try {
    if ((await stat(hourly)).isDirectory()) return hourly;
  } catch {
    // `dir` is the hourly directory itself
  }
  return dir;
}

export interface NodeFillsTailOptions extends TailOptions {
  dir: string;
  sink: FrameSink;
  log: Logger;
}

/**
 * The node's live fills as frames of venue `hyperliquid`, so they are parsed, recorded and replayed like
 * socket frames (the Hyperliquid parser recognises a block line). A failed hand-over stops the tail:
 * losing lines silently would make a `complete` source incomplete.
 */
export function startNodeFillsTail(o: NodeFillsTailOptions): Poller {
  const tail = tailNodeFills(o.dir, (line) => o.sink.handleFrame({ recv: Date.now(), venue: 'hyperliquid', frame: line }), {
    ...o,
    onError: (err) => {
      o.log.warn({ venue: 'hyperliquid', dir: o.dir, err: err.message }, 'node fills: file system error; retrying');
      o.onError?.(err);
    },
    onFollow: (file, offset) => {
      o.log.info({ venue: 'hyperliquid', file, offset }, 'node fills: following an hour file');
      o.onFollow?.(file, offset);
    },
  });
  tail.done.catch((err: unknown) => o.log.error({ venue: 'hyperliquid', dir: o.dir, err }, 'node fills: handing a line on failed; tail stopped'));
  return { stop: () => tail.stop() };
}
