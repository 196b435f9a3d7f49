import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { RawFrame } from '../../src/schema/events.js';
import { mapLineBatches, overLongLine, splitLines } from '../../src/replay/lines.js';
import { readRecording, recordingWriter, type RecordingItem } from '../../src/replay/recording.js';

const dir = mkdtempSync(join(tmpdir(), 'liqstream-recording-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What readRecording gave before its fast path: JSON.parse of the line, then RawFrame. */
function reference(text: string, line: number): RecordingItem | undefined {
  if (text.trim() === '') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, line, reason: 'invalid JSON', text };
  }
  const parsed = RawFrame.safeParse(json);
  return parsed.success ? { ok: true, frame: parsed.data } : { ok: false, line, reason: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '), text };
}

async function read(lines: string[], gzip: boolean): Promise<RecordingItem[]> {
  const path = join(dir, `r-${Math.random().toString(36).slice(2)}.ndjson${gzip ? '.gz' : ''}`);
  const text = lines.join('\n');
  writeFileSync(path, gzip ? gzipSync(text) : text);
  const items: RecordingItem[] = [];
  for await (const item of readRecording(path)) items.push(item);
  return items;
}

const venue = fc.constantFrom('binance-usdm', 'bybit-linear', 'hyperliquid', 'kraken', 'HYPERLIQUID');
const frameText = fc.oneof(fc.string(), fc.json(), fc.constantFrom('{"e":"forceOrder"}', 'é\u2028"\\', ''));
const written = fc.record({ recv: fc.oneof(fc.integer({ min: 0, max: 9_999_999_999_999 }), fc.constantFrom(-1, 1.5, 1e16, 2 ** 53)), venue, frame: frameText }).map((f) => JSON.stringify(f));
/** Lines as written, as another writer might lay them out, and broken. */
const line = fc.oneof(
  { weight: 4, arbitrary: written },
  written.map((l) => l.replace('{"recv":', '{ "recv": ')),
  written.map((l) => l.replace(/\}$/, ',"extra":1}')),
  // A leading zero: not JSON, however the digits read.
  written.map((l) => l.replace('{"recv":', '{"recv":0')),
  fc.record({ frame: frameText, venue, recv: fc.nat() }).map((f) => JSON.stringify(f)),
  written.chain((l) => fc.nat({ max: l.length }).map((n) => l.slice(0, n))),
  fc.constantFrom('', '   ', 'garbage', '{"recv":1,"venue":"hyperliquid","frame":"a"} '),
);

describe('reading a recording', () => {
  it('the same items as JSON.parse + RawFrame for every line, written or not, plain and gzip', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 20 }), fc.boolean(), async (lines, gzip) => {
        const expected = lines.map((l, i) => reference(l, i + 1)).filter((x) => x !== undefined);
        expect(await read(lines, gzip)).toEqual(expected);
      }),
      { numRuns: 150 },
    );
  });

  it('a line whose recv has a leading zero is invalid JSON, as JSON.parse says, not a frame', async () => {
    const text = '{"recv":01760130964831,"venue":"okx","frame":"{}"}';
    expect(await read([text], false)).toEqual([{ ok: false, line: 1, reason: 'invalid JSON', text }]);
  });

  it('reads back what recordingWriter wrote, CRLF endings and a last line without a newline included', async () => {
    const path = join(dir, 'w.ndjson.gz');
    const w = recordingWriter(path);
    const frames = [
      { recv: 1760130964831, venue: 'hyperliquid' as const, frame: '{"local_time":"x","events":[]}' },
      { recv: 1760130964832, venue: 'bybit-linear' as const, frame: 'line\nbreak "quoted" \\ é' },
    ];
    await w.write(...frames);
    await w.close();
    const got: RecordingItem[] = [];
    for await (const item of readRecording(path)) got.push(item);
    expect(got).toEqual(frames.map((frame) => ({ ok: true, frame })));
    const crlf = frames.map((f) => JSON.stringify(f)).join('\r\n');
    expect(await read([crlf], false)).toEqual(frames.map((frame) => ({ ok: true, frame })));
  });

  it('splitLines keeps empty lines and joins a line across chunks and multi-byte characters split between them', async () => {
    const bytes = Buffer.from('a\n\nbé\r\nc');
    const chunks = async function* () {
      for (let i = 0; i < bytes.length; i += 1) yield bytes.subarray(i, i + 1);
    };
    const got: string[] = [];
    for await (const l of splitLines(chunks())) got.push(l);
    expect(got).toEqual(['a', '', 'bé', 'c']);
  });

  it('property: a line over the bound comes back as overLongLine with its length, every other line exactly, however the bytes are cut', async () => {
    const bound = 64;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.string({ maxLength: 80 }).map((t) => t.replaceAll('\n', '')), fc.nat(300).map((n) => 'x'.repeat(n))), { minLength: 1, maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        async (lines, cuts, lastNewline) => {
          const bytes = Buffer.from(lines.join('\n') + (lastNewline ? '\n' : ''));
          const chunks = async function* () {
            for (let at = 0, i = 0; at < bytes.length; at += cuts[i++ % cuts.length]!) yield bytes.subarray(at, at + cuts[i % cuts.length]!);
          };
          const got: string[] = [];
          for await (const batch of mapLineBatches(chunks(), (b, s, e) => b.toString('utf8', s, e), bound)) got.push(...batch);
          // The last line without a newline is a line; an empty one after the last newline is none.
          const expected = (lastNewline || lines.at(-1) !== '' ? lines : lines.slice(0, -1)).map((l) => (Buffer.byteLength(l) > bound ? overLongLine(Buffer.byteLength(l), bound).toString() : l));
          expect(got).toEqual(bytes.length === 0 ? [] : expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});
