import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { compressFrameSync } from 'lz4-napi';
import { afterEach, describe, expect, it } from 'vitest';
import { LiquidationEvent } from '../../src/schema/events.js';
import { ADL_DIR } from '../../src/venues/hyperliquid/fill.js';
import { silentLogger } from '../../src/log.js';
import { requireTool } from '../support/tools.js';
import type { RawFrame } from '../../src/schema/events.js';
import { parseNodeFillsLine, parseNodeTime } from '../../src/venues/hyperliquid/node-block.js';
import {
  nodeFillsHourPath,
  nodeFillsLines,
  readNodeFillsFile,
  refusedLineText,
  startNodeFillsTail,
  tailNodeFills,
} from '../../src/venues/hyperliquid/node-fills.js';
import { createHyperliquidParser } from '../../src/venues/hyperliquid/parse.js';
import { until } from '../support/until.js';
import { Lz4Truncated } from '../../src/venues/hyperliquid/lz4-frame.js';
import { readNodeFills } from '../../src/replay/sources.js';
import type { RecordingItem } from '../../src/replay/recording.js';
import { refused } from '../support/refusals.js';

const fx = (name: string): string => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8').trim();

const LINE = fx('hyperliquid-node-fills-by-block-1.json');
const LIQUIDATED = '0x5ef843ccf26810073ee689a954f6d05f5b48fccb';
const COUNTERPARTY = '0xa775d1bd91ee2cc4cae6113e5fd9c0c17b355277';
// local_time 2026-06-28T08:43:53.687645997, no zone: UTC, truncated to the millisecond.
const LOCAL_MS = Date.UTC(2026, 5, 28, 8, 43, 53, 687);

type Block = { local_time: string; block_time: string; block_number: number; events: [string, Record<string, unknown>][] };
const block = (): Block => JSON.parse(LINE) as Block;

let temp: string[] = [];
afterEach(() => {
  for (const d of temp) rmSync(d, { recursive: true, force: true });
  temp = [];
});
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'liqstream-hl-'));
  temp.push(d);
  return d;
};

