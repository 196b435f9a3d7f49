import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryBus } from '../../src/bus/memory-bus.js';
import { defaultTopics } from '../../src/bus/topics.js';
import { silentLogger } from '../../src/log.js';
import type { DeadLetter, RawFrame } from '../../src/schema/events.js';
import { replay } from '../../src/replay/replay.js';
import { tempDir, writeRecording } from '../support/recording.js';

const T0 = 1_760_130_000_000;
/** A Binance USDⓈ-M forceOrder of `z` filled at `ap`, as the venue writes it. */
const forceOrder = (t: number, z: string, ap: string, s = 'BTCUSDT'): string =>
  JSON.stringify({ stream: '!forceOrder@arr', data: { e: 'forceOrder', E: t, o: { s, S: 'SELL', o: 'LIMIT', f: 'IOC', q: z, p: ap, ap, X: 'FILLED', l: z, z, T: t } } });

/** Replays `frames` and returns the report with every dead letter the replay published. */
async function replayFrames(frames: RawFrame[]) {
  const path = await writeRecording(join(tempDir(), 'absurd.ndjson'), frames);
  const bus = new MemoryBus();
  const topics = defaultTopics();
  const deadLetters: DeadLetter[] = [];
  await bus.subscribe({ topics: [topics.deadLetter], groupId: 'dead-letters' }, async ({ messages }) => {
    for (const m of messages) deadLetters.push(m.value as DeadLetter);
  });
  const { report, metrics } = await replay({ files: [path], speed: 'max', log: silentLogger(), bus, topics });
  return { report, deadLetters, metrics };
}

// Issue 18 §4: one frame of z = ap = 1e20 (a liquidation of $1e40) among 20 of $1,000.0001 made the
// replay's total $1e40; fixed-point sums of 1/10,000 USD lost the 20 real ones in the rounding.
describe('absurd values never poison totals', () => {
  it('20 × $1,000.0001 and one 1e20 × 1e20 frame: totals are exactly $20,000.002 and the absurd one is dead-lettered naming the bound', async () => {
    const huge = '100000000000000000000'; // 1e20, as the decimal text Binance writes
    const frames: RawFrame[] = [];
    for (let i = 0; i < 20; i++) {
      frames.push({ recv: T0 + i * 100, venue: 'binance-usdm', frame: forceOrder(T0 + i * 100, '1', '1000.0001') });
      if (i === 9) frames.push({ recv: T0 + i * 100 + 50, venue: 'binance-usdm', frame: forceOrder(T0 + i * 100 + 50, huge, huge) });
    }
    const { report, deadLetters } = await replayFrames(frames);
    expect(report.totals.usd).toBe(20_000.002);
    expect(report.totals.count).toBe(20);
    expect(report.totals.byVenue['binance-usdm']).toEqual({ longUsd: 20_000.002, shortUsd: 0, count: 20, lowerBound: true });
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]!.reason).toBe('liquidation of $1e+40 (binance-usdm BTCUSDT) exceeds limits.maxNotionalUsd ($10000000000)');
    expect(deadLetters[0]!.frame).toBe(frames[10]!.frame);
    // Nothing else in the report carries it either.
    expect(report.largest.map((l) => l.notionalUsd)).toEqual(Array(20).fill(1_000.0001));
    expect(report.bySymbol).toEqual([{ venue: 'binance-usdm', symbol: 'BTCUSDT', longUsd: 20_000.002, shortUsd: 0, count: 20 }]);
  });

  it('a hostile symbol is dead-lettered, never a symbol of the report', async () => {
    const frames: RawFrame[] = [
      { recv: T0, venue: 'binance-usdm', frame: forceOrder(T0, '1', '1000.0001') },
      { recv: T0 + 1, venue: 'binance-usdm', frame: forceOrder(T0 + 1, '1', '1000.0001', '<img src=x onerror=alert(1)>USDT') },
    ];
    const { report, deadLetters } = await replayFrames(frames);
    expect(report.totals.usd).toBe(1_000.0001);
    expect(report.bySymbol.map((s) => s.symbol)).toEqual(['BTCUSDT']);
    expect(deadLetters.map((d) => d.reason)).toEqual(['invalid symbol "<img src=x onerror=alert(1)>USDT"']);
  });
});
