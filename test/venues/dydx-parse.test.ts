import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LiquidationEvent, type NormalizedEvent } from '../../src/schema/events.js';
import { silentLogger } from '../../src/log.js';
import { dydxVenue } from '../../src/venues/dydx/index.js';
import { activeMarkets, DEFAULT_DYDX_MARKETS, dydxInstrument } from '../../src/venues/dydx/instruments.js';
import { closedSide, createDydxParser } from '../../src/venues/dydx/parse.js';
import { dydxSocketPlans, dydxSubscribeError } from '../../src/venues/dydx/plan.js';
import type { ParseResult, VenueMetadata } from '../../src/venues/venue.js';
import { fixture } from '../support/fixtures.js';
import { refusedEntry } from '../support/refusals.js';

const RECV = 1_760_130_900_000;
const eventsOf = (r: ParseResult): NormalizedEvent[] => {
  if (!r.ok) throw new Error(`rejected: ${r.reason}`);
  return r.events;
};
const message = (trades: unknown[], extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: 'channel_data', connection_id: 'c', message_id: 5, id: 'ETH-USD', channel: 'v4_trades', version: '2.1.0', contents: { trades }, ...extra });
const trade = (extra: Record<string, unknown>) => ({ id: '0ab', size: '2.5', price: '4000.5', side: 'SELL', createdAt: '2025-10-10T21:15:03.123Z', type: 'LIQUIDATED', ...extra });
const common = { type: 'liquidation', venue: 'dydx', receiveTime: RECV, fidelity: 'complete', source: 'v4_trades' } as const;

describe('dYdX v4_trades → liquidations and ADL', () => {
  it('recorded message: the LIMIT trade gives nothing, the LIQUIDATED SELL is a long closed, size × price USD', () => {
    expect(createDydxParser()(fixture('dydx-trades-1.json'), RECV)).toEqual({
      ok: true,
      events: [{ ...common, kind: 'liquidation', id: 'dydx:BTC-USD:014f495a0000000200000005', symbol: 'BTC-USD', base: 'BTC', side: 'long', price: 22.87, qty: 3.9, notionalUsd: 3.9 * 22.87, eventTime: Date.UTC(2024, 7, 4, 7, 34, 50, 628) }],
    });
  });

  it('sides: a liquidated taker buying closed a short; a deleveraged taker selling is a liquidated long (the insolvent side) and an offsetting short closed by ADL', () => {
    expect([closedSide('SELL', 'LIQUIDATED'), closedSide('BUY', 'LIQUIDATED'), closedSide('SELL', 'DELEVERAGED'), closedSide('BUY', 'DELEVERAGED')]).toEqual(['long', 'short', 'short', 'long']);
    const events = eventsOf(createDydxParser()(message([trade({ id: '1', side: 'BUY' }), trade({ id: '2', type: 'DELEVERAGED', size: '1', price: '3990' }), trade({ id: '3', type: 'TWAP_SUBORDER' })]), RECV));
    const base = { ...common, symbol: 'ETH-USD', base: 'ETH', eventTime: Date.UTC(2025, 9, 10, 21, 15, 3, 123) };
    expect(events).toEqual([
      { ...base, kind: 'liquidation', id: 'dydx:ETH-USD:1', side: 'short', price: 4000.5, qty: 2.5, notionalUsd: 2.5 * 4000.5 },
      { ...base, kind: 'liquidation', id: 'dydx:ETH-USD:2:deleveraged', side: 'long', price: 3990, qty: 1, notionalUsd: 3990 },
      { ...base, kind: 'adl', id: 'dydx:ETH-USD:2', side: 'short', price: 3990, qty: 1, notionalUsd: 3990 },
    ]);
  });

  it('the recent trades of a subscribed message and a batch count too; partial while only built-in markets are watched', () => {
    const partial = createDydxParser({ fidelity: () => 'partial' });
    const subscribed = JSON.stringify({ type: 'subscribed', connection_id: 'c', message_id: 1, channel: 'v4_trades', id: 'ETH-USD', contents: { trades: [trade({ id: 'a' })] } });
    expect(eventsOf(partial(subscribed, RECV))).toMatchObject([{ id: 'dydx:ETH-USD:a', fidelity: 'partial', side: 'long' }]);
    const batch = JSON.stringify({ type: 'channel_batch_data', connection_id: 'c', message_id: 2, channel: 'v4_trades', id: 'ETH-USD', version: '2.1.0', contents: [{ trades: [trade({ id: 'b' })] }, { trades: [trade({ id: 'c', type: 'LIMIT' }), trade({ id: 'd', side: 'BUY' })] }] });
    expect(eventsOf(partial(batch, RECV)).map((e) => [(e as LiquidationEvent).id, (e as LiquidationEvent).side])).toEqual([
      ['dydx:ETH-USD:b', 'long'],
      ['dydx:ETH-USD:d', 'short'],
    ]);
  });

  it('control frames give nothing; an error is rejected with its message', () => {
    const parse = createDydxParser();
    expect(parse('{"type":"connected","connection_id":"004a1efa-21bb-4b19-a2e9-a8ffadd6dc53","message_id":0}', RECV)).toEqual({ ok: true, events: [] });
    expect(parse('{"type":"unsubscribed","connection_id":"c","message_id":3,"channel":"v4_trades","id":"BTC-USD"}', RECV)).toEqual({ ok: true, events: [] });
    expect(parse('{"type":"error","message":"Invalid subscribe message: channel is not a valid channel","connection_id":"c","message_id":1}', RECV)).toEqual({
      ok: false,
      reason: 'error: "Invalid subscribe message: channel is not a valid channel"',
    });
  });

  it.each([
    ['not JSON', '{"type":', 'invalid JSON'],
    ['an array', '[]', 'unknown message shape'],
    ['another channel', message([], { channel: 'v4_orderbook' }), 'unexpected channel "v4_orderbook"'],
    ['no market id', message([], { id: undefined }), 'v4_trades message without a market id'],
    ['a market name that is not one', message([], { id: 'BTC/USDT' }), 'v4_trades for "BTC/USDT", which is not a dYdX market name'],
  ])('%s is rejected', (_name, frame, reason) => {
    expect(createDydxParser()(frame, RECV)).toEqual({ ok: false, reason });
  });

  it.each([
    ['a numeric size', { size: 2.5 }],
    ['an exponent price', { price: '4e3' }],
    ['an unknown side', { side: 'LONG' }],
    ['a time without zone', { createdAt: '2025-10-10T21:15:03' }],
  ])('a trade with %s is rejected', (_name, extra) => {
    const r = createDydxParser()(message([trade(extra)]), RECV);
    expect(r).toEqual(refusedEntry(expect.stringMatching(/^invalid v4_trades trade: /)));
  });

  it('a size times price beyond a double is rejected, not Infinity', () => {
    const r = createDydxParser()(message([trade({ size: `1${'0'.repeat(300)}`, price: `1${'0'.repeat(10)}` })]), RECV);
    expect(r).toEqual(refusedEntry(expect.stringMatching(/^invalid dYdX liquidation/)));
  });
});