describe('node_fills_by_block line', () => {
  it('the fixture line is a counterparty fill: no events', () => {
    expect(parseNodeFillsLine(LINE)).toEqual({ ok: true, events: [] });
  });

  it('an item that is not [user, fill], and a marked fill that fails its schema, cost only themselves: the liquidation beside them counts', () => {
    const b = block();
    b.events[0]![0] = LIQUIDATED;
    const badFill = structuredClone(b.events[0]!);
    (badFill[1].liquidation as Record<string, unknown>).method = 'magic';
    const items = [[1, 2], b.events[0]!, badFill];
    const r = parseNodeFillsLine(JSON.stringify({ ...b, events: items }));
    expect(r.ok && r.events.map((e) => e.type === 'liquidation' && e.id)).toEqual([`hyperliquid:340554939716632:${LIQUIDATED}`]);
    expect(r.ok && r.rejected).toEqual([
      { entry: '[1,2]', reason: 'invalid node_fills_by_block: events.0: expected [user, fill]' },
      { entry: JSON.stringify(badFill), reason: expect.stringMatching(/^invalid node_fills_by_block fill 2: liquidation\.method/) },
    ]);
  });

  it('the same line with the user changed to the liquidatedUser: exactly one event', () => {
    const b = block();
    b.events[0]![0] = LIQUIDATED;
    expect(parseNodeFillsLine(JSON.stringify(b))).toEqual({
      ok: true,
      events: [
        {
          type: 'liquidation',
          id: `hyperliquid:340554939716632:${LIQUIDATED}`,
          venue: 'hyperliquid',
          symbol: 'SOL',
          base: 'SOL',
          side: 'short',
          price: 72.153,
          qty: 0.58,
          notionalUsd: 72.153 * 0.58,
          eventTime: 1782636233257,
          receiveTime: LOCAL_MS,
          fidelity: 'complete',
          kind: 'liquidation',
          source: 'node_fills_by_block',
        },
      ],
    });
  });

  it('a block with both sides of the liquidation counts it once', () => {
    const b = block();
    const [, makerFill] = b.events[0]!;
    // The liquidated account's own side: it bought (closing a short) from the maker who sold.
    const ownFill = { ...makerFill, side: 'B', startPosition: '-0.58', dir: 'Close Short', crossed: true };
    b.events.push([LIQUIDATED, ownFill]);
    const r = parseNodeFillsLine(JSON.stringify(b));
    expect(r.ok && r.events.map((e) => e.type === 'liquidation' && [e.id, e.side, e.kind])).toEqual([
      [`hyperliquid:340554939716632:${LIQUIDATED}`, 'short', 'liquidation'],
    ]);
  });

  it('parses the node clock as UTC milliseconds', () => {
    expect(parseNodeTime('2026-06-28T08:43:53.687645997')).toBe(LOCAL_MS);
    expect(parseNodeTime('2025-10-10T21:16:04')).toBe(Date.UTC(2025, 9, 10, 21, 16, 4));
    expect(parseNodeTime('2025-10-10T21:16:04.8Z')).toBe(Date.UTC(2025, 9, 10, 21, 16, 4, 800));
    expect(parseNodeTime('yesterday')).toBeUndefined();
  });

  it('malformed lines are rejected, never thrown', () => {
    const b = block();
    const withBadFill = structuredClone(b);
    (withBadFill.events[0]![1] as Record<string, unknown>).px = 'NaN';
    const badTime = { ...b, local_time: 'soon' };
    const badMethod = structuredClone(b);
    (badMethod.events[0]![1].liquidation as Record<string, unknown>).method = 'magic';
    const badItem = { ...b, events: [[1, b.events[0]![1]]] };
    const cases = ['', 'not json', '[]', 'null', '{"block_number":1}', JSON.stringify(withBadFill), JSON.stringify(badTime), JSON.stringify(badMethod), JSON.stringify(badItem), LINE.slice(0, 80)];
    for (const line of cases) {
      let r: ReturnType<typeof parseNodeFillsLine> | undefined;
      expect(() => (r = parseNodeFillsLine(line))).not.toThrow();
      // The line's own faults reject it; a bad marked fill or item is dead-lettered on its own (here: the only one).
      expect(refused(r!), line).toBe(true);
    }
    // Unmarked fills are not validated: a block of ordinary trades is no reason to reject.
    const plain = structuredClone(b);
    delete plain.events[0]![1].liquidation;
    plain.events[0]![1].px = 'garbage';
    expect(parseNodeFillsLine(JSON.stringify(plain))).toEqual({ ok: true, events: [] });
  });

  it('property: liquidation events = fills whose user is the liquidatedUser (and not ADL); adl events = ADL fills', () => {
    const users = ['0x01', '0x02', '0x03', '0x04'].map((u) => u.padEnd(42, 'a'));
    const arbFill = fc.record({
      user: fc.constantFrom(...users),
      liquidatedUser: fc.option(fc.constantFrom(...users), { nil: undefined }),
      method: fc.constantFrom('market', 'backstop'),
      dir: fc.constantFrom('Open Long', 'Close Short', 'Liquidated Cross Long', 'Buy', ADL_DIR),
      side: fc.constantFrom('A', 'B'),
      start: fc.integer({ min: -1000, max: 1000 }),
      px: fc.integer({ min: 1, max: 10_000_000 }),
      sz: fc.integer({ min: 1, max: 1_000_000 }),
      tid: fc.integer({ min: 0, max: 2 ** 50 }),
    });
    fc.assert(
      fc.property(fc.array(arbFill, { maxLength: 30 }), (fills) => {
        const line = JSON.stringify({
          local_time: '2025-10-10T21:16:04.831874828',
          block_time: '2025-10-10T21:16:04.831874687',
          block_number: 758800641,
          events: fills.map((f) => [
            f.user,
            {
              coin: 'BTC',
              px: (f.px / 100).toString(),
              sz: (f.sz / 1000).toString(),
              side: f.side,
              time: 1760130964831,
              startPosition: f.start.toString(),
              dir: f.dir,
              tid: f.tid,
              ...(f.liquidatedUser ? { liquidation: { liquidatedUser: f.liquidatedUser, markPx: '100.0', method: f.method } } : {}),
            },
          ]),
        });
        const r = parseNodeFillsLine(line);
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        const liq = r.events.filter((e) => e.type === 'liquidation' && e.kind !== 'adl');
        const adl = r.events.filter((e) => e.type === 'liquidation' && e.kind === 'adl');
        expect(liq.length).toBe(fills.filter((f) => f.dir !== ADL_DIR && f.liquidatedUser === f.user).length);
        expect(adl.length).toBe(fills.filter((f) => f.dir === ADL_DIR).length);
        for (const e of r.events) LiquidationEvent.parse(e);
      }),
    );
  });
});

