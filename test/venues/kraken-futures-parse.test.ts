import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NormalizedEvent } from '../../src/schema/events.js';
import { silentLogger } from '../../src/log.js';
import { krakenFuturesVenue } from '../../src/venues/kraken/index.js';
import { DEFAULT_KRAKEN_PRODUCTS, krakenInstrument, listedInstruments } from '../../src/venues/kraken/instruments.js';
import { createKrakenParser, liquidatedSide } from '../../src/venues/kraken/parse.js';
import { HEARTBEAT_SUBSCRIBE, krakenSocketPlans, krakenSubscribeError } from '../../src/venues/kraken/plan.js';
import type { ParseResult, VenueMetadata } from '../../src/venues/venue.js';
import { fixture } from '../support/fixtures.js';
import { refused, refusedEntry } from '../support/refusals.js';

const RECV = 1_760_130_900_000;
const eventsOf = (r: ParseResult): NormalizedEvent[] => {
  if (!r.ok) throw new Error(`rejected: ${r.reason}`);
  return r.events;
};
const trade = (extra: Record<string, unknown>) =>
  JSON.stringify({ feed: 'trade', product_id: 'PF_ETHUSD', uid: 'u1', side: 'sell', type: 'liquidation', seq: 1, time: 1760130915123, qty: 2.5, price: 4000.5, ...extra });
const common = { type: 'liquidation', venue: 'kraken-futures', receiveTime: RECV, fidelity: 'complete', kind: 'liquidation', source: 'trade' } as const;

