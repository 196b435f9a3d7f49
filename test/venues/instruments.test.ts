import { describe, expect, it } from 'vitest';
import type { LiquidationEvent, OpenInterestEvent } from '../../src/schema/events.js';
import { binanceInstrument } from '../../src/venues/binance/instruments.js';
import { createBinanceParser } from '../../src/venues/binance/parse.js';
import { bybitInstrument } from '../../src/venues/bybit/instruments.js';
import { ReferencePrices, fillSize, notionalUsd } from '../../src/venues/instruments.js';

const RECV = 1_760_130_900_000;
// The USD-M docs sample's shape (test/fixtures/binance-usdm-forceorder-1.json) on ETHBTC: 10 ETH at 0.0355 BTC.
const ethbtc = JSON.stringify({
  e: 'forceOrder',
  E: RECV,
  o: { s: 'ETHBTC', S: 'SELL', o: 'LIMIT', f: 'IOC', q: '10', p: '0.0350', ap: '0.0355', X: 'FILLED', l: '10', z: '10', T: RECV },
});
const premiumIndex = (btc: string) =>
  JSON.stringify([
    { symbol: 'BTCUSDT', markPrice: btc, indexPrice: btc },
    { symbol: 'ETHBTC', markPrice: '0.0355', indexPrice: '0.0355' },
  ]);

describe('instrument tables', () => {
  it('Binance: USD-M quotes by suffix, COIN-M inverse with documented contract values', () => {
    const pick = (i: ReturnType<typeof binanceInstrument>) => [i.base, i.quote, i.type, i.contractValue];
    expect(['BTCUSDT', 'ETHUSDC', 'ETHBTC', 'BTCUSDT_251226', '1000PEPEUSDT'].map((s) => pick(binanceInstrument('binance-usdm', s)))).toEqual([
      ['BTC', 'USDT', 'linear', 1],
      ['ETH', 'USDC', 'linear', 1],
      ['ETH', 'BTC', 'linear', 1],
      ['BTC', 'USDT', 'linear', 1],
      ['1000PEPE', 'USDT', 'linear', 1],
    ]);
    expect(['BTCUSD_PERP', 'ETHUSD_251226'].map((s) => pick(binanceInstrument('binance-coinm', s)))).toEqual([
      ['BTC', 'USD', 'inverse', 100],
      ['ETH', 'USD', 'inverse', 10],
    ]);
  });

  it('Bybit: inverse futures by month code and year, USDC perpetuals and futures', () => {
    const pick = (s: string) => {
      const i = bybitInstrument(s);
      return `${i.base} ${i.quote}/${i.settle} ${i.type}`;
    };
    expect(['BTCUSD', 'BTCUSDZ25', 'ETHUSDH26', 'BTCUSDT', 'BTCUSDT-21FEB25', 'BTCPERP', 'BTC-24MAR23', 'ETHUSDC'].map(pick)).toEqual([
      'BTC USD/BTC inverse',
      'BTC USD/BTC inverse',
      'ETH USD/ETH inverse',
      'BTC USDT/USDT linear',
      'BTC USDT/USDT linear',
      'BTC USDC/USDC linear',
      'BTC USDC/USDC linear',
      'ETH USDC/USDC linear',
    ]);
    expect(fillSize(bybitInstrument('BTCUSDZ25'), 20_000, 61_000)).toEqual({ baseQty: 20_000 / 61_000, quoteNotional: 20_000 });
  });

  it('stablecoin quotes at face value; a non-USD quote only with a fresh reference price', () => {
    const refs = new ReferencePrices(60_000);
    expect(notionalUsd({ quote: 'USDE' }, 100, undefined, 0)).toBe(100);
    expect(notionalUsd({ quote: 'BTC' }, 2, refs, 0)).toBeUndefined();
    refs.set('BTC', 100_000, 1_000);
    expect(notionalUsd({ quote: 'BTC' }, 2, refs, 61_000)).toBe(200_000);
    expect(notionalUsd({ quote: 'BTC' }, 2, refs, 61_001)).toBeUndefined();
  });
});

describe('Binance BTC-quoted contracts (ETHBTC)', () => {
  it('forceOrder → USD at the BTCUSDT mark of the venue’s premiumIndex', () => {
    const parse = createBinanceParser({ venue: 'binance-usdm' });
    expect(parse(premiumIndex('100000'), RECV - 30_000)).toEqual({ ok: true, events: [] });
    const r = parse(ethbtc, RECV);
    expect(r.ok).toBe(true);
    const e = (r.ok ? r.events[0] : undefined) as LiquidationEvent;
    expect(e).toMatchObject({ symbol: 'ETHBTC', base: 'ETH', side: 'long', qty: 10, price: 0.0355 });
    // 10 × 0.0355 BTC × 100,000 USD/BTC = 35,500 USD (today's code: 0.355).
    expect(e.notionalUsd).toBeCloseTo(35_500, 6);
  });

  it('without a reference price (none, or older than 5 minutes) the liquidation is dead-lettered, never counted at face value', () => {
    const parse = createBinanceParser({ venue: 'binance-usdm' });
    const reason = expect.stringMatching(/^no reference price: ETHBTC is quoted in BTC and no BTC USD price was seen within 300000 ms/);
    expect(parse(ethbtc, RECV)).toEqual({ ok: false, reason });
    parse(premiumIndex('100000'), RECV - 300_001);
    expect(parse(ethbtc, RECV)).toEqual({ ok: false, reason });
    // A USDT contract needs none.
    const r = parse(ethbtc.replace('ETHBTC', 'ETHUSDT'), RECV);
    expect(r.ok && r.events.length).toBe(1);
  });

  it('open interest of ETHBTC is valued in USD through the same reference', () => {
    const parse = createBinanceParser({ venue: 'binance-usdm' });
    parse(premiumIndex('100000'), RECV);
    const r = parse(JSON.stringify({ symbol: 'ETHBTC', openInterest: '1000', time: RECV }), RECV);
    const e = (r.ok ? r.events[0] : undefined) as OpenInterestEvent;
    expect(e).toMatchObject({ symbol: 'ETHBTC', base: 'ETH', oiBase: 1000, markPrice: 0.0355 });
    expect(e.oiUsd).toBeCloseTo(3_550_000, 3);
  });
});

describe('instruments from discovery or a recording’s metadata', () => {
  it('a listed instrument overrides the pattern table; an entry that fails the schema is ignored', async () => {
    const { instrumentLookup } = await import('../../src/venues/instruments.js');
    const lookup = instrumentLookup({
      // A symbol the table would read as USDT-quoted, listed as BTC-quoted.
      ETHBTCX: { symbol: 'ETHBTCX', base: 'ETH', quote: 'BTC', settle: 'BTC', type: 'linear', contractValue: 1, from: 'discovery' },
      BAD: { symbol: 'BAD', quote: 'BTC' },
    });
    expect(lookup?.('BAD')).toBeUndefined();
    const parse = createBinanceParser({ venue: 'binance-usdm', instruments: lookup });
    const frame = ethbtc.replace('"ETHBTC"', '"ETHBTCX"');
    expect(parse(frame, RECV)).toMatchObject({ ok: false, reason: expect.stringMatching(/^no reference price: ETHBTCX/) });
    parse(premiumIndex('100000'), RECV);
    const r = parse(frame, RECV);
    expect(r.ok && r.events[0]?.type === 'liquidation' && Math.round(r.events[0].notionalUsd)).toBe(35_500);
  });
});
