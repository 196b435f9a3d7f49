import xxhash from 'xxhash-wasm';

/**
 * Streaming reader of the LZ4 frame format (the `.lz4` of Hyperliquid's hourly archives).
 *
 * lz4-napi only decompresses whole frames, and an hourly node-fills file can be 2 GB decompressed (the
 * 10 Oct 2025 21:00 hour), more than fits in one JS string and a lot to hold twice in memory. So the
 * frame container is walked here and each block handed to lz4-napi's block decoder: memory stays at one
 * block (≤ 4 MiB) plus the 64 KiB window that linked blocks refer back to.
 *
 * Every checksum the frame carries (header, block, content: xxHash32, from xxhash-wasm, since lz4-napi
 * exposes none) is verified, so a corrupt archive fails naming the part, instead of replaying as
 * plausible but wrong data.
 */

let hasher: ReturnType<typeof xxhash> | undefined;
/** The native decoder, loaded on the first frame: every process that never reads an archive is spared its load. */
let lz4: Promise<typeof import('lz4-napi')> | undefined;

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
      throw new Error(`lz4: truncated input (wanted ${n} bytes, ${this.buffered} left)`);
    }
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return out;
  }

  async skip(n: number): Promise<void> {
    if (n > 0) await this.read(n);
  }
}

/** Decompressed bytes of every LZ4 frame in `source` (concatenated and skippable frames included). */
export async function* decodeLz4Frames(source: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer> {
  const input = new ByteReader(source[Symbol.asyncIterator]());
  for (;;) {
    const magicBytes = await input.read(4, true);
    if (magicBytes === undefined) return;
    const magic = magicBytes.readUInt32LE(0);
    if ((magic & 0xfffffff0) === SKIPPABLE_MAGIC) {
      await input.skip((await input.read(4))!.readUInt32LE(0));
      continue;
    }
    if (magic !== FRAME_MAGIC) throw new Error(`lz4: not an LZ4 frame (magic 0x${magic.toString(16)})`);
    yield* decodeFrameBody(input);
  }
}

async function* decodeFrameBody(input: ByteReader): AsyncGenerator<Buffer> {
  const { h32Raw, create32 } = await (hasher ??= xxhash());
  const { uncompressSync } = await (lz4 ??= import('lz4-napi'));
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

  let window: Buffer = Buffer.alloc(0);
  for (;;) {
    const word = (await input.read(4))!.readUInt32LE(0);
    if (word === 0) break; // end mark
    const stored = (word & 0x80000000) !== 0;
    const size = word & 0x7fffffff;
    if (size > maxBlock) throw new Error(`lz4: block of ${size} bytes exceeds the frame's ${maxBlock}`);
    const data = (await input.read(size))!;
    if (blockChecksum && (await input.read(4))!.readUInt32LE(0) !== h32Raw(data, 0) >>> 0) throw new Error('lz4: block checksum mismatch');
    const out = stored ? Buffer.from(data) : decodeBlock(uncompressSync, data, maxBlock, independent ? undefined : window);
    content?.update(out);
    // Linked blocks may copy from the previous 64 KiB of output.
    if (!independent) window = out.length >= WINDOW ? out.subarray(out.length - WINDOW) : Buffer.concat([window, out]).subarray(-WINDOW);
    if (out.length > 0) yield out;
  }
  if (content && (await input.read(4))!.readUInt32LE(0) !== content.digest() >>> 0) throw new Error('lz4: content checksum mismatch');
}

/**
 * lz4-napi's block decoder expects the decompressed size as a 4-byte prefix and treats it as a capacity;
 * the frame only bounds it by the block maximum, which is what is passed.
 */
function decodeBlock(uncompressSync: typeof import('lz4-napi').uncompressSync, data: Buffer, maxBlock: number, dict: Buffer | undefined): Buffer {
  const prefixed = Buffer.allocUnsafe(4 + data.length);
  prefixed.writeUInt32LE(maxBlock, 0);
  data.copy(prefixed, 4);
  return uncompressSync(prefixed, dict);
}
