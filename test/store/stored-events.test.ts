import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import type { NormalizedEvent } from '../../src/schema/events.js';
import { StoreConfig } from '../../src/sinks/store/config.js';
import { StoreReader } from '../../src/sinks/store/reader.js';
import { Dataset } from '../../src/sinks/store/dataset.js';
import { StoreSink } from '../../src/sinks/store/store-sink.js';
import { storedEvents } from '../../src/sinks/store/stored-events.js';
import { liquidation, openInterest } from '../support/events.js';

const root = mkdtempSync(join(tmpdir(), 'liqstream-stored-events-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const log = pino({ level: 'silent' });
const H = 3_600_000;
const T0 = Date.UTC(2025, 9, 10, 22, 0);

/** A store of `events` in its own folder, and everything storedEvents reads of [T0, T0 + 4 h) from it, with its counts and queries. */
async function storeAndRead(name: string, events: NormalizedEvent[], spoil?: (dir: string) => void) {
  const dir = join(root, name);
  const sink = await StoreSink.open(StoreConfig.parse({ dir, flushMs: 60_000 }), log);
  sink.onEvents(events);
  await sink.close();
  spoil?.(dir);
  const reader = await StoreReader.open(dir);
  let queries = 0;
  const query = reader.query.bind(reader);
  reader.query = (...args: Parameters<StoreReader['query']>) => ((queries += 1), query(...args));
  const counts = { liquidations: 0, openInterest: 0, gaps: 0 };
  const read = [];
  const leftOut: number[] = [];
  try {
    for await (const s of storedEvents(reader, T0, T0 + 4 * H, T0 + 4 * H, counts, (n) => leftOut.push(n))) read.push(s);
  } finally {
    reader.close();
  }
  return { read, counts, queries, leftOut };
}

describe('storedEvents (liqstream report’s input)', () => {
  it('reads the range over several hours and a day boundary in receive-time order, each row once, exact values, up to the last receive time', async () => {
    const events: NormalizedEvent[] = [
      liquidation('before', T0 - 1, 5), // before the range
      // Received late (3 h after its event time): read in receive order, after later events received earlier.
      liquidation('late', T0 + 10, 7, { receiveTime: T0 + 3 * H }),
      liquidation('a', T0 + 1, 1.23456789, { receiveTime: T0 + 5, side: 'short' }),
      openInterest('BTCUSDT', T0 + 1, 1e9, { receiveTime: T0 + 5 }),
      liquidation('next-day', T0 + 2.5 * H, 903_500.1923999999, { receiveTime: T0 + 2.5 * H + 3 }),
      liquidation('too-late', T0 + 20, 9, { receiveTime: T0 + 4 * H + 1 }), // past the last receive time
      liquidation('after', T0 + 4 * H, 3), // at the range's end: outside
      { type: 'gap', venue: 'okx', from: T0 - H, to: T0 + H, reason: 'reconnect' }, // overlaps: counted at its end
      { type: 'gap', venue: 'okx', from: T0 - 3 * H, to: T0 - 2 * H, reason: 'reconnect' }, // before: left out
    ];
    const { read, counts: rows } = await storeAndRead('store', events);
    expect(read.map((s) => [s.recv, s.event.type === 'liquidation' ? s.event.id : s.event.type])).toEqual([
      [T0 + 5, 'open_interest'],
      [T0 + 5, 'a'],
      [T0 + H, 'gap'],
      [T0 + 2.5 * H + 3, 'next-day'],
      [T0 + 3 * H, 'late'],
    ]);
    expect(rows).toEqual({ liquidations: 3, openInterest: 1, gaps: 1 });
    // The events as they were written, the notional exactly (not the 1/10,000 USD of `usd`).
    const byId = new Map(events.map((e) => [e.type === 'liquidation' ? e.id : e.type === 'gap' ? `gap${e.from}` : 'open_interest', e]));
    for (const { event } of read) expect(event).toEqual(byId.get(event.type === 'liquidation' ? event.id : event.type === 'gap' ? `gap${event.from}` : 'open_interest'));
  });
  it('skips the hours in which nothing was received: one row received in 1970 does not step through every hour since', async () => {
    // A recorder whose clock read 1970 at boot wrote this receive time; the replay reads it in a second.
    const { read, queries } = await storeAndRead('store-1970', [liquidation('epoch', T0 + 1, 2, { receiveTime: 0 }), liquidation('a', T0 + 2, 3, { receiveTime: T0 + 5 }), liquidation('b', T0 + 3, 4, { receiveTime: T0 + 2 * H })]);
    expect(read.map((s) => (s.event.type === 'liquidation' ? s.event.id : s.event.type))).toEqual(['epoch', 'a', 'b']);
    // Before: two queries for each of ≈ 490,000 hours since 1970.
    expect(queries).toBeLessThan(20);
  });

  it('reads a gap that overlaps the range and ends after the last receive time, last, as a replay applies it after it stops reading', async () => {
    const { read, counts } = await storeAndRead('store-late-gap', [liquidation('a', T0 + 2, 3, { receiveTime: T0 + 5 }), { type: 'gap', venue: 'okx', from: T0 + H, to: T0 + 5 * H, reason: 'reconnect' }]);
    // Before, left out (to_time after the last receive time) while the replay of the same range counted it.
    // Read at the last receive time: `report --store` feeds these to a replay that stops at the first one after it (read
    // at its end, T0 + 5 h, it was dropped there still).
    expect(read.map((s) => [s.event.type, s.recv])).toEqual([['liquidation', T0 + 5], ['gap', T0 + 4 * H]]);
    expect(counts.gaps).toBe(1);
  });

  it('says how many files it left out (a file that is not Parquet): the report’s input carries it, its figures lower bounds', async () => {
    const events = [liquidation('a', T0 + 1, 3, { receiveTime: T0 + 5 }), liquidation('b', T0 + 2, 4, { receiveTime: T0 + 6, venue: 'okx' })];
    const whole = await storeAndRead('store-whole', events);
    expect(whole.leftOut).toEqual([]);
    const spoiled = await storeAndRead('store-spoiled', events, (dir) => {
      const [file] = new Dataset(dir).files('liquidations').filter((f) => f.includes('venue=okx'));
      writeFileSync(file!, 'not Parquet');
    });
    expect(spoiled.read.map((s) => s.event.type === 'liquidation' && s.event.id)).toEqual(['a']);
    expect(new Set(spoiled.leftOut)).toEqual(new Set([1]));
    // A bad file of a day before the range (read for no statement's rows) does not make it partial.
    const before = await storeAndRead('store-spoiled-before', [...events, liquidation('old', T0 - 5 * 24 * H, 5, { receiveTime: T0 - 5 * 24 * H + 5 })], (dir) => {
      const [file] = new Dataset(dir).files('liquidations').filter((f) => f.includes(`day=${new Date(T0 - 5 * 24 * H).toISOString().slice(0, 10)}`));
      writeFileSync(file!, 'not Parquet');
    });
    expect(before.read.map((s) => s.event.type === 'liquidation' && s.event.id)).toEqual(['a', 'b']);
    expect(before.leftOut).toEqual([]);
  });
});
