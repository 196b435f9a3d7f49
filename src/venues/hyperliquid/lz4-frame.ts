import xxhash from 'xxhash-wasm';

/** The input ended inside a frame (a download or copy cut short): what came before it was decoded. */
export class Lz4Truncated extends Error {}

/**
 * Streaming reader of the LZ4 frame format (the `.lz4` of Hyperliquid's hourly archives).
 *
 * lz4-napi only decompresses whole frames, and an hourly node-fills file can be 2 GB decompressed (the
 * 10 Oct 2025 21:00 hour), more than fits in one JS string and a lot to hold twice in memory. So the
 * frame container is walked here and each block decoded (decodeLz4Block) into one buffer reused for the
 * whole file: memory stays at one block (≤ 4 MiB) plus the 64 KiB window that linked blocks refer back
 * to. lz4-napi's block decoder gave a fresh 4 MiB Buffer per block (and wanted a copy of the input for a
 * size prefix): external memory that V8 answers with full collections, and the peak RSS of a 1 GB `.lz4`
 * replay grew past 300 MiB with it (docs/benchmarks.md, "Issue 22 §4: the node layout, marked fills and the `.lz4` reader").
 *
 * Every checksum the frame carries (header, block, content: xxHash32, from xxhash-wasm, since lz4-napi
 * exposes none) is verified, so a corrupt archive fails naming the part, instead of replaying as
 * plausible but wrong data.
 */

let hasher: ReturnType<typeof xxhash> | undefined;

const FRAME_MAGIC = 0x184d2204;
const SKIPPABLE_MAGIC = 0x184d2a50; // low nibble is free
const WINDOW = 64 * 1024;
const BLOCK_MAX_SIZE: Readonly<Record<number, number>> = { 4: 64 * 1024, 5: 256 * 1024, 6: 1024 * 1024, 7: 4 * 1024 * 1024 };

/** Pulls exact byte counts out of a chunked stream. */
class ByteReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private done = false;

  constructor(private readonly source: AsyncIterator<Buffer | string>) {}

  /** Exactly `n` bytes; undefined only when the stream ended cleanly before the first of them. */
  async read(n: number, eofAllowed = false): Promise<Buffer | undefined> {
    while (this.buffered < n && !this.done) {
      const next = await this.source.next();
      if (next.done) this.done = true;
      else {
        const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
        this.chunks.push(chunk);
        this.buffered += chunk.length;
      }
    }
    if (this.buffered < n) {
      if (eofAllowed && this.buffered === 0) return undefined;
      throw new Lz4Truncated(`lz4: truncated input (wanted ${n} bytes, ${this.buffered} left)`);
    }
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return out;
  }

  /** Drops `n` bytes as they arrive: a skippable frame may claim up to 4 GiB, and is not to be held. */
  async skip(n: number): Promise<void> {
    let left = n;
    while (left > 0) {
      if (this.buffered === 0) {
        const next = this.done ? { done: true as const } : await this.source.next();
        if (next.done) {
          this.done = true;
          throw new Lz4Truncated(`lz4: truncated input (wanted ${left} more bytes of a skippable frame)`);
        }
        const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
        this.chunks = [chunk];
        this.buffered = chunk.length;
      }
      const first = this.chunks[0]!;
      if (first.length <= left) {
        left -= first.length;
        this.buffered -= first.length;
        this.chunks.shift();
      } else {
        this.chunks[0] = first.subarray(left);
        this.buffered -= left;
        left = 0;
      }
    }
  }
}

/**
 * Decompressed bytes of every LZ4 frame in `source` (concatenated and skippable frames included). Each yielded
 * Buffer is a view of one reused buffer, valid until the next is asked for: a caller copies what it keeps.
 */
