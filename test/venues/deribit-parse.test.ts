import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LiquidationEvent, type NormalizedEvent } from '../../src/schema/events.js';
import { deribitInstrument, deribitListedInstrument } from '../../src/venues/deribit/instruments.js';
import { createDeribitParser, liquidatedSide } from '../../src/venues/deribit/parse.js';
import { DERIBIT_TRADES_CHANNEL, TEST_REPLY, deribitReply, deribitSocketPlan, deribitSubscribeError } from '../../src/venues/deribit/plan.js';
import { instrumentLookup } from '../../src/venues/instruments.js';
import type { ParseResult } from '../../src/venues/venue.js';
import { fixture } from '../support/fixtures.js';
import { refusal, refused, refusedEntry } from '../support/refusals.js';

const RECV = 1_760_130_900_000;
const eventsOf = (r: ParseResult): NormalizedEvent[] => {
  if (!r.ok) throw new Error(`rejected: ${r.reason}`);
  return r.events;
};
const notification = (data: unknown, channel = DERIBIT_TRADES_CHANNEL) => JSON.stringify({ jsonrpc: '2.0', method: 'subscription', params: { channel, data } });
const trade = (extra: Record<string, unknown>) => ({
  trade_seq: 1,
  trade_id: 'BTC-1',
  timestamp: 1_760_130_915_123,
  tick_direction: 2,
  price: 110_000,
  instrument_name: 'BTC-PERPETUAL',
  index_price: 110_010,
  direction: 'sell',
  amount: 50_000,
  ...extra,
});
const common = { type: 'liquidation', venue: 'deribit', receiveTime: RECV, fidelity: 'complete', kind: 'liquidation', source: 'trades' } as const;

describe('Deribit trades → liquidations', () => {
  it('recorded "T" trade: the taker sold, so a long was liquidated; inverse amount is the USD notional', () => {
    expect(createDeribitParser()(fixture('deribit-trades-1.json'), RECV)).toEqual({
      ok: true,
      events: [{ ...common, id: 'deribit:BTC-PERPETUAL:66460463:T', symbol: 'BTC-PERPETUAL', base: 'BTC', side: 'long', price: 4469.5, qty: 1120 / 4469.5, notionalUsd: 1120, eventTime: 1584058044032 }],
    });
  });

  it('recorded "M" trade: the taker bought from the liquidated maker, so a long was liquidated', () => {
    expect(eventsOf(createDeribitParser()(fixture('deribit-trades-2.json'), RECV))).toEqual([
      { ...common, id: 'deribit:BTC-PERPETUAL:66460626:M', symbol: 'BTC-PERPETUAL', base: 'BTC', side: 'long', price: 4458.5, qty: 2500 / 4458.5, notionalUsd: 2500, eventTime: 1584058067675 },
    ]);
  });

  it('side for every flag and direction', () => {
    expect([liquidatedSide('buy', 'T'), liquidatedSide('sell', 'T'), liquidatedSide('buy', 'M'), liquidatedSide('sell', 'M')]).toEqual(['short', 'long', 'long', 'short']);
  });

  it('"MT" is two liquidated positions of opposite sides, each the whole amount', () => {
    const events = eventsOf(createDeribitParser()(notification([trade({ liquidation: 'MT', direction: 'buy' })]), RECV));
    const base = { ...common, symbol: 'BTC-PERPETUAL', base: 'BTC', price: 110_000, qty: 50_000 / 110_000, notionalUsd: 50_000, eventTime: 1_760_130_915_123 };
    expect(events).toEqual([
      { ...base, id: 'deribit:BTC-PERPETUAL:BTC-1:T', side: 'short' },
      { ...base, id: 'deribit:BTC-PERPETUAL:BTC-1:M', side: 'long' },
    ]);
  });

  it('linear USDC perpetual: amount is base coin, notional amount × price; ordinary trades in the batch give nothing', () => {
    const frame = notification([
      trade({ trade_id: 'SOL_USDC-9', instrument_name: 'SOL_USDC-PERPETUAL', price: 180.25, amount: 12.5 }),
      trade({ trade_id: 'SOL_USDC-10', instrument_name: 'SOL_USDC-PERPETUAL', price: 180.2, amount: 40, liquidation: 'T', direction: 'buy' }),
    ]);
    expect(eventsOf(createDeribitParser()(frame, RECV))).toEqual([
      { ...common, id: 'deribit:SOL_USDC-PERPETUAL:SOL_USDC-10:T', symbol: 'SOL_USDC-PERPETUAL', base: 'SOL', side: 'short', price: 180.2, qty: 40, notionalUsd: 40 * 180.2, eventTime: 1_760_130_915_123 },
    ]);
  });

  it('inverse dated future and a listed instrument from discovery', () => {
    const listed = deribitListedInstrument({ instrument_name: 'ETH-26DEC25', kind: 'future', instrument_type: 'reversed', base_currency: 'ETH', quote_currency: 'USD', settlement_currency: 'ETH' });
    expect(listed).toEqual({ symbol: 'ETH-26DEC25', base: 'ETH', quote: 'USD', settle: 'ETH', type: 'inverse', contractValue: 1, from: 'discovery' });
    const parse = createDeribitParser({ instruments: instrumentLookup({ 'ETH-26DEC25': listed }) });
    const [e] = eventsOf(parse(notification([trade({ instrument_name: 'ETH-26DEC25', price: 4000, amount: 3000, liquidation: 'T' })]), RECV));
    expect(e).toMatchObject({ symbol: 'ETH-26DEC25', base: 'ETH', side: 'long', qty: 0.75, notionalUsd: 3000 });
  });

  it('a non-USD quote is dead-lettered, never counted at face value', () => {
    const parse = createDeribitParser({ instruments: () => ({ symbol: 'ETH_BTC-PERPETUAL', base: 'ETH', quote: 'BTC', settle: 'BTC', type: 'linear', contractValue: 1, from: 'discovery' }) });
    const r = parse(notification([trade({ instrument_name: 'ETH_BTC-PERPETUAL', price: 0.036, amount: 2, liquidation: 'T' })]), RECV);
    expect(r).toEqual(refusedEntry(expect.stringMatching(/^no reference price: ETH_BTC-PERPETUAL is quoted in BTC/)));
  });

  it('name table: inverse, linear, and options/spot are not futures', () => {
    expect(deribitInstrument('BTC-PERPETUAL')).toEqual({ symbol: 'BTC-PERPETUAL', base: 'BTC', quote: 'USD', settle: 'BTC', type: 'inverse', contractValue: 1, from: 'built-in' });
    expect(deribitInstrument('BTC_USDT-PERPETUAL')).toMatchObject({ base: 'BTC', quote: 'USDT', type: 'linear' });
    expect([deribitInstrument('BTC-27DEC24-100000-C'), deribitInstrument('BTC_USDC'), deribitInstrument('BTC-FS-2SEP22_PERP')]).toEqual([undefined, undefined, undefined]);
    expect(createDeribitParser()(notification([trade({ instrument_name: 'BTC-27DEC24-100000-C', liquidation: 'T' })]), RECV)).toEqual(refusedEntry('liquidation on "BTC-27DEC24-100000-C", which is not a future'));
  });
});

