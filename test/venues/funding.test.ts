import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Aggregator } from '../../src/aggregate/aggregator.js';
import { MemoryBus } from '../../src/bus/memory-bus.js';
import { defaultTopics } from '../../src/bus/topics.js';
import { silentLogger } from '../../src/log.js';
import { replay } from '../../src/replay/replay.js';
import type { FundingEvent, NormalizedEvent, RawFrame, VenueId } from '../../src/schema/events.js';
import { withNormalBase } from '../../src/venues/base-asset.js';
import { venueModule } from '../../src/venues/registry.js';
import type { ParseResult } from '../../src/venues/venue.js';
import { binanceFrames, fixture } from '../support/fixtures.js';
import { tempDir, writeRecording } from '../support/recording.js';

const parserOf = (venue: VenueId) => venueModule(venue).parser({}, { log: silentLogger() });
const fundingOf = (r: ParseResult): FundingEvent[] => {
  if (!r.ok) throw new Error(`rejected: ${r.reason}`);
  return r.events.filter((e): e is FundingEvent => e.type === 'funding');
};

const BINANCE_RECV = 1_597_370_495_100;
const BYBIT_RECV = 1_673_272_861_700;
const HL_RECV = Date.UTC(2025, 9, 10, 21, 15, 30);

/** What each venue's documented frame states, field by field (fixtures and sources: test/fixtures/SOURCES.md). */
const EXPECTED: Record<string, FundingEvent> = {
  binance: {
    type: 'funding',
    venue: 'binance-usdm',
    symbol: 'BTCUSDT',
    base: 'BTC',
    rate: 0.00038246,
    intervalHours: 8,
    ratePerHour: 0.00038246 / 8,
    markPrice: 11793.63104562,
    indexPrice: 11781.8049597,
    nextFundingTime: 1597392000000,
    eventTime: 1597370495002,
    receiveTime: BINANCE_RECV,
    source: 'premiumIndex',
  },
  bybit: {
    type: 'funding',
    venue: 'bybit-linear',
    symbol: 'BTCUSDT',
    base: 'BTC',
    rate: -0.000212,
    intervalHours: 8,
    ratePerHour: -0.000212 / 8,
    markPrice: 17217.33,
    indexPrice: 17227.36,
    nextFundingTime: 1673280000000,
    eventTime: 1673272861686,
    receiveTime: BYBIT_RECV,
    source: 'tickers',
  },
  hyperliquid: {
    type: 'funding',
    venue: 'hyperliquid',
    symbol: 'BTC',
    base: 'BTC',
    rate: 0.0000125,
    intervalHours: 1,
    ratePerHour: 0.0000125,
    markPrice: 14.3161,
    indexPrice: 14.32,
    nextFundingTime: Date.UTC(2025, 9, 10, 22),
    eventTime: HL_RECV,
    receiveTime: HL_RECV,
    source: 'activeAssetCtx',
  },
};

