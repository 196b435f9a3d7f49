import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LiquidationEvent, type NormalizedEvent } from '../../src/schema/events.js';
import { bybitBase, createBybitParser } from '../../src/venues/bybit/parse.js';
import { refusal } from '../support/refusals.js';

const RECV = 1_739_502_303_300;
const fixture = (name: string): string => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8').trim();
const linearFixture = fixture('bybit-linear-allliquidation-1.json');

const frame = (topic: string, data: unknown, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ topic, type: 'snapshot', ts: 1_739_502_303_204, data, ...extra });
const eventsOf = (r: ReturnType<ReturnType<typeof createBybitParser>>): NormalizedEvent[] => {
  if (!r.ok) throw new Error(`rejected: ${r.reason}`);
  return r.events;
};

describe('Bybit allLiquidation → LiquidationEvent', () => {
  it('linear docs sample: Sell is a short position liquidated; qty v in coin, notional v × p', () => {
    const parse = createBybitParser({ venue: 'bybit-linear' });
    expect(parse(linearFixture, RECV)).toEqual({
      ok: true,
      events: [
        {
          type: 'liquidation',
          id: 'bybit-linear:ROSEUSDT:1739502302929:Sell:20000:0.04499',
          venue: 'bybit-linear',
          symbol: 'ROSEUSDT',
          base: 'ROSE',
          side: 'short',
          price: 0.04499,
          qty: 20000,
          notionalUsd: 20000 * 0.04499,
          eventTime: 1739502302929,
          receiveTime: RECV,
          fidelity: 'complete',
          kind: 'liquidation',
          source: 'allLiquidation',
        },
      ],
    });
  });

  it('a linear message with three entries yields three events in order, both sides', () => {
    const parse = createBybitParser({ venue: 'bybit-linear' });
    const sample = JSON.parse(linearFixture) as { topic: string; ts: number; data: Record<string, unknown>[] };
    const entry = sample.data[0]!;
    const data = [
      { ...entry, S: 'Buy', v: '15000', p: '0.04510' },
      entry,
      { ...entry, T: 1739502303001, S: 'Buy', v: '300.5', p: '0.04488' },
    ];
    const common = { type: 'liquidation', venue: 'bybit-linear', symbol: 'ROSEUSDT', base: 'ROSE', receiveTime: RECV, fidelity: 'complete', kind: 'liquidation', source: 'allLiquidation' };
    expect(eventsOf(parse(JSON.stringify({ ...sample, data }), RECV))).toEqual([
      { ...common, id: 'bybit-linear:ROSEUSDT:1739502302929:Buy:15000:0.04510', side: 'long', price: 0.0451, qty: 15000, notionalUsd: 15000 * 0.0451, eventTime: 1739502302929 },
      { ...common, id: 'bybit-linear:ROSEUSDT:1739502302929:Sell:20000:0.04499', side: 'short', price: 0.04499, qty: 20000, notionalUsd: 20000 * 0.04499, eventTime: 1739502302929 },
      { ...common, id: 'bybit-linear:ROSEUSDT:1739502303001:Buy:300.5:0.04488', side: 'long', price: 0.04488, qty: 300.5, notionalUsd: 300.5 * 0.04488, eventTime: 1739502303001 },
    ]);
  });

  it('inverse: v counts 1-USD contracts, so notional = v and qty = v / p', () => {
    const parse = createBybitParser({ venue: 'bybit-inverse' });
    const msg = frame('allLiquidation.BTCUSD', [{ T: 1760131200123, s: 'BTCUSD', S: 'Buy', v: '1000', p: '62000' }]);
    expect(parse(msg, RECV)).toEqual({
      ok: true,
      events: [
        {
          type: 'liquidation',
          id: 'bybit-inverse:BTCUSD:1760131200123:Buy:1000:62000',
          venue: 'bybit-inverse',
          symbol: 'BTCUSD',
          base: 'BTC',
          side: 'long',
          price: 62000,
          qty: 1000 / 62000,
          notionalUsd: 1000,
          eventTime: 1760131200123,
          receiveTime: RECV,
          fidelity: 'complete',
          kind: 'liquidation',
          source: 'allLiquidation',
        },
      ],
    });
  });

  it('identical entries in one message are distinct liquidations with distinct, stable ids', () => {
    const parse = createBybitParser({ venue: 'bybit-linear' });
    const e = { T: 1, s: 'BTCUSDT', S: 'Sell', v: '0.5', p: '60000' };
    const msg = frame('allLiquidation.BTCUSDT', [e, { ...e, S: 'Buy' }, e, e]);
    const ids = eventsOf(parse(msg, RECV)).map((x) => (x.type === 'liquidation' ? x.id : ''));
    expect(ids).toEqual([
      'bybit-linear:BTCUSDT:1:Sell:0.5:60000',
      'bybit-linear:BTCUSDT:1:Buy:0.5:60000',
      'bybit-linear:BTCUSDT:1:Sell:0.5:60000#1',
      'bybit-linear:BTCUSDT:1:Sell:0.5:60000#2',
    ]);
    expect(parse(msg, RECV + 5)).toMatchObject({ ok: true, events: ids.map((id) => ({ id })) });
    // A copy counts however far apart in the batch, with other milliseconds in between.
    const apart = frame('allLiquidation.BTCUSDT', [e, { ...e, T: 2 }, { ...e, T: 2, v: '0.6' }, e, { ...e, T: 2 }]);
    expect(eventsOf(parse(apart, RECV)).map((x) => (x.type === 'liquidation' ? x.id : ''))).toEqual([
      'bybit-linear:BTCUSDT:1:Sell:0.5:60000',
      'bybit-linear:BTCUSDT:2:Sell:0.5:60000',
      'bybit-linear:BTCUSDT:2:Sell:0.6:60000',
      'bybit-linear:BTCUSDT:1:Sell:0.5:60000#1',
      'bybit-linear:BTCUSDT:2:Sell:0.5:60000#1',
    ]);
  });

  it("property: an entry's id is numbered by its copies earlier in the frame, in time order or not, in runs of one millisecond longer than the parser compares one by one", () => {
    const entry = fc.record({ T: fc.constantFrom(1, 2, 3), s: fc.constant('BTCUSDT'), S: fc.constantFrom('Buy', 'Sell'), v: fc.constantFrom('0.5', '0.6'), p: fc.constant('60000') });
    const entries = fc.tuple(fc.array(entry, { maxLength: 60 }), fc.boolean()).map(([es, sorted]) => (sorted ? [...es].sort((a, b) => a.T - b.T) : es));
    // A frame of more than 1,024 entries now and then (the parser keeps no frame's ids past that).
    const frames = fc.array(fc.oneof({ weight: 20, arbitrary: entries }, fc.constant(Array.from({ length: 1_100 }, (_, i) => ({ T: 1 + (i % 3), s: 'BTCUSDT', S: 'Buy', v: '0.5', p: '60000' })))), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(frames, (list) => {
        const parse = createBybitParser({ venue: 'bybit-linear' });
        for (const es of list) {
          const seen = new Map<string, number>();
          const expected = es.map(({ T, S, v, p }) => {
            const id = `bybit-linear:BTCUSDT:${T}:${S}:${v}:${p}`;
            const n = seen.get(id) ?? 0;
            seen.set(id, n + 1);
            return n > 0 ? `${id}#${n}` : id;
          });
          expect(eventsOf(parse(frame('allLiquidation.BTCUSDT', es), RECV)).map((x) => (x.type === 'liquidation' ? x.id : ''))).toEqual(expected);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('an empty data list is no event', () => {
    expect(createBybitParser({ venue: 'bybit-linear' })(frame('allLiquidation.BTCUSDT', []), RECV)).toEqual({ ok: true, events: [] });
  });

  const bad = (over: Record<string, unknown>) => frame('allLiquidation.ROSEUSDT', [{ T: 1739502302929, s: 'ROSEUSDT', S: 'Sell', v: '20000', p: '0.04499', ...over }]);
  it.each([
    ['bad JSON', '{"topic":"allLiquidation.X",', 'invalid JSON'],
    ['not an object', '[1,2]', 'unknown message shape'],
    ['no topic, no op', '{"data":[]}', 'unknown message shape'],
    ['missing price', bad({ p: undefined }), 'invalid allLiquidation: p: '],
    ['numeric size', bad({ v: 20000 }), 'invalid allLiquidation: v: '],
    ['unknown side', bad({ S: 'Long' }), 'invalid allLiquidation: S: '],
    ['time as text', bad({ T: '1739502302929' }), 'invalid allLiquidation: T: '],
    ['zero price', bad({ p: '0' }), 'invalid liquidation from ROSEUSDT v=20000 p=0: price: '],
    ['zero size', bad({ v: '0.000' }), 'invalid liquidation from ROSEUSDT v=0.000 p=0.04499: qty: '],
    ['entry of another symbol', bad({ s: 'BTCUSDT' }), 'allLiquidation entry for BTCUSDT on topic allLiquidation.ROSEUSDT'],
    ['delta type', bad({}).replace('"snapshot"', '"delta"'), 'invalid allLiquidation: type: '],
    ['deprecated liquidation topic', frame('liquidation.BTCUSDT', { symbol: 'BTCUSDT', side: 'Buy', size: '1', price: '1', updatedTime: 1 }), 'unexpected topic liquidation.BTCUSDT'],
  ])('rejects %s', (_name, text, reason) => {
    const r = createBybitParser({ venue: 'bybit-linear' })(text, RECV);
    // A bad entry is refused on its own (the frame is understood); a bad frame is rejected whole. Either way no event.
    expect(r.ok && r.events).toSatisfy((e: unknown) => e === false || (Array.isArray(e) && e.length === 0));
    expect(refusal(r)).toSatisfy((s: string) => s.startsWith(reason));
  });

  it('property: a well-formed linear message yields exactly data.length valid events, notional = v × p, Buy ⇒ long', () => {
    const decimal = fc.integer({ min: 1, max: 100_000_000 }).map((n) => (n / 1000).toString());
    const entry = fc.record({ T: fc.integer({ min: 0, max: 2 ** 42 }), S: fc.constantFrom('Buy', 'Sell'), v: decimal, p: decimal });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 12 }), (entries) => {
        const parse = createBybitParser({ venue: 'bybit-linear' });
        const r = parse(frame('allLiquidation.ETHUSDT', entries.map((e) => ({ ...e, s: 'ETHUSDT' }))), RECV);
        if (!r.ok || r.events.length !== entries.length) return false;
        const ids = new Set<string>();
        return r.events.every((ev, i) => {
          const e = LiquidationEvent.parse(ev);
          const raw = entries[i]!;
          ids.add(e.id);
          return (
            e.notionalUsd === Number(raw.v) * Number(raw.p) &&
            e.qty === Number(raw.v) &&
            e.price === Number(raw.p) &&
            e.side === (raw.S === 'Buy' ? 'long' : 'short') &&
            e.eventTime === raw.T &&
            e.base === 'ETH' &&
            ids.size === i + 1
          );
        });
      }),
    );
  });

  it('property: inverse notional is v and qty × price gives it back', () => {
    const parse = createBybitParser({ venue: 'bybit-inverse' });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.integer({ min: 1, max: 20_000_000 }), (v, cents) => {
        const p = (cents / 100).toString();
        const r = parse(frame('allLiquidation.ETHUSD', [{ T: 1, s: 'ETHUSD', S: 'Sell', v: String(v), p }]), RECV);
        const e = r.ok && r.events[0]?.type === 'liquidation' ? r.events[0] : undefined;
        return e !== undefined && e.notionalUsd === v && Math.abs(e.qty * e.price - v) <= v * 1e-12 && e.side === 'short';
      }),
    );
  });

  it('property: arbitrary text never throws', () => {
    const parse = createBybitParser({ venue: 'bybit-linear' });
    fc.assert(fc.property(fc.string(), (s) => typeof parse(s, RECV).ok === 'boolean'));
    fc.assert(fc.property(fc.json(), (s) => typeof parse(s, RECV).ok === 'boolean'));
  });
});