describe('Kraken Futures trade feed → liquidations', () => {
  it('recorded liquidations (inverse): taker sell closed a long, taker buy a short; qty is USD contracts', () => {
    const parse = createKrakenParser();
    expect(parse(fixture('kraken-futures-trade-2.json'), RECV)).toEqual({
      ok: true,
      events: [{ ...common, id: 'kraken-futures:PI_XRPUSD:3ee209b8-bc9f-4ed5-965b-8c6208b26411', symbol: 'PI_XRPUSD', base: 'XRP', side: 'long', price: 0.1736, qty: 12000 / 0.1736, notionalUsd: 12000, eventTime: 1593561965283 }],
    });
    expect(parse(fixture('kraken-futures-trade-3.json'), RECV)).toEqual({
      ok: true,
      events: [{ ...common, id: 'kraken-futures:PI_ETHUSD:e7f3a144-5c04-4ed6-999e-5922cd0b6160', symbol: 'PI_ETHUSD', base: 'ETH', side: 'short', price: 231.6, qty: 250 / 231.6, notionalUsd: 250, eventTime: 1593620853613 }],
    });
    expect([liquidatedSide('sell'), liquidatedSide('buy')]).toEqual(['long', 'short']);
  });

  it('linear multi-collateral products: qty in base units × price; XBT is BTC; a listed contract size applies', () => {
    expect(eventsOf(createKrakenParser()(trade({}), RECV))).toEqual([
      { ...common, id: 'kraken-futures:PF_ETHUSD:u1', symbol: 'PF_ETHUSD', base: 'ETH', side: 'long', price: 4000.5, qty: 2.5, notionalUsd: 2.5 * 4000.5, eventTime: 1760130915123 },
    ]);
    const listed = listedInstruments({ instruments: [{ symbol: 'PF_XBTUSD', type: 'flexible_futures', contractSize: 0.001, tradeable: true }] });
    const parse = createKrakenParser({ instruments: (s) => listed.find((i) => i.symbol === s) });
    expect(eventsOf(parse(trade({ product_id: 'PF_XBTUSD', side: 'buy', qty: 3, price: 110000 }), RECV))).toMatchObject([{ symbol: 'PF_XBTUSD', base: 'BTC', side: 'short', qty: 0.003, notionalUsd: 330 }]);
  });

  it('fills, block and termination trades give nothing; the docs snapshot (fills only) gives nothing; a snapshot liquidation counts', () => {
    const parse = createKrakenParser();
    expect(parse(fixture('kraken-futures-trade-1.json'), RECV)).toEqual({ ok: true, events: [] });
    for (const type of ['fill', 'block', 'termination']) expect(parse(trade({ type }), RECV)).toEqual({ ok: true, events: [] });
    const snapshot = JSON.stringify({ feed: 'trade_snapshot', product_id: 'PF_ETHUSD', trades: [JSON.parse(trade({ uid: 'a' })), JSON.parse(trade({ uid: 'b', type: 'fill' }))] });
    expect(eventsOf(createKrakenParser({ fidelity: () => 'partial' })(snapshot, RECV))).toMatchObject([{ id: 'kraken-futures:PF_ETHUSD:a', fidelity: 'partial' }]);
  });

  it('open interest: inverse contracts are USD, valued at the mark price; upper-cased symbols; indices are skipped', () => {
    expect(createKrakenParser()(fixture('kraken-futures-ticker-1.json'), RECV)).toEqual({
      ok: true,
      events: [{ type: 'open_interest', venue: 'kraken-futures', symbol: 'PI_XBTUSD', base: 'BTC', oiBase: 149655 / 30209.9, oiUsd: 149655, markPrice: 30209.9, eventTime: Date.UTC(2022, 5, 17, 11, 0, 31, 335), receiveTime: RECV, source: 'tickers' }],
    });
    const answer = JSON.stringify({ result: 'success', tickers: [{ symbol: 'PF_SOLUSD', markPrice: 200, openInterest: 1000 }, { symbol: 'in_xbtusd', last: 1 }, { symbol: 'PF_ETHUSD', openInterest: 5 }] });
    expect(eventsOf(createKrakenParser()(answer, RECV))).toEqual([
      { type: 'open_interest', venue: 'kraken-futures', symbol: 'PF_SOLUSD', base: 'SOL', oiBase: 1000, oiUsd: 200_000, markPrice: 200, eventTime: RECV, receiveTime: RECV, source: 'tickers' },
    ]);
    // A server time past the 13-digit epoch range is not a time: the receive time stands in.
    const farFuture = JSON.stringify({ tickers: [{ symbol: 'PF_SOLUSD', markPrice: 200, openInterest: 1 }], serverTime: '+275760-09-13T00:00:00.000Z' });
    expect(eventsOf(createKrakenParser()(farFuture, RECV))).toMatchObject([{ eventTime: RECV }]);
  });

  it('control frames give nothing; errors and refused subscriptions are rejected and recognised', () => {
    const parse = createKrakenParser();
    for (const f of ['{"event":"info","version":1}', fixture('kraken-futures-subscribe-1.json'), '{"feed":"heartbeat","time":1534262350627}', '{"event":"subscribed","feed":"heartbeat"}'])
      expect(parse(f, RECV)).toEqual({ ok: true, events: [] });
    expect(parse('{"event":"error","message":"Invalid product id"}', RECV)).toEqual({ ok: false, reason: 'error: "Invalid product id"' });
    expect(krakenSubscribeError('{"event":"error","message":"Invalid product id"}')).toBe('Invalid product id');
    expect(krakenSubscribeError('{"event":"subscribed_failed","feed":"trade","product_ids":["PF_NOPE"]}')).toBe('subscribed_failed');
    expect(krakenSubscribeError(fixture('kraken-futures-subscribe-1.json'))).toBeUndefined();
    expect(krakenSubscribeError('{"event": nope')).toBeUndefined();
  });

  it('malformed frames are rejected with a reason', () => {
    const parse = createKrakenParser();
    expect(parse('not json', RECV)).toEqual({ ok: false, reason: 'invalid JSON' });
    expect(parse('[1,2]', RECV)).toEqual({ ok: false, reason: 'unknown message shape' });
    expect(parse('{"feed":"book"}', RECV)).toEqual({ ok: false, reason: 'unexpected feed "book"' });
    expect(refused(parse(trade({ qty: -1 }), RECV))).toBe(true);
    expect(refused(parse(trade({ time: 1e15 }), RECV))).toBe(true);
    expect(refused(parse(trade({ side: 'up' }), RECV))).toBe(true);
    expect(parse(trade({ product_id: 'in_xbtusd' }), RECV)).toEqual(refusedEntry('liquidation on "in_xbtusd", which is not a Kraken futures product name'));
    // Two finite numbers whose product is not: caught by the final check.
    expect(refused(parse(trade({ qty: 1e300, price: 1e300 }), RECV))).toBe(true);
  });

  it('property: any liquidation trade gives one event whose notional is qty × price (linear) or qty (inverse) and whose side mirrors the taker', () => {
    const parse = createKrakenParser();
    fc.assert(
      fc.property(fc.constantFrom('PF_XBTUSD', 'PI_ETHUSD', 'FF_SOLUSD_251226'), fc.constantFrom('buy', 'sell'), fc.double({ min: 1e-6, max: 1e6, noNaN: true }), fc.double({ min: 1e-6, max: 1e6, noNaN: true }), (product, side, qty, price) => {
        const [e] = eventsOf(parse(trade({ product_id: product, side, qty, price }), RECV)) as [Extract<NormalizedEvent, { type: 'liquidation' }>];
        expect(e.side).toBe(side === 'sell' ? 'long' : 'short');
        expect(e.notionalUsd).toBe(product.startsWith('PI_') ? qty : qty * price);
      }),
    );
    fc.assert(fc.property(fc.string(), (s) => typeof parse(s, RECV).ok === 'boolean'));
  });
});

