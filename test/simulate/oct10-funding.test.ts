import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Aggregator } from '../../src/aggregate/aggregator.js';
import { silentLogger } from '../../src/log.js';
import { replay } from '../../src/replay/replay.js';
import type { RawFrame } from '../../src/schema/events.js';
import { defaultSimulation, simulateOct10 } from '../../src/simulate/oct10.js';
import { tempDir, writeRecording } from '../support/recording.js';

const at = (hh: number, mm: number) => Date.UTC(2025, 9, 10, hh, mm);

describe('the simulated day carries funding and mark prices (issue 21 §2)', () => {
  it('the big venues’ funding reaches the aggregator: positive before the crash, negative in it; BTC has a price every minute', async () => {
    const frames: RawFrame[] = [];
    const gen = simulateOct10({ ...defaultSimulation(), accounts: 20_000, fromMinute: 20 * 60 + 40, toMinute: 21 * 60 + 20 });
    for (let step = gen.next(); !step.done; step = gen.next()) frames.push(...step.value);
    const path = await writeRecording(join(tempDir(), 'funding.ndjson'), frames);
    let aggregator: Aggregator | undefined;
    const rates = new Map<string, number[]>();
    await replay({
      files: [path],
      speed: 'max',
      log: silentLogger(),
      sinks: (state) => {
        aggregator = state.aggregator;
        return [{ name: 'funding', onEvent: (e) => void (e.type === 'funding' && e.base === 'BTC' && rates.set(e.venue, [...(rates.get(e.venue) ?? []), e.ratePerHour])) }];
      },
    });
    expect([...new Set(aggregator!.funding.list().map((f) => f.venue))]).toEqual(['binance-coinm', 'binance-usdm', 'bybit-inverse', 'bybit-linear', 'hyperliquid']);
    for (const [venue, list] of rates) {
      expect(list[0], venue).toBeGreaterThan(0);
      expect(list.at(-1), venue).toBeLessThan(0);
    }
    // PEPE's mark is per PEPE on every venue (1000PEPEUSDT and kPEPE divided by 1,000 by the ingestor).
    const pepe = aggregator!.funding.list('PEPE').map((f) => f.markPrice!);
    expect(pepe.length).toBeGreaterThan(0);
    for (const p of pepe) expect(p).toBeLessThan(0.00001);
    const minutes = aggregator!.byBase.minutes('BTC', at(20, 41));
    expect(minutes.filter((m) => m.minute < at(21, 19) && m.price === null)).toEqual([]);
  }, 60_000);
});