describe('dYdX markets and open interest', () => {
  it('the markets answer: open interest in base units × oracle price; only ACTIVE markets are subscribed', () => {
    const parse = createDydxParser();
    const oi = { type: 'open_interest', venue: 'dydx', eventTime: RECV, receiveTime: RECV, source: 'perpetualMarkets' };
    expect(eventsOf(parse(fixture('dydx-perpetualmarkets-1.json'), RECV))).toEqual([
      { ...oi, symbol: 'BTC-USD', base: 'BTC', oiBase: 648.2389, oiUsd: 648.2389 * 60387.51779, markPrice: 60387.51779 },
      { ...oi, symbol: 'ETH-USD', base: 'ETH', oiBase: 15395.279, oiUsd: 15395.279 * 2623.2521, markPrice: 2623.2521 },
    ]);
    const json = JSON.parse(fixture('dydx-perpetualmarkets-1.json')) as { markets: Record<string, Record<string, unknown>> };
    json.markets['ETH-USD']!.status = 'FINAL_SETTLEMENT';
    json.markets['NEW-USD'] = { ticker: 'NEW-USD', status: 'ACTIVE', oraclePrice: '', openInterest: '0' };
    expect(activeMarkets(json)).toEqual(['BTC-USD', 'NEW-USD']);
    // A new market without an oracle price yet gives no open interest.
    expect(eventsOf(parse(JSON.stringify(json), RECV)).map((e) => (e as { symbol: string }).symbol)).toEqual(['BTC-USD', 'ETH-USD']);
    expect(() => activeMarkets({ markets: 'none' })).toThrow('perpetualMarkets: unexpected response');
  });

  it('instrument: linear, quote USD, settled in USDC', () => {
    expect(dydxInstrument('PEPE-USD')).toEqual({ symbol: 'PEPE-USD', base: 'PEPE', quote: 'USD', settle: 'USDC', type: 'linear', contractValue: 1, from: 'built-in' });
    expect(dydxInstrument('BTC-PERP')).toBeUndefined();
  });
});