describe('node fills files', () => {
  const fileLines = (): string[] => {
    const b = block();
    const liquidated = structuredClone(b);
    liquidated.events[0]![0] = LIQUIDATED;
    liquidated.block_number += 1;
    return [LINE, JSON.stringify(liquidated), LINE.replace('"block_number":1052527672', '"block_number":1052527674')];
  };

  const eventsOf = async (path: string) => {
    const out: unknown[] = [];
    for await (const line of readNodeFillsFile(path)) out.push(parseNodeFillsLine(line));
    return out;
  };

  it('.lz4 (LZ4 frame) and plain files give identical lines and events', async () => {
    const dir = tempDir();
    // Over 4 MiB, lz4-napi's block size, so the frame has several blocks and a line crosses between them.
    const lines = Array.from({ length: 7500 }, (_, i) => fileLines()[i % 3]!);
    const text = lines.join('\n') + '\n';
    expect(text.length).toBeGreaterThan(4 * 1024 * 1024);
    writeFileSync(join(dir, '21'), text);
    writeFileSync(join(dir, '21.lz4'), compressFrameSync(Buffer.from(text)));
    const plain: string[] = [];
    for await (const l of readNodeFillsFile(join(dir, '21'))) plain.push(l);
    const lz4: string[] = [];
    for await (const l of readNodeFillsFile(join(dir, '21.lz4'))) lz4.push(l);
    expect(plain).toEqual(lines);
    expect(lz4).toEqual(lines);
    const events = await eventsOf(join(dir, '21.lz4'));
    expect(events).toEqual(await eventsOf(join(dir, '21')));
    expect(events.filter((r) => (r as { ok: boolean; events: unknown[] }).events.length === 1)).toHaveLength(2500);
  });

  it('a plain file of several read-ahead chunks gives every line once, in order (each line distinct)', async () => {
    const dir = tempDir();
    // ≈ 13 MB: four 4 MiB reads, so both buffers are refilled while the other is being read, and lines cross every boundary.
    const lines = Array.from({ length: 26_000 }, (_, i) => `{"block_number":${i},"pad":"${String(i).padStart(7, '0').repeat(70)}"}`);
    writeFileSync(join(dir, 'big'), lines.join('\n') + '\n');
    const got: string[] = [];
    for await (const l of readNodeFillsFile(join(dir, 'big'))) got.push(l);
    expect(got.length).toBe(lines.length);
    expect(got).toEqual(lines);
  });

  it('a reader stopped after its first line closes the file, its read in flight included', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'big'), `${'x'.repeat(100)}\n`.repeat(100_000));
    const openFiles = () => readdirSync('/proc/self/fd').length;
    const before = openFiles();
    const rejections: unknown[] = [];
    const onRejection = (err: unknown) => rejections.push(err);
    process.on('unhandledRejection', onRejection);
    try {
      for (let round = 0; round < 20; round++)
        for await (const l of readNodeFillsFile(join(dir, 'big'))) {
          expect(l).toBe('x'.repeat(100));
          break;
        }
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      process.off('unhandledRejection', onRejection);
    }
    expect(openFiles()).toBe(before);
    expect(rejections).toEqual([]);
  });

  it('a file without a final newline still yields its last line; CRLF and blank lines are tolerated', async () => {
    const dir = tempDir();
    const [a, b] = fileLines();
    writeFileSync(join(dir, 'x'), `${a}\r\n\n${b}`);
    const got: string[] = [];
    for await (const l of readNodeFillsFile(join(dir, 'x'))) got.push(l);
    expect(got).toEqual([a, b]);
  });

  it('a line over the bound is refused in its place (counted by its bytes, plain and .lz4), and the blocks around it are read whole', async () => {
    const dir = tempDir();
    const [a, b] = fileLines();
    const giant = `{"local_time":"2025-10-10T21:16:04.8","events":[${'["0x1",{"coin":"BTC"}],'.repeat(4000)}[]]}`;
    writeFileSync(join(dir, 'g'), `${a}\n${giant}\n${b}\n${giant}`);
    writeFileSync(join(dir, 'g.lz4'), compressFrameSync(readFileSync(join(dir, 'g'))));
    for (const name of ['g', 'g.lz4']) {
      const got: string[] = [];
      for await (const l of readNodeFillsFile(join(dir, name), { maxLineBytes: 64 * 1024 })) got.push(l);
      expect(got).toEqual([a, refusedLineText(2, giant.length, 64 * 1024), b, refusedLineText(4, giant.length, 64 * 1024)]);
      // What replays it refuses the stand-in as a frame it cannot read: counted, never a block.
      expect(refused(createHyperliquidParser()(got[1]!, 0))).toBe(true);
    }
    // Exactly at the bound it is read whole; a line split across many small chunks is joined.
    const chunks = async function* () {
      for (let i = 0; i < giant.length; i += 1000) yield Buffer.from(giant.slice(i, i + 1000));
      yield Buffer.from('\n');
    };
    const whole: string[] = [];
    for await (const l of nodeFillsLines(chunks(), giant.length)) whole.push(l);
    expect(whole).toEqual([giant]);
  });

  // Not skipped without the tool: a missing lz4 fails at once, saying how to install it.
  it('reads linked-block frames with checksums as written by the lz4 tool', async () => {
    const lz4 = requireTool('lz4');
    const dir = tempDir();
    const lines = Array.from({ length: 2000 }, (_, i) => fileLines()[i % 3]!);
    writeFileSync(join(dir, 'in'), lines.join('\n') + '\n');
    execFileSync(lz4, ['-q', '-f', '-BD', '-B4', '-BX', join(dir, 'in'), join(dir, '7.lz4')]);
    const got: string[] = [];
    for await (const l of readNodeFillsFile(join(dir, '7.lz4'))) got.push(l);
    expect(got).toEqual(lines);
  });

  it('a corrupt .lz4 fails naming the checksum that caught it: header, block or content', async () => {
    const lz4 = requireTool('lz4');
    const dir = tempDir();
    const lines = Array.from({ length: 2000 }, (_, i) => fileLines()[i % 3]!);
    writeFileSync(join(dir, 'in'), lines.join('\n') + '\n');
    execFileSync(lz4, ['-q', '-f', '-BD', '-B4', '-BX', join(dir, 'in'), join(dir, 'ok.lz4')]);
    execFileSync(lz4, ['-q', '-f', '-BD', '-B4', join(dir, 'in'), join(dir, 'content-only.lz4')]);
    const corrupt = (src: string, at: (b: Buffer) => number, name: string, mask = 0x01) => {
      const b = readFileSync(join(dir, src));
      const i = at(b);
      b[i] = b[i]! ^ mask;
      writeFileSync(join(dir, name), b);
      return join(dir, name);
    };
    // Magic (4 bytes), then FLG: its content-checksum bit flipped, the descriptor no longer matches its checksum.
    await expect(eventsOf(corrupt('ok.lz4', () => 4, 'h.lz4', 0x04))).rejects.toThrow('lz4: frame header checksum mismatch');
    // A byte inside the first block's data (after magic, FLG, BD, header checksum and the block size).
    await expect(eventsOf(corrupt('ok.lz4', () => 7 + 4 + 100, 'b.lz4'))).rejects.toThrow('lz4: block checksum mismatch');
    // Without block checksums: the content checksum (the frame's last 4 bytes) no longer matches the data.
    await expect(eventsOf(corrupt('content-only.lz4', (b) => b.length - 4, 'c.lz4'))).rejects.toThrow('lz4: content checksum mismatch');
  });

  it('a truncated .lz4 fails the decoder loudly; a replay reads its whole lines, then one bad line naming the cut', async () => {
    const dir = tempDir();
    // Over 8 MiB: lz4-napi writes 4 MiB blocks, so the cut leaves whole blocks before it.
    const lines = Array.from({ length: 12_000 }, (_, i) => fileLines()[i % 3]!.replace(/"block_number":\d+/, `"block_number":${1_000_000 + i}`));
    const whole = compressFrameSync(Buffer.from(`${lines.join('\n')}\n`));
    // The last 1,000 bytes gone: the first block whole, the second cut.
    writeFileSync(join(dir, 'cut.lz4'), whole.subarray(0, whole.length - 1_000));
    await expect(eventsOf(join(dir, 'cut.lz4'))).rejects.toThrow(Lz4Truncated);
    // Before: the replay (and `store import`) of the archive failed as a whole.
    const items: RecordingItem[] = [];
    for await (const item of readNodeFills(join(dir, 'cut.lz4'))) items.push(item);
    const good = items.filter((i) => i.ok);
    expect(good.length).toBeGreaterThan(0);
    expect(good.length).toBeLessThan(12_000);
    expect(good.map((i) => (i.ok ? i.frame.frame : ''))).toEqual(lines.slice(0, good.length));
    expect(items).toHaveLength(good.length + 1);
    expect(items.at(-1)).toMatchObject({ ok: false, line: good.length + 1, reason: expect.stringMatching(/^the file ends mid-stream \(lz4: truncated input.*\): a download or copy cut short; what it held was read$/) });
    // A corrupt .lz4 still fails the input: a cut is salvaged, a wrong byte is not.
    const corrupt = Buffer.from(whole);
    corrupt[4] = corrupt[4]! ^ 0x04;
    writeFileSync(join(dir, 'corrupt.lz4'), corrupt);
    await expect(async () => {
      for await (const _ of readNodeFills(join(dir, 'corrupt.lz4'))) void _;
    }).rejects.toThrow('lz4: frame header checksum mismatch');
  });

  it('hour paths follow the node layout {YYYYMMDD}/{H}', () => {
    expect(nodeFillsHourPath('/hl/data/node_fills_by_block/hourly', Date.UTC(2025, 9, 10, 21, 16))).toBe('/hl/data/node_fills_by_block/hourly/20251010/21');
    expect(nodeFillsHourPath('h', Date.UTC(2026, 0, 2, 9, 0))).toBe(join('h', '20260102', '9'));
  });
});