describe('Deribit control frames and open interest', () => {
  const parse = createDeribitParser();
  it.each([
    ['heartbeat', '{"jsonrpc":"2.0","method":"heartbeat","params":{"type":"heartbeat"}}'],
    ['test request', '{"jsonrpc":"2.0","method":"heartbeat","params":{"type":"test_request"}}'],
    ['subscribe reply', `{"jsonrpc":"2.0","id":2,"result":["${DERIBIT_TRADES_CHANNEL}"],"usIn":1,"usOut":2,"usDiff":1,"testnet":false}`],
    ['set_heartbeat reply', '{"jsonrpc":"2.0","id":1,"result":"ok"}'],
    ['public/test reply', '{"jsonrpc":"2.0","id":3,"result":{"version":"1.2.26"}}'],
  ])('%s gives no event', (_name, frame) => {
    expect(parse(frame, RECV)).toEqual({ ok: true, events: [] });
  });

  it('an error reply is rejected with its code and message', () => {
    expect(parse('{"jsonrpc":"2.0","id":2,"error":{"message":"Invalid params","code":-32602}}', RECV)).toEqual({ ok: false, reason: 'error reply to request 2: -32602 "Invalid params"' });
  });

  it('docs book summary: the option row gives nothing; inverse and linear futures are valued at the mark', () => {
    expect(parse(fixture('deribit-booksummary-1.json'), RECV)).toEqual({ ok: true, events: [] });
    const rows = [
      { instrument_name: 'BTC-PERPETUAL', open_interest: 1_000_000_000, mark_price: 100_000, creation_timestamp: 1_760_130_900_000 },
      { instrument_name: 'SOL_USDC-PERPETUAL', open_interest: 2000, mark_price: 200, creation_timestamp: 1_760_130_900_001 },
      { instrument_name: 'BTC-26DEC25', open_interest: 0, mark_price: null, creation_timestamp: 1_760_130_900_002 },
    ];
    const oi = { type: 'open_interest', venue: 'deribit', receiveTime: RECV, source: 'get_book_summary_by_currency' };
    expect(eventsOf(parse(JSON.stringify({ jsonrpc: '2.0', result: rows }), RECV))).toEqual([
      { ...oi, symbol: 'BTC-PERPETUAL', base: 'BTC', oiBase: 10_000, oiUsd: 1_000_000_000, markPrice: 100_000, eventTime: 1_760_130_900_000 },
      { ...oi, symbol: 'SOL_USDC-PERPETUAL', base: 'SOL', oiBase: 2000, oiUsd: 400_000, markPrice: 200, eventTime: 1_760_130_900_001 },
    ]);
  });

  it.each([
    ['not JSON', '{"jsonrpc":', 'invalid JSON'],
    ['an array', '[1]', 'unknown message shape'],
    ['unknown shape', '{"jsonrpc":"2.0"}', 'unknown message shape'],
    ['unexpected channel', notification({}, 'book.BTC-PERPETUAL.100ms'), 'unexpected channel "book.BTC-PERPETUAL.100ms"'],
  ])('%s is rejected', (_name, frame, reason) => {
    expect(parse(frame, RECV)).toEqual({ ok: false, reason });
  });

  it.each([
    ['amount as a string', { amount: '100', liquidation: 'T' }],
    ['a zero price', { price: 0, liquidation: 'T' }],
    ['an unknown flag', { liquidation: 'X' }],
    ['a microsecond time', { timestamp: 1_760_130_915_123_000, liquidation: 'T' }],
    ['an unknown direction', { direction: 'long', liquidation: 'T' }],
  ])('a trade with %s is rejected', (_name, extra) => {
    const r = parse(notification([trade(extra)]), RECV);
    expect(refused(r)).toBe(true);
    expect(refusal(r)).toMatch(/^invalid trades\.future\.any\.100ms trade: /);
  });

  it('an amount too large for a double times the price is rejected, not Infinity', () => {
    const r = parse(notification([trade({ instrument_name: 'BTC_USDC-PERPETUAL', amount: 1e308, price: 1e10, liquidation: 'T' })]), RECV);
    expect(r).toEqual(refusedEntry(expect.stringMatching(/^invalid Deribit liquidation/)));
  });
});

