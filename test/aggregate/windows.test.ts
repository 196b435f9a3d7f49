import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Aggregator } from '../../src/aggregate/aggregator.js';
import { loadConfig } from '../../src/config/load.js';
import { WindowSet, WindowSpec, windowList, windowMs } from '../../src/aggregate/windows.js';
import { RollingSum } from '../../src/aggregate/rolling-sum.js';

describe('windows are validated specs', () => {
  it('a window longer than the 24 h kept is refused at start, naming it, instead of reading as the 24 h sum', () => {
    expect(() => loadConfig({ env: {}, overrides: { aggregator: { windows: ['7d'] } } })).toThrow(/aggregator\.windows\.0: 7d is longer than the 24 h/);
    expect(() => loadConfig({ env: {}, overrides: { aggregator: { windows: ['25h'] } } })).toThrow(/25h is longer/);
    expect(() => loadConfig({ env: {}, overrides: { aggregator: { windows: ['301s'] } } })).toThrow(/kept in whole minutes/);
    expect(() => loadConfig({ env: {}, overrides: { aggregator: { windows: ['1w'] } } })).toThrow(/expected a duration/);
    expect(loadConfig({ env: {}, overrides: { aggregator: { windows: ['15m', '4h', '12h'] } } }).aggregator.windows).toEqual(['15m', '4h', '12h']);
    // One duration, one name: 1d is the standard 24h, 60s the standard 1m, 240m the 4h listed before it.
    expect(() => loadConfig({ env: {}, overrides: { aggregator: { windows: ['1d'] } } })).toThrow(/aggregator\.windows\.0: 1d is the same window as 24h/);
    expect(() => loadConfig({ env: {}, overrides: { aggregator: { windows: ['60s'] } } })).toThrow(/60s is the same window as 1m/);
    expect(() => loadConfig({ env: {}, overrides: { aggregator: { windows: ['4h', '240m'] } } })).toThrow(/aggregator\.windows\.1: 240m is the same window as 4h/);
    expect(loadConfig({ env: {}, overrides: { aggregator: { windows: ['24h', '15m'] } } }).aggregator.windows).toEqual(['24h', '15m']);
  });

  it('the buckets refuse a window longer than they keep, whoever asks', () => {
    expect(() => new RollingSum(60_000, 1_440).sum(7 * 86_400_000, 0)).toThrow(RangeError);
  });

  it('configured windows join the standard ones, shortest first, in every view', () => {
    expect(windowList(['4h', '15m', '1h'])).toEqual(['1m', '5m', '15m', '1h', '4h', '24h']);
    const agg = new Aggregator({ clock: 'watermark', windows: ['15m'] });
    agg.apply({ type: 'liquidation', kind: 'liquidation', id: 'a', venue: 'bybit-linear', symbol: 'BTCUSDT', side: 'long', price: 1, quantity: 1, notionalUsd: 100, eventTime: 60_000_000, receiveTime: 60_000_000, fidelity: 'complete' } as never);
    agg.apply({ type: 'liquidation', kind: 'liquidation', id: 'b', venue: 'bybit-linear', symbol: 'BTCUSDT', side: 'long', price: 1, quantity: 1, notionalUsd: 7, eventTime: 60_000_000 - 10 * 60_000, receiveTime: 60_000_000, fidelity: 'complete' } as never);
    expect(agg.windowUsd('bybit-linear', 'long', '5m')).toBe(100);
    expect(agg.windowUsd('bybit-linear', 'long', '15m')).toBe(107);
    expect(agg.topSymbols(1)[0]!.windows).toEqual({ '1m': 100, '5m': 100, '15m': 107, '1h': 107, '24h': 107 });
  });

  it('property: every valid window sums exactly the events inside it, at its bucket resolution', () => {
    const spec = fc.oneof(fc.integer({ min: 1, max: 300 }).map((n) => `${n}s`), fc.integer({ min: 1, max: 1_440 }).map((n) => `${n}m`), fc.integer({ min: 1, max: 24 }).map((n) => `${n}h`));
    fc.assert(
      fc.property(spec, fc.array(fc.record({ t: fc.integer({ min: 0, max: 2 * 86_400_000 }), u: fc.integer({ min: 1, max: 1_000 }) }), { maxLength: 60 }), (name, events) => {
        expect(WindowSpec.safeParse(name).success).toBe(true);
        const set = new WindowSet();
        const sorted = [...events].sort((a, b) => a.t - b.t);
        for (const e of sorted) set.add(e.t, e.u);
        const now = sorted.at(-1)?.t ?? 0;
        const ms = windowMs(name);
        const res = ms <= 300_000 ? 1_000 : 60_000;
        const last = Math.floor(now / res);
        const inside = sorted.filter((e) => Math.floor(e.t / res) > last - Math.ceil(ms / res) && Math.floor(e.t / res) <= last);
        expect(set.sum(name, now)).toEqual({ units: inside.reduce((s, e) => s + e.u, 0), count: inside.length });
      }),
    );
  });
});