describe('Bybit tickers → OpenInterestEvent', () => {
  // The linear response example of the docs' Ticker page.
  const linearSnapshot = JSON.stringify({
    topic: 'tickers.BTCUSDT',
    type: 'snapshot',
    data: {
      symbol: 'BTCUSDT',
      tickDirection: 'PlusTick',
      price24hPcnt: '0.017103',
      lastPrice: '17216.00',
      prevPrice24h: '16926.50',
      highPrice24h: '17281.50',
      lowPrice24h: '16915.00',
      prevPrice1h: '17238.00',
      markPrice: '17217.33',
      indexPrice: '17227.36',
      openInterest: '68744.761',
      openInterestValue: '1183601235.91',
      turnover24h: '1570383121.943499',
      volume24h: '91705.276',
      nextFundingTime: '1673280000000',
      fundingRate: '-0.000212',
      bid1Price: '17215.50',
      bid1Size: '84.489',
      ask1Price: '17216.00',
      ask1Size: '83.020',
    },
    cs: 24987956059,
    ts: 1673272861686,
  });
  const delta = (symbol: string, ts: number, data: Record<string, string>) => JSON.stringify({ topic: `tickers.${symbol}`, type: 'delta', data: { symbol, ...data }, cs: 1, ts });
  const oi = { type: 'open_interest', venue: 'bybit-linear', symbol: 'BTCUSDT', base: 'BTC', source: 'tickers' } as const;

  it('linear: snapshot, then deltas that leave out unchanged fields keep the last stated value', () => {
    const parse = createBybitParser({ venue: 'bybit-linear' });
    const frames = [
      linearSnapshot,
      // Open interest moved but openInterestValue was not resent: per the docs it did not change.
      delta('BTCUSDT', 1673272861786, { openInterest: '68750.000', markPrice: '17220.00' }),
      // Only prices moved: neither the open interest nor its value did, so nothing to say.
      delta('BTCUSDT', 1673272861886, { markPrice: '17221.50', bid1Price: '17221.00' }),
      delta('BTCUSDT', 1673272861986, { openInterestValue: '1183900000.00' }),
    ];
    expect(frames.map((f, i) => eventsOf(parse(f, RECV + i)).filter((e) => e.type === 'open_interest'))).toEqual([
      [{ ...oi, oiBase: 68744.761, oiUsd: 1183601235.91, markPrice: 17217.33, eventTime: 1673272861686, receiveTime: RECV }],
      [{ ...oi, oiBase: 68750, oiUsd: 1183601235.91, markPrice: 17220, eventTime: 1673272861786, receiveTime: RECV + 1 }],
      [],
      [{ ...oi, oiBase: 68750, oiUsd: 1183900000, markPrice: 17221.5, eventTime: 1673272861986, receiveTime: RECV + 3 }],
    ]);
  });

  it('linear without openInterestValue: USD = openInterest × markPrice, so a mark move is news', () => {
    const parse = createBybitParser({ venue: 'bybit-linear' });
    const snap = JSON.stringify({ topic: 'tickers.ETHUSDT', type: 'snapshot', data: { symbol: 'ETHUSDT', openInterest: '10', markPrice: '2000' }, ts: 1 });
    expect(eventsOf(parse(snap, RECV))).toMatchObject([{ oiBase: 10, oiUsd: 20000, markPrice: 2000 }]);
    expect(eventsOf(parse(delta('ETHUSDT', 2, { markPrice: '2100' }), RECV))).toMatchObject([{ oiBase: 10, oiUsd: 21000, markPrice: 2100, eventTime: 2 }]);
  });

  it('inverse: openInterest is USD contracts, openInterestValue is coin (docs Get Tickers inverse example)', () => {
    const parse = createBybitParser({ venue: 'bybit-inverse' });
    const snap = JSON.stringify({
      topic: 'tickers.BTCUSD',
      type: 'snapshot',
      data: { symbol: 'BTCUSD', lastPrice: '16597.00', markPrice: '16596.00', openInterest: '373504107', openInterestValue: '22505.67' },
      cs: 1,
      ts: 1672376496682,
    });
    const inv = { type: 'open_interest', venue: 'bybit-inverse', symbol: 'BTCUSD', base: 'BTC', source: 'tickers', receiveTime: RECV } as const;
    expect(eventsOf(parse(snap, RECV))).toEqual([{ ...inv, oiBase: 22505.67, oiUsd: 373504107, markPrice: 16596, eventTime: 1672376496682 }]);
    expect(eventsOf(parse(delta('BTCUSD', 1672376496782, { openInterest: '373600000' }), RECV))).toEqual([
      { ...inv, oiBase: 22505.67, oiUsd: 373600000, markPrice: 16596, eventTime: 1672376496782 },
    ]);
  });

  it('a delta before any snapshot waits until open interest and mark price are known, without an error', () => {
    const parse = createBybitParser({ venue: 'bybit-linear' });
    expect(parse(delta('SOLUSDT', 10, { openInterest: '100' }), RECV)).toEqual({ ok: true, events: [] });
    // The funding rate alone is news of its own (a funding event without a mark price yet).
    expect(eventsOf(parse(delta('SOLUSDT', 11, { fundingRate: '0.0001' }), RECV))).toMatchObject([{ type: 'funding', symbol: 'SOLUSDT', rate: 0.0001, intervalHours: 8 }]);
    expect(eventsOf(parse(delta('SOLUSDT', 12, { markPrice: '150' }), RECV)).filter((e) => e.type === 'open_interest')).toEqual([
      { type: 'open_interest', venue: 'bybit-linear', symbol: 'SOLUSDT', base: 'SOL', oiBase: 100, oiUsd: 15000, markPrice: 150, eventTime: 12, receiveTime: RECV, source: 'tickers' },
    ]);
  });

  it('a fresh snapshot replaces the state; an unchanged one is not repeated', () => {
    const parse = createBybitParser({ venue: 'bybit-linear' });
    eventsOf(parse(linearSnapshot, RECV));
    expect(parse(linearSnapshot, RECV + 1)).toEqual({ ok: true, events: [] });
    const smaller = JSON.stringify({ topic: 'tickers.BTCUSDT', type: 'snapshot', data: { symbol: 'BTCUSDT', openInterest: '1', markPrice: '17000' }, ts: 5 });
    // openInterestValue of the old snapshot must not leak into the new one.
    expect(eventsOf(parse(smaller, RECV + 2))).toMatchObject([{ oiBase: 1, oiUsd: 17000 }]);
  });

  it.each([
    ['non-numeric open interest', delta('BTCUSDT', 1, { openInterest: 'n/a' }), 'invalid tickers: data.openInterest: '],
    ['data of another symbol', delta('BTCUSDT', 1, { symbol: 'ETHUSDT' }), 'ticker for ETHUSDT on topic tickers.BTCUSDT'],
    ['zero mark price', JSON.stringify({ topic: 'tickers.X', type: 'snapshot', data: { openInterest: '1', markPrice: '0' }, ts: 1 }), 'invalid open interest for X: markPrice: '],
  ])('rejects %s', (_name, text, reason) => {
    const r = createBybitParser({ venue: 'bybit-linear' })(text, RECV);
    expect(!r.ok && r.reason).toSatisfy((s: string) => s.startsWith(reason));
  });
});