describe('dYdX module', () => {
  it('without a market list it watches the built-in markets and its events are partial until a list is read', () => {
    const log = silentLogger();
    const meta: VenueMetadata = {};
    const plans = dydxVenue().plans(meta, { log });
    expect(plans.flatMap((p) => p.subscribe).map((f) => (JSON.parse(f) as { id: string }).id)).toEqual([...DEFAULT_DYDX_MARKETS]);
    expect(meta.partial).toEqual({ active: true });
    const parse = dydxVenue().parser(meta, { log });
    expect(eventsOf(parse(message([trade({})]), RECV))).toMatchObject([{ fidelity: 'partial' }]);
    meta.partial!.active = false;
    expect(eventsOf(parse(message([trade({})]), RECV))).toMatchObject([{ fidelity: 'complete' }]);
    const listed: VenueMetadata = { symbols: ['BTC-USD'] };
    expect(dydxVenue().plans(listed, { log }).flatMap((p) => p.subscribe)).toEqual(['{"type":"subscribe","channel":"v4_trades","id":"BTC-USD"}']);
    expect(listed.partial).toBeUndefined();
  });
});

describe('dYdX plans', () => {
  it('one subscribe per market, sharded, control-frame pings, error replies recognised', () => {
    const plans = dydxSocketPlans(['BTC-USD', 'ETH-USD', 'SOL-USD', 'BTC-USD'], 'ws://127.0.0.1:1/v4/ws', 2);
    expect(plans.map((p) => [p.name, p.subscribe])).toEqual([
      ['dydx-1', ['{"type":"subscribe","channel":"v4_trades","id":"BTC-USD"}', '{"type":"subscribe","channel":"v4_trades","id":"ETH-USD"}']],
      ['dydx-2', ['{"type":"subscribe","channel":"v4_trades","id":"SOL-USD"}']],
    ]);
    expect(plans[0]).toMatchObject({ url: 'ws://127.0.0.1:1/v4/ws', pingIntervalMs: 20_000, silenceTimeoutMs: 60_000 });
    expect(plans[0]!.appPing).toBeUndefined();
    expect(dydxSubscribeError('{"type":"error","message":"Invalid subscribe message: id must be a valid market","connection_id":"c","message_id":1}')).toBe('Invalid subscribe message: id must be a valid market');
    expect([dydxSubscribeError('{"type":"subscribed","channel":"v4_trades","id":"BTC-USD","contents":{"trades":[]}}'), dydxSubscribeError('{"error"')]).toEqual([undefined, undefined]);
    expect(() => dydxSocketPlans(['BTC-USD'], undefined, 0)).toThrow(RangeError);
  });
});

describe('dYdX parser properties', () => {
  it('any valid LIQUIDATED trade gives one valid event of notional size × price; a DELEVERAGED one a liquidation and an ADL of opposite sides', () => {
    const parse = createDydxParser();
    const decimal = (min: number, max: number) => fc.double({ min, max, noNaN: true }).map((x) => x.toFixed(6));
    fc.assert(
      fc.property(decimal(0.000001, 1e6), decimal(0.000001, 1e6), fc.constantFrom('BUY', 'SELL'), fc.constantFrom('LIQUIDATED', 'DELEVERAGED'), (size, price, side, type) => {
        const events = eventsOf(parse(message([trade({ size, price, side, type })]), RECV));
        if (Number(size) * Number(price) === 0) return; // toFixed(6) can round a tiny value to zero, which is rejected elsewhere
        expect(events).toHaveLength(type === 'LIQUIDATED' ? 1 : 2);
        for (const e of events) {
          expect(LiquidationEvent.safeParse(e).success).toBe(true);
          expect((e as LiquidationEvent).notionalUsd).toBe(Number(size) * Number(price));
        }
        expect(events.map((e) => (e as LiquidationEvent).kind)).toEqual(type === 'LIQUIDATED' ? ['liquidation'] : ['liquidation', 'adl']);
        if (type === 'DELEVERAGED') expect((events[0] as LiquidationEvent).side).not.toBe((events[1] as LiquidationEvent).side);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on arbitrary text', () => {
    const parse = createDydxParser();
    fc.assert(fc.property(fc.string(), (s) => typeof parse(s, RECV).ok === 'boolean'), { numRuns: 500 });
  });
});