describe('tailNodeFills', () => {
  it('follows the newest hour file from its end, holds back a partial line, and moves on to the next hour', async () => {
    const root = tempDir();
    const hourly = join(root, 'hourly');
    mkdirSync(join(hourly, '20251010'), { recursive: true });
    const h20 = join(hourly, '20251010', '20');
    const h21 = join(hourly, '20251010', '21');
    const h0 = join(hourly, '20251011', '0');
    writeFileSync(join(hourly, '20251010', '9'), 'old hour, never read\n');
    writeFileSync(h20, 'before start 1\nbefore start, partial');

    const got: [string, string][] = [];
    const errors: Error[] = [];
    const followed: [string, number][] = [];
    const tail = tailNodeFills(root, (line, file) => void got.push([line, file]), { pollMs: 10, onError: (e) => errors.push(e), onFollow: (file, offset) => void followed.push([file, offset]) });
    try {
      // Appended once the tail stands at the file's end: appended before, it is where the tail starts (a loaded host
      // took longer than a fixed wait of 60 ms, and the tail then rightly never saw line A).
      await until(() => followed.length === 1, 'the tail at the end of hour 20');
      expect(followed).toEqual([[h20, 'before start 1\nbefore start, partial'.length]]);
      appendFileSync(h20, ' rest\nline A\nline B par');
      await until(() => got.length === 1, 'the first whole line');
      expect(got).toEqual([['line A', h20]]);
      appendFileSync(h20, 'tial\n');
      await until(() => got.length === 2, 'the completed partial line');
      appendFileSync(h20, 'last of 20, no newline');
      writeFileSync(h21, 'first of 21\n');
      await until(() => got.length === 4, 'the switch to hour 21');
      mkdirSync(join(hourly, '20251011'));
      writeFileSync(h0, 'midnight\n');
      await until(() => got.length === 5, 'the switch to the next day');
      expect(got).toEqual([
        ['line A', h20],
        ['line B partial', h20],
        ['last of 20, no newline', h20],
        ['first of 21', h21],
        ['midnight', h0],
      ]);
      expect(followed).toEqual([
        [h20, 'before start 1\nbefore start, partial'.length],
        [h21, 0],
        [h0, 0],
      ]);
      expect(errors).toEqual([]);
    } finally {
      await tail.stop();
    }
  });

  it('waits for a directory that does not exist yet, and stops when the line handler fails', async () => {
    const root = tempDir();
    const errors: Error[] = [];
    const tail = tailNodeFills(
      join(root, 'node_fills_by_block'),
      () => {
        throw new Error('bus down');
      },
      { pollMs: 10, fromStart: true, onError: (e) => errors.push(e) },
    );
    await until(() => errors.length === 1, 'the missing directory to be reported');
    mkdirSync(join(root, 'node_fills_by_block', 'hourly', '20251010'), { recursive: true });
    writeFileSync(join(root, 'node_fills_by_block', 'hourly', '20251010', '21'), 'x\n');
    await expect(tail.done).rejects.toThrow('bus down');
    expect(errors).toHaveLength(1);
    await tail.stop();
  });
});

