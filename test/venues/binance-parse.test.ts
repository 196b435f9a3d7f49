import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LiquidationEvent } from '../../src/schema/events.js';
import { createBinanceParser, usdmBase } from '../../src/venues/binance/parse.js';
import { binanceFrames } from '../support/fixtures.js';

const RECV = 1_700_000_000_000;
const usdm = createBinanceParser({ venue: 'binance-usdm' });
const { raw } = binanceFrames();

describe('Binance forceOrder → LiquidationEvent', () => {
  it('USD-M docs sample: SELL liquidates a long; notional = z × ap', () => {
    expect(usdm(raw.usdm1, RECV)).toEqual({
      ok: true,
      events: [
        {
          type: 'liquidation',
          id: 'binance-usdm:BTCUSDT:1568014460893:SELL:0.014:9910',
          venue: 'binance-usdm',
          symbol: 'BTCUSDT',
          base: 'BTC',
          side: 'long',
          price: 9910,
          qty: 0.014,
          notionalUsd: 0.014 * 9910,
          eventTime: 1568014460893,
          receiveTime: RECV,
          fidelity: 'sampled',
          kind: 'liquidation',
          source: 'forceOrder',
        },
      ],
    });
  });

  it('the id comes from the order fields, whatever extra keys a frame carries', () => {
    const frame = JSON.stringify({ stream: '!forceOrder@arr', data: { e: 'forceOrder', E: 2, o: { s: 'BTCUSDT', S: 'SELL', o: 'LIMIT', f: 'IOC', q: '1', p: '99', ap: '100', X: 'FILLED', l: '1', z: '1', T: 1700000000000, Ttext: '999' } } });
    const r = usdm(frame, RECV);
    expect(r.ok && r.events[0]).toMatchObject({ id: 'binance-usdm:BTCUSDT:1700000000000:SELL:1:100', eventTime: 1700000000000 });
  });

  it('USD-M: average price ap, not the order price p', () => {
    const r = usdm(raw.usdm2, RECV);
    expect(r.ok && r.events[0]).toMatchObject({ side: 'long', price: 18990, qty: 0.009, eventTime: 1665523974217 });
    expect(r.ok && r.events[0]?.type === 'liquidation' && r.events[0].notionalUsd).toBeCloseTo(170.91, 9);
  });

  it('USD-M: BUY liquidates a short (sample wrapped as a frame)', () => {
    const r = usdm(raw.usdm3, RECV);
    expect(r.ok && r.events[0]).toMatchObject({ side: 'short', price: 34959.7, qty: 1.437, symbol: 'BTCUSDT', eventTime: 1698871323059 });
    expect(r.ok && r.events[0]?.type === 'liquidation' && r.events[0].notionalUsd).toBeCloseTo(50237.0889, 6);
  });

  it('COIN-M docs sample: quantity in contracts, 100 USD per BTC contract from exchangeInfo', () => {
    const coinm = createBinanceParser({ venue: 'binance-coinm', contractUsd: (s) => ({ BTCUSD_200925: 100 })[s] });
    expect(coinm(raw.coinm1, RECV)).toEqual({
      ok: true,
      events: [
        {
          type: 'liquidation',
          id: 'binance-coinm:BTCUSD_200925:1591154240949:SELL:1:9496.5',
          venue: 'binance-coinm',
          symbol: 'BTCUSD_200925',
          base: 'BTC',
          side: 'long',
          price: 9496.5,
          qty: 100 / 9496.5,
          notionalUsd: 100,
          eventTime: 1591154240949,
          receiveTime: RECV,
          fidelity: 'sampled',
          kind: 'liquidation',
          source: 'forceOrder',
        },
      ],
    });
  });

  it('COIN-M without metadata falls back to the documented sizes and says so once per symbol', () => {
    const told: [string, number][] = [];
    const coinm = createBinanceParser({ venue: 'binance-coinm', onContractFallback: (s, usd) => told.push([s, usd]) });
    const eth = raw.coinm1.replaceAll('BTCUSD', 'ETHUSD').replace('"z":"1"', '"z":"3"');
    const a = coinm(raw.coinm1, RECV);
    const b = coinm(raw.coinm1, RECV);
    const c = coinm(eth, RECV);
    expect([a, b, c].map((r) => r.ok && r.events[0]?.type === 'liquidation' && r.events[0].notionalUsd)).toEqual([100, 100, 30]);
    expect(told).toEqual([
      ['BTCUSD_200925', 100],
      ['ETHUSD_200925', 10],
    ]);
  });

  it('combined-stream envelope and subscribe replies', () => {
    const [wrapped] = binanceFrames().usdm;
    expect(usdm(wrapped!, RECV)).toEqual(usdm(raw.usdm1, RECV));
    expect(usdm('{"result":null,"id":1}', RECV)).toEqual({ ok: true, events: [] });
    expect(usdm('{"error":{"code":2,"msg":"Invalid request"},"id":1}', RECV)).toEqual({
      ok: false,
      reason: 'subscribe error: {"code":2,"msg":"Invalid request"}',
    });
  });

  it('an order that filled nothing is no liquidation', () => {
    expect(usdm(raw.usdm1.replace('"z":"0.014"', '"z":"0"').replace('FILLED', 'EXPIRED'), RECV)).toEqual({ ok: true, events: [] });
  });

  it.each([
    ['bad JSON', '{"e":"forceOrder",', 'invalid JSON'],
    ['missing field', raw.usdm1.replace('"ap":"9910",', ''), 'invalid forceOrder: o.ap: '],
    ['wrong type', raw.usdm1.replace('"T":1568014460893', '"T":"soon"'), 'invalid forceOrder: o.T: '],
    ['bad side', raw.usdm1.replace('"S":"SELL"', '"S":"SIDEWAYS"'), 'invalid forceOrder: o.S: '],
    ['non-numeric', raw.usdm1.replace('"ap":"9910"', '"ap":"abc"'), 'invalid forceOrder: o.ap: expected a decimal string'],
    ['negative price', raw.usdm1.replace('"ap":"9910"', '"ap":"-1"'), 'invalid forceOrder: o.ap: expected a decimal string'],
    ['zero price', raw.usdm1.replace('"ap":"9910"', '"ap":"0"'), 'invalid liquidation: price 0, quantity 0.014'],
    ['price too long for a double', raw.usdm1.replace('"ap":"9910"', `"ap":"1${'0'.repeat(400)}"`), `non-numeric z/ap: 0.014/1${'0'.repeat(400)}`.slice(0, 300)],
    ['not an object', '42', 'unknown message shape'],
  ])('rejects %s', (_name, frame, reason) => {
    const r = usdm(frame, RECV);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason.startsWith(reason)).toBe(true);
  });

  it('property: any well-formed forceOrder yields one valid event with side and notional by the rules', () => {
    const decimal = fc.integer({ min: 1, max: 10_000_000 }).map((n) => (n / 1000).toString());
    fc.assert(
      fc.property(fc.constantFrom('BUY', 'SELL'), decimal, decimal, fc.integer({ min: 0, max: 2 ** 42 }), (S, z, ap, T) => {
        const frame = JSON.stringify({ e: 'forceOrder', E: T, o: { s: 'ETHUSDT', S, o: 'LIMIT', f: 'IOC', q: z, p: ap, ap, X: 'FILLED', l: z, z, T } });
        const r = usdm(frame, RECV);
        if (!r.ok || r.events.length !== 1) return false;
        const e = LiquidationEvent.parse(r.events[0]);
        return e.side === (S === 'SELL' ? 'long' : 'short') && e.notionalUsd === Number(z) * Number(ap) && e.eventTime === T && e.base === 'ETH';
      }),
    );
  });

  it('property: arbitrary text never throws', () => {
    fc.assert(fc.property(fc.string(), (s) => typeof usdm(s, RECV).ok === 'boolean'));
    fc.assert(fc.property(fc.json(), (s) => typeof usdm(s, RECV).ok === 'boolean'));
  });

  it('base asset from USD-M symbols', () => {
    expect(['BTCUSDT', '1000PEPEUSDT', 'ETHUSDC', 'BTCUSDT_251226'].map(usdmBase)).toEqual(['BTC', '1000PEPE', 'ETH', 'BTC']);
  });
});

describe('Binance premiumIndex answer, row by row', () => {
  it('a row outside the schema is dead-lettered on its own; the other marks are kept and value open interest', () => {
    const parse = createBinanceParser({ venue: 'binance-usdm' });
    const bad = { symbol: 'ETHUSDT', markPrice: 4000 };
    const r = parse(JSON.stringify([{ symbol: 'BTCUSDT', markPrice: '100000', time: 1 }, bad]), 1_760_130_900_000);
    expect(r.ok && r.events).toEqual([]);
    expect(r.ok && r.rejected?.map((x) => [x.entry, x.reason.startsWith('invalid premiumIndex row: ')])).toEqual([[JSON.stringify(bad), true]]);
    const oi = parse('{"symbol":"BTCUSDT","openInterest":"10","time":1760130900000}', 1_760_130_900_000);
    expect(oi.ok && oi.events.map((e) => e.type === 'open_interest' && [e.markPrice, e.oiUsd])).toEqual([[100_000, 1_000_000]]);
  });
});