describe('Bybit control frames', () => {
  const parse = createBybitParser({ venue: 'bybit-linear' });

  it('a subscribe confirmation is no event', () => {
    expect(parse('{"success":true,"ret_msg":"","conn_id":"3cd84cb1-4d06-4a05-930a-2efe5fc70f0f","req_id":"bybit-linear-1-1","op":"subscribe"}', RECV)).toEqual({
      ok: true,
      events: [],
    });
  });

  it('a refused subscription is rejected with its ret_msg, so it is counted and dead-lettered', () => {
    expect(parse('{"success":false,"ret_msg":"error:handler not found,topic:allLiquidation.NOPEUSDT","conn_id":"d9jh","req_id":"bybit-linear-1-3","op":"subscribe"}', RECV)).toEqual({
      ok: false,
      reason: 'subscribe refused: error:handler not found,topic:allLiquidation.NOPEUSDT (req_id bybit-linear-1-3)',
    });
  });

  it('pongs are no events (linear/inverse shape, and the op:pong shape)', () => {
    expect(parse('{"success":true,"ret_msg":"pong","conn_id":"465772b1-7630-4fdc-a492-e003e6f0f260","req_id":"","op":"ping"}', RECV)).toEqual({ ok: true, events: [] });
    expect(parse('{"args":["1672916271846"],"op":"pong"}', RECV)).toEqual({ ok: true, events: [] });
  });

  it.each([
    ['an unknown op', '{"success":true,"ret_msg":"","op":"auth"}', 'unexpected control frame: op auth'],
    ['a failed ping', '{"success":false,"ret_msg":"pong","op":"ping"}', 'unexpected control frame: op ping'],
    ['a subscribe reply without success', '{"op":"subscribe"}', 'subscribe refused: no ret_msg'],
    ['op of the wrong type', '{"op":1}', 'invalid control frame: op: '],
  ])('rejects %s', (_name, text, reason) => {
    const r = parse(text, RECV);
    expect(!r.ok && r.reason).toSatisfy((s: string) => s.startsWith(reason));
  });
});

describe('Bybit base asset', () => {
  it('from linear symbols: USDT and USDC perps, USDC PERP names, dated futures, multiplier prefixes', () => {
    const linear = ['BTCUSDT', 'ETHPERP', 'SOLUSDC', '1000PEPEUSDT', 'BTCUSDT-21FEB25', 'BTC-24MAR23', 'SHIB1000USDT'];
    expect(linear.map((s) => bybitBase(s, 'bybit-linear'))).toEqual(['BTC', 'ETH', 'SOL', '1000PEPE', 'BTC', 'BTC', 'SHIB1000']);
  });

  it('from inverse symbols: perpetuals and quarterly futures', () => {
    expect(['BTCUSD', 'ETHUSD', 'BTCUSDH23', 'XRPUSDZ25'].map((s) => bybitBase(s, 'bybit-inverse'))).toEqual(['BTC', 'ETH', 'BTC', 'XRP']);
  });
});
