import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import xxhash from 'xxhash-wasm';
import { describe, expect, it } from 'vitest';
import { decodeLz4Frames } from '../../src/venues/hyperliquid/lz4-frame.js';

/** Review (session 9): `.lz4` frames whose headers lie, and skippable frames that claim a lot. */

async function decodeAll(chunks: Buffer[]): Promise<Buffer> {
  const got: Buffer[] = [];
  for await (const block of decodeLz4Frames((async function* () { yield* chunks; })())) got.push(Buffer.from(block));
  return Buffer.concat(got);
}

/** A frame of stored (uncompressed) blocks, independent, no checksums but the header's; `declared` is its content size field. */
async function storedFrame(blocks: string[], declared?: bigint): Promise<Buffer> {
  const { h32Raw } = await xxhash();
  const flg = 0x40 | 0x20 | (declared === undefined ? 0 : 0x08);
  const bd = 0x40; // 64 KiB blocks
  const size = Buffer.alloc(declared === undefined ? 0 : 8);
  if (declared !== undefined) size.writeBigUInt64LE(declared);
  const descriptor = Buffer.concat([Buffer.from([flg, bd]), size]);
  const parts = [Buffer.from([0x04, 0x22, 0x4d, 0x18]), descriptor, Buffer.from([(h32Raw(descriptor, 0) >>> 8) & 0xff])];
  for (const b of blocks) {
    const word = Buffer.alloc(4);
    word.writeUInt32LE((0x80000000 | Buffer.byteLength(b)) >>> 0);
    parts.push(word, Buffer.from(b));
  }
  parts.push(Buffer.alloc(4));
  return Buffer.concat(parts);
}

describe('lz4 frame headers that lie', () => {
  it('a frame whose declared content size is not what its blocks hold is refused, not replayed short', async () => {
    expect((await decodeAll([await storedFrame(['abc\n', 'def\n'], 8n)])).toString()).toBe('abc\ndef\n');
    // One block lost (or one too many) while the header still says 8 bytes: the reference lz4 refuses it too.
    await expect(decodeAll([await storedFrame(['abc\n'], 8n)])).rejects.toThrow(/^lz4: frame content size 8 declared, 4 decoded/);
    await expect(decodeAll([await storedFrame(['abc\n', 'def\n', 'ghi\n'], 8n)])).rejects.toThrow(/^lz4: frame content size 8 declared, 12 decoded/);
  });
});

describe('skippable frames', () => {
  it('skipped bytes are dropped as they arrive, not gathered (a skippable frame may claim 4 GiB)', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const header = Buffer.alloc(8);
    header.writeUInt32LE(0x184d2a5f, 0);
    const chunkBytes = 1 << 20;
    const chunkCount = 24;
    header.writeUInt32LE(chunkBytes * chunkCount, 4);
    const refs: WeakRef<Buffer>[] = [];
    let alive = -1;
    const frame = await storedFrame(['after the skip\n'], 15n);
    async function* source(): AsyncGenerator<Buffer> {
      yield header;
      for (let i = 0; i < chunkCount; i++) {
        if (i === chunkCount - 1) {
          // Mid-skip: what of the 23 MiB so far does the reader still hold?
          await new Promise((r) => setImmediate(r));
          gc();
          await new Promise((r) => setImmediate(r));
          alive = refs.filter((r) => r.deref() !== undefined).length;
        }
        const chunk = Buffer.alloc(chunkBytes, i);
        refs.push(new WeakRef(chunk));
        yield chunk;
      }
      yield frame;
    }
    const got: Buffer[] = [];
    for await (const block of decodeLz4Frames(source())) got.push(Buffer.from(block));
    expect(Buffer.concat(got).toString()).toBe('after the skip\n');
    // Gathered, all 23 would be held until the skip ends; dropped, at most the last is still referenced.
    expect(alive).toBeLessThanOrEqual(1);
  });

  it('a skippable frame cut short is a truncation error; one split across chunks is skipped exactly', async () => {
    const header = Buffer.alloc(8);
    header.writeUInt32LE(0x184d2a50, 0);
    header.writeUInt32LE(10, 4);
    await expect(decodeAll([header, Buffer.alloc(9)])).rejects.toThrow(/^lz4: truncated input/);
    const frame = await storedFrame(['x\n']);
    const whole = Buffer.concat([header, Buffer.alloc(10, 0x41), frame, header, Buffer.alloc(10), frame]);
    for (const step of [1, 3, 7, 11, whole.length]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < whole.length; i += step) chunks.push(whole.subarray(i, i + step));
      expect((await decodeAll(chunks)).toString()).toBe('x\nx\n');
    }
  });
});
