import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NormalizedEvent } from '../../src/schema/events.js';
import { silentLogger } from '../../src/log.js';
import { ReferencePrices } from '../../src/venues/instruments.js';
import { bitfinexVenue } from '../../src/venues/bitfinex/index.js';
import { bitfinexInstrument, isPerpetual } from '../../src/venues/bitfinex/instruments.js';
import { createBitfinexParser } from '../../src/venues/bitfinex/parse.js';
import { LIQ_SUBSCRIBE, PING, bitfinexSocketPlan, bitfinexSubscribeError } from '../../src/venues/bitfinex/plan.js';
import type { ParseResult } from '../../src/venues/venue.js';
import { fixture } from '../support/fixtures.js';
import { refused, refusedEntry } from '../support/refusals.js';

const RECV = 1_760_130_900_000;
const T = 1_760_130_915_123;
const eventsOf = (r: ParseResult): NormalizedEvent[] => {
  if (!r.ok) throw new Error(`rejected: ${r.reason}`);
  return r.events;
};
const pos = (o: { id?: number; symbol?: string; amount?: number; match?: 0 | 1; acquired?: number | null; mts?: number }) =>
  ['pos', o.id ?? 1, o.mts ?? T, null, o.symbol ?? 'tBTCF0:USTF0', o.amount ?? 0.5, 100000, null, o.match ?? 0, 1, null, o.acquired === undefined ? 110000 : o.acquired];
const frame = (...entries: unknown[]) => JSON.stringify([91684, entries]);
/** A /v2/status/deriv row: KEY, MTS, then MARK_PRICE at [15] and OPEN_INTEREST at [18]. */
const statusRow = (key: string, mark: number | null, oi: number | null, mts = T) => {
  const row: unknown[] = [key, mts, null, 1, 1, null, 1, null, 1, 0, 1, null, 0, null, null, mark, null, null, oi, null, null, null, 0, 0];
  return row;
};
const common = { type: 'liquidation', venue: 'bitfinex', receiveTime: RECV, fidelity: 'complete', kind: 'liquidation', source: 'liq:global' } as const;

