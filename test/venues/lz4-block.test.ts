import fc from 'fast-check';
import { compressFrameSync, compressSync } from 'lz4-napi';
import { describe, expect, it } from 'vitest';
import { decodeLz4Block, decodeLz4Frames } from '../../src/venues/hyperliquid/lz4-frame.js';

/**
 * The `.lz4` reader's own block decoder (lz4-frame.ts) against lz4-napi's encoder: the same bytes back, and
 * on hostile blocks an `lz4:` error, never a write outside the bounds it was given.
 */

/** Text like a node's (repeats near and far, long runs, short and long literals) or arbitrary bytes. */
const content = fc.oneof(
  fc.array(fc.constantFrom('["0x1234",{"coin":"BTC","px":"', '106427.7', '"liquidation":{', 'a', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', '\n', 'é€', '0123456789abcdef'), { maxLength: 400 }).map((parts) => Buffer.from(parts.join(''))),
  fc.uint8Array({ maxLength: 2000 }).map((a) => Buffer.from(a)),
  fc.tuple(fc.nat(255), fc.integer({ min: 0, max: 70_000 })).map(([byte, n]) => Buffer.alloc(n, byte)),
);
/** lz4-napi's compressSync writes the block after a 4-byte size prefix. */
const blockOf = (data: Buffer): Buffer => compressSync(data).subarray(4);

describe('decodeLz4Block', () => {
  it('decodes what lz4-napi encodes, at any offset of the output buffer, byte for byte', () => {
    fc.assert(
      fc.property(content, fc.nat(100), (data, at) => {
        const dst = Buffer.alloc(at + data.length + 16, 0xee);
        const end = decodeLz4Block(blockOf(data), dst, at, at + data.length);
        expect(end).toBe(at + data.length);
        expect(dst.subarray(at, end).equals(data)).toBe(true);
        expect(dst.subarray(0, at).every((b) => b === 0xee) && dst.subarray(end).every((b) => b === 0xee)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('hostile blocks (cut, bytes changed, random): an lz4 error or output within bounds, never a write outside them', () => {
    const hostile = fc.oneof(
      fc.tuple(content, fc.nat()).map(([data, n]) => {
        const block = blockOf(data);
        return block.subarray(0, n % (block.length + 1));
      }),
      fc.tuple(content, fc.nat(), fc.nat(255)).map(([data, n, byte]) => {
        const block = Buffer.from(blockOf(data));
        if (block.length > 0) block[n % block.length] = byte;
        return block;
      }),
      fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
    );
    fc.assert(
      fc.property(hostile, fc.nat(64), fc.nat(4096), (block, at, room) => {
        const dst = Buffer.alloc(at + room + 64, 0xee);
        const limit = at + room;
        try {
          const end = decodeLz4Block(block, dst, at, limit);
          expect(end).toBeGreaterThanOrEqual(at);
          expect(end).toBeLessThanOrEqual(limit);
        } catch (err) {
          expect((err as Error).message).toMatch(/^lz4: /);
        }
        expect(dst.subarray(limit).every((b) => b === 0xee)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('a match reaching before the output buffer is refused, not read', () => {
    // Token: no literals, match length 4; offset 1 with nothing written yet.
    expect(() => decodeLz4Block(Buffer.from([0x00, 0x01, 0x00]), Buffer.alloc(16), 0, 16)).toThrow('lz4: match offset out of range');
  });
});

describe('decodeLz4Frames', () => {
  it('yields every block of concatenated frames as views of one reused buffer (no fresh buffer per block)', async () => {
    const data = Buffer.from(Array.from({ length: 120_000 }, (_, i) => `["0x${i.toString(16)}",{"coin":"BTC","tid":${i}}]\n`).join(''));
    const frames = Buffer.concat([compressFrameSync(data), compressFrameSync(data)]);
    const got: Buffer[] = [];
    const backing = new Set<ArrayBufferLike>();
    for await (const block of decodeLz4Frames((async function* () { yield frames; })())) {
      backing.add(block.buffer);
      got.push(Buffer.from(block)); // a copy: the view is only valid until the next block
    }
    expect(got.length).toBeGreaterThan(2);
    expect(backing.size).toBe(1);
    expect(Buffer.concat(got).equals(Buffer.concat([data, data]))).toBe(true);
  });
});