describe('startNodeFillsTail', () => {
  it('hands each new line to the sink as a hyperliquid frame the venue parser understands', async () => {
    const root = tempDir();
    const file = join(root, 'hourly', '20260628', '8');
    mkdirSync(join(root, 'hourly', '20260628'), { recursive: true });
    writeFileSync(file, '');
    const frames: RawFrame[] = [];
    const poller = startNodeFillsTail({
      dir: root,
      log: silentLogger(),
      pollMs: 10,
      sink: { handleFrame: (f) => void frames.push(f), gap: () => undefined },
    });
    try {
      await new Promise((r) => setTimeout(r, 50));
      appendFileSync(file, LINE.replace(COUNTERPARTY, LIQUIDATED) + '\n');
      await until(() => frames.length === 1, 'the frame');
      expect(frames[0]).toMatchObject({ venue: 'hyperliquid', frame: LINE.replace(COUNTERPARTY, LIQUIDATED) });
      const r = createHyperliquidParser()(frames[0]!.frame, frames[0]!.recv);
      expect(r.ok && r.events.map((e) => e.type === 'liquidation' && [e.id, e.receiveTime])).toEqual([[`hyperliquid:340554939716632:${LIQUIDATED}`, LOCAL_MS]]);
    } finally {
      await poller.stop();
    }
  });
});