describe('Deribit plan', () => {
  it('sets the heartbeat, subscribes the futures trades of every currency, answers test requests only', () => {
    const plan = deribitSocketPlan('ws://127.0.0.1:1/ws/api/v2');
    expect(plan.subscribe.map((f) => JSON.parse(f) as unknown)).toEqual([
      { jsonrpc: '2.0', id: 1, method: 'public/set_heartbeat', params: { interval: 30 } },
      { jsonrpc: '2.0', id: 2, method: 'public/subscribe', params: { channels: ['trades.future.any.100ms'] } },
    ]);
    expect(deribitReply('{"jsonrpc":"2.0","method":"heartbeat","params":{"type":"test_request"}}')).toBe(TEST_REPLY);
    expect(JSON.parse(TEST_REPLY)).toEqual({ jsonrpc: '2.0', id: 3, method: 'public/test', params: {} });
    expect([deribitReply('{"jsonrpc":"2.0","method":"heartbeat","params":{"type":"heartbeat"}}'), deribitReply('test_request{'), deribitReply(notification([]))]).toEqual([undefined, undefined, undefined]);
  });

  it('recognises refused and partial subscriptions', () => {
    const err = deribitSubscribeError([DERIBIT_TRADES_CHANNEL]);
    expect(err('{"jsonrpc":"2.0","id":2,"error":{"message":"Invalid params","code":-32602}}')).toBe('subscribe refused: -32602 Invalid params');
    expect(err('{"jsonrpc":"2.0","id":2,"result":[]}')).toBe('not subscribed: trades.future.any.100ms');
    expect(err(`{"jsonrpc":"2.0","id":2,"result":["${DERIBIT_TRADES_CHANNEL}"]}`)).toBeUndefined();
    expect(err('{"jsonrpc":"2.0","id":1,"error":{"message":"bad interval","code":11029}}')).toBe('set_heartbeat refused: 11029 bad interval');
    expect([err('{"id":'), err('{"jsonrpc":"2.0","id":3,"result":{"version":"1"}}')]).toEqual([undefined, undefined]);
  });
});

describe('Deribit parser properties', () => {
  it('any valid liquidation trade: one event per liquidated party, valid, with the USD notional of its type', () => {
    const parse = createDeribitParser();
    const arbTrade = fc.record({
      inverse: fc.boolean(),
      price: fc.double({ min: 0.01, max: 1e6, noNaN: true }),
      amount: fc.double({ min: 0.001, max: 1e7, noNaN: true }),
      direction: fc.constantFrom('buy', 'sell'),
      liquidation: fc.constantFrom('M', 'T', 'MT'),
    });
    fc.assert(
      fc.property(arbTrade, (t) => {
        const r = parse(notification([trade({ instrument_name: t.inverse ? 'ETH-PERPETUAL' : 'ETH_USDC-PERPETUAL', price: t.price, amount: t.amount, direction: t.direction, liquidation: t.liquidation })]), RECV);
        const events = eventsOf(r);
        expect(events).toHaveLength(t.liquidation.length);
        for (const e of events) {
          expect(LiquidationEvent.safeParse(e).success).toBe(true);
          expect((e as LiquidationEvent).notionalUsd).toBe(t.inverse ? t.amount : t.amount * t.price);
        }
        if (t.liquidation === 'MT') expect(new Set(events.map((e) => (e as LiquidationEvent).side)).size).toBe(2);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on arbitrary text', () => {
    const parse = createDeribitParser();
    fc.assert(fc.property(fc.string(), (s) => typeof parse(s, RECV).ok === 'boolean'), { numRuns: 500 });
  });
});