export async function* decodeLz4Frames(source: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer> {
  const input = new ByteReader(source[Symbol.asyncIterator]());
  const out: Output = { buffer: Buffer.alloc(0) };
  for (;;) {
    const magicBytes = await input.read(4, true);
    if (magicBytes === undefined) return;
    const magic = magicBytes.readUInt32LE(0);
    if ((magic & 0xfffffff0) === SKIPPABLE_MAGIC) {
      await input.skip((await input.read(4))!.readUInt32LE(0));
      continue;
    }
    if (magic !== FRAME_MAGIC) throw new Error(`lz4: not an LZ4 frame (magic 0x${magic.toString(16)})`);
    yield* decodeFrameBody(input, out);
  }
}

/** The buffer blocks are decoded into, kept across the frames of one file (grown only for a larger block size). */
interface Output {
  buffer: Buffer;
}

async function* decodeFrameBody(input: ByteReader, out: Output): AsyncGenerator<Buffer> {
  const { h32Raw, create32 } = await (hasher ??= xxhash());
  const [flg, bd] = (await input.read(2))!;
  if (flg === undefined || bd === undefined || flg >> 6 !== 1) throw new Error('lz4: unsupported frame version');
  if (flg & 0x01) throw new Error('lz4: frames compressed with a dictionary are not supported');
  const independent = (flg & 0x20) !== 0;
  const blockChecksum = (flg & 0x10) !== 0;
  const contentChecksum = (flg & 0x04) !== 0;
  const maxBlock = BLOCK_MAX_SIZE[(bd >> 4) & 0x07];
  if (maxBlock === undefined) throw new Error(`lz4: invalid block size code in 0x${bd.toString(16)}`);
  const contentSize = (flg & 0x08) !== 0 ? (await input.read(8))! : Buffer.alloc(0);
  const headerChecksum = (await input.read(1))![0]!;
  // The descriptor's checksum is the second byte of xxHash32 over FLG, BD and the content size.
  if (((h32Raw(Buffer.concat([Buffer.from([flg, bd]), contentSize]), 0) >>> 8) & 0xff) !== headerChecksum) throw new Error('lz4: frame header checksum mismatch');
  const content = contentChecksum ? create32(0) : undefined;

  if (out.buffer.length < WINDOW + maxBlock) out.buffer = Buffer.allocUnsafe(WINDOW + maxBlock);
  const buffer = out.buffer;
  // buffer[0, end) is the output so far that a linked block may copy from (at most the last 64 KiB of it).
  let end = 0;
  let decoded = 0;
  for (;;) {
    const word = (await input.read(4))!.readUInt32LE(0);
    if (word === 0) break; // end mark
    const stored = (word & 0x80000000) !== 0;
    const size = word & 0x7fffffff;
    if (size > maxBlock) throw new Error(`lz4: block of ${size} bytes exceeds the frame's ${maxBlock}`);
    const data = (await input.read(size))!;
    if (blockChecksum && (await input.read(4))!.readUInt32LE(0) !== h32Raw(data, 0) >>> 0) throw new Error('lz4: block checksum mismatch');
    // Linked blocks may copy from the previous 64 KiB of output: it is moved to the front, the block decoded after it.
    let at = 0;
    if (!independent) {
      if (end > WINDOW) buffer.copyWithin(0, end - WINDOW, end);
      at = Math.min(end, WINDOW);
    }
    if (stored) end = at + data.copy(buffer, at);
    else end = decodeLz4Block(data, buffer, at, at + maxBlock);
    const block = buffer.subarray(at, end);
    content?.update(block);
    decoded += block.length;
    if (block.length > 0) yield block;
  }
  // A declared content size is checked like a checksum (the reference decoder does): without a content
  // checksum it is what tells a frame that lost or gained blocks from a whole one.
  if (contentSize.length === 8 && decoded !== Number(contentSize.readBigUInt64LE(0))) throw new Error(`lz4: frame content size ${contentSize.readBigUInt64LE(0)} declared, ${decoded} decoded`);
  if (content && (await input.read(4))!.readUInt32LE(0) !== content.digest() >>> 0) throw new Error('lz4: content checksum mismatch');
}

/**
 * One LZ4 block (the block format: sequences of literals and back-references) decoded into `dst` from `at`;
 * returns where the output ends. A match may reach back before `at` (the window of a linked block, put there
 * by the caller), never before 0 and never past `limit` (the frame's block size). Malformed input throws
 * instead of reading or writing out of bounds. Short copies are byte loops: a native call costs more than
 * the few bytes most sequences of JSON text copy.
 */
export function decodeLz4Block(src: Uint8Array, dst: Uint8Array, at: number, limit: number): number {
  const n = src.length;
  let s = 0;
  let d = at;
  for (;;) {
    if (s >= n) throw new Error('lz4: block ends inside a sequence');
    const token = src[s++]!;
    let literals = token >>> 4;
    if (literals === 15)
      for (let b = 255; b === 255; literals += b) {
        if (s >= n) throw new Error('lz4: block ends inside a literal length');
        b = src[s++]!;
      }
    if (s + literals > n || d + literals > limit) throw new Error('lz4: literals past the end of the block');
    if (literals < 32) for (let k = 0; k < literals; k++) dst[d + k] = src[s + k]!;
    else dst.set(src.subarray(s, s + literals), d);
    s += literals;
    d += literals;
    if (s === n) return d; // the last sequence has literals only
    if (s + 2 > n) throw new Error('lz4: block ends inside a match offset');
    const offset = src[s]! | (src[s + 1]! << 8);
    s += 2;
    if (offset === 0 || offset > d) throw new Error('lz4: match offset out of range');
    let length = (token & 15) + 4;
    if (length === 19)
      for (let b = 255; b === 255; length += b) {
        if (s >= n) throw new Error('lz4: block ends inside a match length');
        b = src[s++]!;
      }
    if (d + length > limit) throw new Error('lz4: match past the end of the block');
    let from = d - offset;
    // An overlapping match (offset < length) repeats what it is writing: byte by byte, as the format means.
    if (length >= 32 && offset >= length) {
      dst.copyWithin(d, from, from + length);
      d += length;
    } else for (const stop = d + length; d < stop; ) dst[d++] = dst[from++]!;
  }
}
