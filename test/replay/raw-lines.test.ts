import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { rawFrame, readRawBatches, UnreadLine, type FeedItem } from '../../src/replay/raw-lines.js';
import { readRecording, type RecordingItem } from '../../src/replay/recording.js';
import { frameBatcher, type FrameBatch } from '../../src/replay/frame-batch.js';
import { itemsOf, UnsafeSplit } from '../../src/replay/feed.js';
import { hyperliquidEscapedFrameClass, hyperliquidFrameClass } from '../../src/venues/hyperliquid/frame-class.js';

// The reader of `replay --workers N` reads a recording as bytes (raw-lines.ts): every line must come out as
// readRecording reads it, or the replay must stop and start again decoding every line (UnreadLine).

const dir = mkdtempSync(join(tmpdir(), 'liqstream-raw-lines-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(text: string | Buffer, gzip: boolean): string {
  const path = join(dir, `r-${Math.random().toString(36).slice(2)}.ndjson${gzip ? '.gz' : ''}`);
  writeFileSync(path, gzip ? gzipSync(text) : text);
  return path;
}

/** Each line's item as a worker gets it: a raw line decoded (an UnreadLine kept as the outcome, with the literal's text). */
async function rawItems(path: string): Promise<(RecordingItem | { unread: string })[]> {
  const out: (RecordingItem | { unread: string })[] = [];
  for await (const batch of readRawBatches(path))
    for (const item of batch as FeedItem[]) {
      if (item.ok !== 'raw') out.push(item);
      else
        try {
          out.push({ ok: true, frame: rawFrame(item.bytes, item.start, item.end, item.recv, item.venue) });
        } catch (err) {
          if (!(err instanceof UnreadLine)) throw err;
          out.push({ unread: item.bytes.toString('utf8', item.start, item.end) });
        }
    }
  return out;
}

async function items(path: string): Promise<RecordingItem[]> {
  const out: RecordingItem[] = [];
  for await (const item of readRecording(path)) out.push(item);
  return out;
}

const venue = fc.constantFrom('binance-usdm', 'hyperliquid', 'kraken', 'HYPERLIQUID', 'a'.repeat(33));
const frameText = fc.oneof(fc.string(), fc.json(), fc.string({ unit: 'grapheme' }), fc.constantFrom('{"e":"forceOrder"}', 'é\u2028"\\', '', '\\', '"', '\u0000\u001f'));
const written = fc.record({ recv: fc.oneof(fc.integer({ min: 0, max: 9_999_999_999_999 }), fc.constantFrom(-1, 1.5, 1e16, 2 ** 53)), venue, frame: frameText }).map((f) => JSON.stringify(f));
/** Lines as written, laid out otherwise, broken, and hostile: a written head whose literal is not one JSON string. */
const line = fc.oneof(
  { weight: 4, arbitrary: written },
  written.map((l) => l.replace('{"recv":', '{ "recv": ')),
  written.map((l) => l.replace(/\}$/, ',"extra":1}')),
  written.map((l) => `${l}\r`),
  written.map((l) => l.replace('"frame":"', '"frame": "')),
  written.chain((l) => fc.nat({ max: l.length }).map((n) => l.slice(0, n))),
  written.map((l) => l.replace(/"\}$/, '\\"}')),
  fc.tuple(frameText, frameText).map(([a, b]) => `{"recv":1,"venue":"hyperliquid","frame":${JSON.stringify(a)},"frame":${JSON.stringify(b)}}`),
  fc.tuple(frameText, fc.nat()).map(([a, r]) => `{"recv":1,"venue":"hyperliquid","frame":${JSON.stringify(a)},"recv":${r},"venue":"okx","frame":"x"}`),
  fc.constantFrom('', '   ', 'garbage', '{"recv":1,"venue":"okx","frame":"a"} ', '{"recv":1,"venue":"okx","frame":"a"b"}', '{"recv":1,"venue":"okx","frame":""}', '{"recv":1,"venue":"okx","frame":"}'),
);

describe('reading a recording as bytes (replay --workers)', () => {
  it('property: every line as readRecording reads it, or UnreadLine for a written head whose literal is not a JSON string', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 20 }), fc.boolean(), fc.boolean(), async (lines, gzip, lastNewline) => {
        const path = file(lines.join('\n') + (lastNewline ? '\n' : ''), gzip);
        const expected = await items(path);
        const got = await rawItems(path);
        expect(got).toHaveLength(expected.length);
        got.forEach((item, i) => {
          // Only a literal that is not a JSON string stops the replay (readRecording read that line some other way).
          if ('unread' in item) expect(() => JSON.parse(item.unread) as string).toSatisfy((parse: () => unknown) => { try { return typeof parse() !== 'string'; } catch { return true; } });
          else expect(item).toEqual(expected[i]);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('lines across decompressed chunks, CRLF, multi-byte text cut by a chunk edge, no last newline, plain and gzip', async () => {
    const big = (n: number) => JSON.stringify({ recv: 1_760_000_000_000 + n, venue: 'hyperliquid', frame: `{"x":"${'é"\\'.repeat(150_000 + n * 7_001)}"}` });
    const text = [big(1), 'not json', big(2), '', big(3)].join('\r\n');
    for (const gzip of [false, true]) {
      const path = file(text, gzip);
      const expected = await items(path);
      expect(expected.filter((i) => i.ok)).toHaveLength(3);
      expect(await rawItems(path)).toEqual(expected);
    }
  });

  it('a gzip file cut short: what it holds, then the same bad item', async () => {
    const whole = gzipSync(`${[1, 2, 3].map((n) => JSON.stringify({ recv: n, venue: 'okx', frame: `${n}`.repeat(900_000) })).join('\n')}\n`);
    const path = file(whole.subarray(0, Math.floor(whole.length * 0.8)), true);
    const expected = await items(path);
    expect(expected.at(-1)).toMatchObject({ ok: false });
    expect(await rawItems(path)).toEqual(expected);
  });
});

/** A frame as the reader sees it: its JSON string literal's bytes. */
const literal = (frame: string) => Buffer.from(JSON.stringify(frame));
const escapedClass = (frame: string) => {
  const bytes = literal(frame);
  return hyperliquidEscapedFrameClass(bytes, 0, bytes.length);
};
const block = (n: number | string, time = '2025-10-10T21:11:00.000000000', tail = '') =>
  `{"local_time":"${time}","block_time":"${time}","block_number":${n},"events":[["0xabc",{"coin":"BTC"}]]${tail}}`;

describe("Hyperliquid frames placed by their literal's head", () => {
  it('node blocks by their bucket and contexts as quiet, without decoding; other heads left to the decoded frame', () => {
    for (const n of [0, 8800272060, 99999999999999999999n])
      expect(escapedClass(block(String(n)))).toEqual(hyperliquidFrameClass(block(String(n))));
    expect(escapedClass('{"channel":"activeAssetCtx","data":{"coin":"BTC"}}')).toBe('quiet');
    expect(escapedClass('{"channel":"pong"}')).toBe('quiet');
    // Characters JSON.stringify writes as they are: the same bucket.
    for (const time of ['2025/10/10', 'é€😀']) expect(escapedClass(block(1, time))).toEqual(hyperliquidFrameClass(block(1, time)));
    for (const other of ['{"channel":"trades","data":[]}', '{"block_number":1,"local_time":"x","block_time":"y","events":[]}', block(1, 'a\nb'), block(1, '\u0000'), '{"\\u0063hannel":"pong"}', 'not json'])
      expect(escapedClass(other)).toBeUndefined();
  });

  it('property: the head says what the decoded frame says, unless the decoded frame is "fills" (the worker checks it)', () => {
    const time = fc.oneof(fc.constant('2025-10-10T21:11:00.000000000'), fc.string({ maxLength: 70 }), fc.string({ unit: 'grapheme', maxLength: 70 }));
    const tail = fc.constantFrom('', ',"channel":"trades","data":[]', ',"\\u0063hannel":"trades"', ',"x":"\\\\u"', ',"x":"\\"channel\\""', ',"x":"channel"');
    const frame = fc.oneof(
      fc.tuple(fc.oneof(fc.nat(), fc.bigInt({ min: 0n, max: 10n ** 21n }), fc.string({ maxLength: 3 })), time, tail).map(([n, t, x]) => block(String(n), t, x)),
      fc.tuple(fc.constantFrom('activeAssetCtx', 'pong', 'subscriptionResponse', 'trades', 'userFills'), tail).map(([c, x]) => `{"channel":"${c}","data":{}${x}}`),
      fc.string(),
      fc.json(),
    );
    fc.assert(
      fc.property(frame, (f) => {
        const head = escapedClass(f);
        const decoded = hyperliquidFrameClass(f);
        if (head !== undefined && decoded !== 'fills') expect(head).toEqual(decoded);
      }),
      { numRuns: 2_000 },
    );
  });

  it('a block placed by its head whose decoded frame is "fills" stops the split where the worker decodes it', () => {
    const batches: FrameBatch[] = [];
    const batcher = frameBatcher((b) => void batches.push(b));
    for (const f of [block(5), block(6, undefined, ',"channel":"trades","data":[]')]) {
      const bytes = Buffer.concat([Buffer.from('{"recv":1,"venue":"hyperliquid","frame":'), literal(f), Buffer.from('}')]);
      expect(escapedClass(f)).toEqual({ block: expect.any(Number) });
      batcher.add({ ok: 'raw', recv: 1, venue: 'hyperliquid', bytes, start: bytes.indexOf('"', 40), end: bytes.length - 1 });
    }
    batcher.flush();
    expect(batches).toHaveLength(1);
    expect(() => itemsOf(batches[0]!, true)).toThrow(UnsafeSplit);
    // Without a split the same frames are only read.
    expect(itemsOf(batches[0]!, false).map((i) => i.ok && i.frame.frame)).toEqual([block(5), block(6, undefined, ',"channel":"trades","data":[]')]);
  });
});