describe('Kraken Futures products, plans and module', () => {
  it('names: PF_/FF_ linear, PI_/FI_ inverse, indices and other names none; a listed type contradicting the name is left out', () => {
    expect(krakenInstrument('PF_XBTUSD')).toEqual({ symbol: 'PF_XBTUSD', base: 'BTC', quote: 'USD', settle: 'USD', type: 'linear', contractValue: 1, from: 'built-in' });
    expect(krakenInstrument('FI_XBTUSD_251226')).toEqual({ symbol: 'FI_XBTUSD_251226', base: 'BTC', quote: 'USD', settle: 'BTC', type: 'inverse', contractValue: 1, from: 'built-in' });
    expect(krakenInstrument('PF_USDCUSD')?.base).toBe('USDC');
    for (const s of ['in_xbtusd', 'rr_xbtusd', 'PF_XBTEUR', 'XBTUSD']) expect(krakenInstrument(s)).toBeUndefined();
    // The docs' own instruments example calls PF_XBTUSD futures_inverse.
    expect(listedInstruments({ instruments: [{ symbol: 'PF_XBTUSD', type: 'futures_inverse', contractSize: 1, tradeable: true }, { symbol: 'PI_ETHUSD', type: 'futures_inverse', contractSize: 1, tradeable: true }, { symbol: 'PF_SOLUSD', type: 'flexible_futures', contractSize: 1, tradeable: false }] }).map((i) => i.symbol)).toEqual(['PI_ETHUSD']);
    expect(() => listedInstruments({ nope: 1 })).toThrow('instruments: unexpected response');
  });

  it('plans: heartbeat and one trade subscribe per 100 products; WebSocket pings every 30 s (Kraken wants one within 60 s)', () => {
    const products = Array.from({ length: 250 }, (_, i) => `PF_C${i}USD`);
    const plans = krakenSocketPlans(products, 'ws://local');
    expect(plans.map((p) => p.name)).toEqual(['kraken-futures-1', 'kraken-futures-2', 'kraken-futures-3']);
    expect(plans[0]!.subscribe[0]).toBe(HEARTBEAT_SUBSCRIBE);
    expect((JSON.parse(plans[2]!.subscribe[1]!) as { product_ids: string[] }).product_ids).toHaveLength(50);
    expect(plans[0]!).toMatchObject({ url: 'ws://local', pingIntervalMs: 30_000, silenceTimeoutMs: 60_000 });
    expect(plans[0]!.appPing).toBeUndefined();
    expect(() => krakenSocketPlans(products, undefined, 0)).toThrow(RangeError);
  });

  it('module: without a product list it watches the built-in products and says partial', () => {
    const meta: VenueMetadata = {};
    const venue = krakenFuturesVenue();
    const plans = venue.plans(meta, { log: silentLogger() });
    expect((JSON.parse(plans[0]!.subscribe[1]!) as { product_ids: string[] }).product_ids).toEqual([...DEFAULT_KRAKEN_PRODUCTS]);
    expect(meta.partial).toEqual({ active: true });
    expect(eventsOf(venue.parser(meta, { log: silentLogger() })(trade({}), RECV))).toMatchObject([{ fidelity: 'partial' }]);
    const listed: VenueMetadata = { symbols: ['PF_XBTUSD'] };
    venue.plans(listed, { log: silentLogger() });
    expect(listed.partial).toBeUndefined();
  });
});