describe('Bitfinex liq:global → liquidations', () => {
  it('recorded trigger: AMOUNT > 0 is a long, |AMOUNT| × PRICE_ACQUIRED in USDT counted 1:1', () => {
    expect(createBitfinexParser()(fixture('bitfinex-liquidations-1.json'), RECV)).toEqual({
      ok: true,
      events: [{ ...common, id: 'bitfinex:tBTCF0:USTF0:143683674', symbol: 'tBTCF0:USTF0', base: 'BTC', side: 'long', price: 9080, qty: 0.00268657, notionalUsd: 0.00268657 * 9080, eventTime: 1593522802742 }],
    });
  });

  it('a market execution (IS_MATCH 1) is not counted; its trigger without a price is valued at the latest mark of the base, as a short', () => {
    const parse = createBitfinexParser();
    expect(parse(fixture('bitfinex-liquidations-2.json'), RECV)).toEqual({ ok: true, events: [] });
    // No ETH mark seen yet: the trigger cannot be valued.
    expect(parse(fixture('bitfinex-liquidations-3.json'), RECV)).toEqual(refusedEntry('liquidation of position 143679087 on "tETHF0:USTF0": no acquired price and no recent ETH mark'));
    expect(eventsOf(parse(JSON.stringify([statusRow('tETHF0:USTF0', 230, 1000, 1594036700000)]), RECV))).toHaveLength(1);
    expect(parse(fixture('bitfinex-liquidations-3.json'), RECV)).toEqual({
      ok: true,
      events: [{ ...common, id: 'bitfinex:tETHF0:USTF0:143679087', symbol: 'tETHF0:USTF0', base: 'ETH', side: 'short', price: 230, qty: 8.6007, notionalUsd: 8.6007 * 230, eventTime: 1594036710534 }],
    });
  });

  it('margin pairs: USD counted as is; a BTC-quoted pair needs a fresh BTC reference price; a EUR one is dead-lettered', () => {
    const parse = createBitfinexParser({ refs: new ReferencePrices() });
    expect(eventsOf(parse(frame(pos({ id: 2, symbol: 'tBTCUSD', amount: -0.25, acquired: 100000 })), RECV))).toMatchObject([{ symbol: 'tBTCUSD', base: 'BTC', side: 'short', notionalUsd: 25000 }]);
    const eth = frame(pos({ id: 3, symbol: 'tETHBTC', amount: 2, acquired: 0.04 }));
    expect(parse(eth, RECV)).toEqual(refusedEntry('no reference price: tETHBTC is quoted in BTC and no BTC USD price was seen within 300000 ms; left out of USD totals'));
    parse(JSON.stringify([statusRow('tBTCF0:USTF0', 100000, 10)]), RECV);
    expect(eventsOf(parse(eth, RECV))).toMatchObject([{ side: 'long', price: 0.04, qty: 2, notionalUsd: 2 * 0.04 * 100000 }]);
    expect(refused(parse(frame(pos({ id: 4, symbol: 'tBTCEUR' })), RECV))).toBe(true);
  });

  it('open interest: perpetuals only, base units × mark; spot keys and null values give nothing', () => {
    const answer = JSON.stringify([statusRow('tBTCF0:USTF0', 110000, 1234.5), statusRow('tETHF0:USTF0', null, 10), statusRow('tSOLF0:USTF0', 200, null), statusRow('tBTCUSD', 1, 1)]);
    expect(createBitfinexParser()(answer, RECV)).toEqual({
      ok: true,
      events: [{ type: 'open_interest', venue: 'bitfinex', symbol: 'tBTCF0:USTF0', base: 'BTC', oiBase: 1234.5, oiUsd: 1234.5 * 110000, markPrice: 110000, eventTime: T, receiveTime: RECV, source: 'status/deriv' }],
    });
  });

  it('control frames give nothing; error events are rejected and recognised', () => {
    const parse = createBitfinexParser();
    for (const f of [fixture('bitfinex-subscribed-1.json'), '[91684,"hb"]', '{"event":"info","version":2,"serverId":"1","platform":{"status":1}}', '{"event":"pong","ts":1511545528111,"cid":1}', '{"event":"info","code":20051,"msg":"Stopping. Please try to reconnect"}', '[91684,[]]', '[]'])
      expect(parse(f, RECV)).toEqual({ ok: true, events: [] });
    const error = '{"event":"error","msg":"subscribe: dup","code":10301,"channel":"status","key":"liq:global"}';
    expect(parse(error, RECV)).toEqual({ ok: false, reason: 'error: "subscribe: dup" (code 10301)' });
    expect(bitfinexSubscribeError(error)).toBe('subscribe: dup (code 10301)');
    expect(bitfinexSubscribeError(fixture('bitfinex-subscribed-1.json'))).toBeUndefined();
    expect(bitfinexSubscribeError('{"event":"error"')).toBeUndefined();
  });

  it('malformed frames are rejected with a reason', () => {
    const parse = createBitfinexParser();
    expect(parse('nope', RECV)).toEqual({ ok: false, reason: 'invalid JSON' });
    expect(parse('["x","hb"]', RECV)).toEqual({ ok: false, reason: 'unknown message shape' });
    expect(parse('[1,"te"]', RECV)).toEqual({ ok: false, reason: 'unexpected channel data "te"' });
    expect(refused(parse(frame(['pos', 1, T]), RECV))).toBe(true);
    expect(parse(frame(pos({ amount: 0 })), RECV)).toEqual(refusedEntry('liquidation of position 1 with amount 0'));
    expect(parse(frame(pos({ symbol: 'fUSD' })), RECV)).toEqual(refusedEntry('liquidation on "fUSD", which is not a Bitfinex pair name'));
    expect(refused(parse(frame(pos({ mts: 1e15 })), RECV))).toBe(true);
    expect(refused(parse(frame(pos({ amount: 1e300, acquired: 1e300 })), RECV))).toBe(true);
    expect(refused(parse(JSON.stringify([['tBTCF0:USTF0', T]]), RECV))).toBe(true);
    expect(parse('"text"', RECV)).toEqual({ ok: false, reason: 'unknown message shape' });
  });

  it('property: a trigger gives one event, side from the sign of AMOUNT, |AMOUNT| × price; an execution gives none', () => {
    const parse = createBitfinexParser();
    fc.assert(
      fc.property(fc.double({ min: 1e-6, max: 1e6, noNaN: true }), fc.boolean(), fc.double({ min: 1e-6, max: 1e6, noNaN: true }), fc.constantFrom<0 | 1>(0, 1), (size, long, price, match) => {
        const events = eventsOf(parse(frame(pos({ amount: long ? size : -size, acquired: price, match })), RECV)) as Extract<NormalizedEvent, { type: 'liquidation' }>[];
        expect(events.map((e) => [e.side, e.notionalUsd])).toEqual(match === 1 ? [] : [[long ? 'long' : 'short', size * price]]);
      }),
    );
    fc.assert(fc.property(fc.string(), (s) => typeof parse(s, RECV).ok === 'boolean'));
  });
});

describe('Bitfinex pairs, plan and module', () => {
  it('pair names: colon and six-letter forms, F0 derivative assets, UST is USDT', () => {
    expect(bitfinexInstrument('tBTCF0:USTF0')).toEqual({ symbol: 'tBTCF0:USTF0', base: 'BTC', quote: 'USDT', settle: 'USDT', type: 'linear', contractValue: 1, from: 'built-in' });
    expect(bitfinexInstrument('tETHUST')).toMatchObject({ base: 'ETH', quote: 'USDT' });
    expect(bitfinexInstrument('tDOGE:USD')).toMatchObject({ base: 'DOGE', quote: 'USD' });
    for (const s of ['fUSD', 'BTCUSD', 'tBTCUSDT']) expect(bitfinexInstrument(s)).toBeUndefined();
    expect([isPerpetual('tBTCF0:USTF0'), isPerpetual('tBTCUSD'), isPerpetual('tBTC:USTF0')]).toEqual([true, false, false]);
  });

  it('plan: one socket, the liq:global subscription, application pings; the module needs no discovery', async () => {
    expect(bitfinexSocketPlan('ws://local')).toMatchObject({ venue: 'bitfinex', url: 'ws://local', subscribe: [LIQ_SUBSCRIBE], pingIntervalMs: 30_000, silenceTimeoutMs: 60_000 });
    expect(bitfinexSocketPlan().appPing?.()).toBe(PING);
    expect(JSON.parse(LIQ_SUBSCRIBE)).toEqual({ event: 'subscribe', channel: 'status', key: 'liq:global' });
    const venue = bitfinexVenue();
    expect(await venue.discover({ log: silentLogger() })).toEqual({});
    expect(venue.plans({}, { log: silentLogger() })).toHaveLength(1);
  });
});