describe('funding and mark price as events (issue 21 §2)', () => {
  it('Binance premiumIndex (the poller’s answer): lastFundingRate per 8 h, per hour, mark, index, next funding time', () => {
    const r = parserOf('binance-usdm')(fixture('binance-usdm-premiumindex-1.json'), BINANCE_RECV);
    expect(fundingOf(r)).toEqual([EXPECTED.binance]);
  });

  it('Bybit tickers snapshot: fundingRate per fundingIntervalHour (8 h when not stated), beside the open interest', () => {
    const r = parserOf('bybit-linear')(fixture('bybit-linear-tickers-1.json'), BYBIT_RECV);
    expect(fundingOf(r)).toEqual([EXPECTED.bybit]);
    expect(r.ok && r.events.map((e) => e.type)).toEqual(['open_interest', 'funding']);
    // A market on a 4 h schedule says so, and the rate per hour follows it.
    const fourHours = fixture('bybit-linear-tickers-1.json').replace('"fundingRate"', '"fundingIntervalHour":"4","fundingRate"');
    expect(fundingOf(parserOf('bybit-linear')(fourHours, BYBIT_RECV))).toMatchObject([{ rate: -0.000212, intervalHours: 4, ratePerHour: -0.000212 / 4 }]);
  });

  it('Hyperliquid activeAssetCtx: hourly funding, the oracle price as index, the next top of the hour', () => {
    const r = parserOf('hyperliquid')(fixture('hyperliquid-activeassetctx-2.json'), HL_RECV);
    expect(fundingOf(r)).toEqual([EXPECTED.hyperliquid]);
    expect(r.ok && r.events.map((e) => e.type)).toEqual(['open_interest', 'funding']);
  });

  it('Gate’s contract list (the open-interest poller’s answer): funding_rate per funding_interval seconds, next apply in seconds', () => {
    const recv = 1_610_030_000_000;
    const r = parserOf('gate-usdt')(fixture('gate-usdt-contracts-1.json'), recv);
    expect(fundingOf(r)).toEqual([
      {
        type: 'funding',
        venue: 'gate-usdt',
        symbol: 'BTC_USDT',
        base: 'BTC',
        rate: 0.002053,
        intervalHours: 8,
        ratePerHour: 0.002053 / 8,
        markPrice: 37985.6,
        indexPrice: 37954.92,
        nextFundingTime: 1_610_035_200_000,
        eventTime: recv,
        receiveTime: recv,
        source: 'contracts',
      },
    ]);
  });

  it('one event per market and minute, and at once when the rate or the schedule changes', () => {
    const parse = parserOf('bybit-linear');
    const delta = (ts: number, data: Record<string, string>) => JSON.stringify({ topic: 'tickers.BTCUSDT', type: 'delta', data: { symbol: 'BTCUSDT', ...data }, cs: 2, ts });
    const t = 1673272861686;
    const counts = [
      fixture('bybit-linear-tickers-1.json'),
      delta(t + 100, { markPrice: '17218.00' }), // same minute, same rate: the mark alone is not news
      delta(t + 200, { fundingRate: '-0.000213' }), // the rate moved
      delta(t + 60_000, { markPrice: '17230.00' }), // a new minute: its mark price
      delta(t + 60_100, { nextFundingTime: '1673308800000' }), // the schedule moved
    ].map((f, i) => fundingOf(parse(f, BYBIT_RECV + i)).length);
    expect(counts).toEqual([1, 0, 1, 1, 1]);
  });

  it('entry by entry: a premiumIndex row with an unreadable rate is dead-lettered on its own; the others count', () => {
    const [row] = JSON.parse(fixture('binance-usdm-premiumindex-1.json')) as Record<string, unknown>[];
    const answer = JSON.stringify([
      { ...row, symbol: 'ETHUSDT', lastFundingRate: '1e3' },
      row,
      { ...row, symbol: 'BTCUSDT_251226', lastFundingRate: '', nextFundingTime: 0 }, // a delivery contract: no funding
    ]);
    const r = parserOf('binance-usdm')(answer, BINANCE_RECV);
    expect(fundingOf(r)).toEqual([EXPECTED.binance]);
    expect(r.ok && r.rejected?.map((x) => x.reason)).toEqual(['premiumIndex ETHUSDT: lastFundingRate "1e3" is not a decimal']);
  });

  it('a multiplied market’s mark is per coin after the ingestor’s mapping (1000PEPE → PEPE); the rate is unchanged', () => {
    const frame = fixture('bybit-linear-tickers-1.json').replaceAll('BTCUSDT', '1000PEPEUSDT').replace('"17217.33"', '"0.01052"').replace('"17227.36"', '"0.01050"');
    const [f] = fundingOf(parserOf('bybit-linear')(frame, BYBIT_RECV));
    expect(withNormalBase(f!)).toMatchObject({ base: 'PEPE', rate: -0.000212, markPrice: 0.01052 / 1000, indexPrice: 0.0105 / 1000 });
  });

  it('recorded frames replay to the same funding events, byte for byte, every time; funding never enters a total', async () => {
    const frames: RawFrame[] = [
      { recv: BINANCE_RECV, venue: 'binance-usdm', frame: fixture('binance-usdm-premiumindex-1.json') },
      { recv: BINANCE_RECV + 10, venue: 'binance-usdm', frame: binanceFrames().usdm[0]! },
      { recv: BYBIT_RECV, venue: 'bybit-linear', frame: fixture('bybit-linear-tickers-1.json') },
      { recv: HL_RECV, venue: 'hyperliquid', frame: fixture('hyperliquid-activeassetctx-2.json') },
    ];
    const path = await writeRecording(join(tempDir(), 'funding.ndjson'), frames);
    const run = async () => {
      const seen: NormalizedEvent[] = [];
      const topics = defaultTopics();
      const bus = new MemoryBus();
      let aggregator: Aggregator | undefined;
      const { report } = await replay({
        files: [path],
        speed: 'max',
        log: silentLogger(),
        bus,
        topics,
        sinks: (state) => {
          aggregator = state.aggregator;
          return [{ name: 'capture', onEvent: (e) => void seen.push(e) }];
        },
      });
      return { funding: JSON.stringify(seen.filter((e) => e.type === 'funding')), state: { funding: aggregator?.funding.list() ?? [] }, report };
    };
    const first = await run();
    const second = await run();
    expect(first.funding).toBe(second.funding);
    expect(JSON.parse(first.funding)).toEqual([EXPECTED.binance, EXPECTED.bybit, EXPECTED.hyperliquid]);
    expect(first.state?.funding.map((f) => [f.venue, f.symbol, f.ratePerHour])).toEqual([
      ['binance-usdm', 'BTCUSDT', 0.00038246 / 8],
      ['bybit-linear', 'BTCUSDT', -0.000212 / 8],
      ['hyperliquid', 'BTC', 0.0000125],
    ]);
    // The one liquidation is the whole total.
    expect(first.report.totals.count).toBe(1);
    expect(readFileSync(path, 'utf8').split('\n').filter(Boolean)).toHaveLength(4);
  });
});
