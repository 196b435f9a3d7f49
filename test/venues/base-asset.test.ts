import { describe, expect, it } from 'vitest';
import type { Bus, BusMessage, ConsumedBatch, SubscribeOptions, Subscription } from '../../src/bus/bus.js';
import { defaultTopics } from '../../src/bus/topics.js';
import { silentLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { Ingestor } from '../../src/pipeline/ingest.js';
import type { FundingEvent, LiquidationEvent, NormalizedEvent, OpenInterestEvent, VenueId } from '../../src/schema/events.js';
import { normalBase, withNormalBase } from '../../src/venues/base-asset.js';
import { binanceInstrument } from '../../src/venues/binance/instruments.js';
import { bitfinexInstrument } from '../../src/venues/bitfinex/instruments.js';
import { bitgetInstrument } from '../../src/venues/bitget/instruments.js';
import { BUILT_IN_CONTRACTS } from '../../src/venues/bitmex/instruments.js';
import { bybitInstrument } from '../../src/venues/bybit/instruments.js';
import { deribitInstrument } from '../../src/venues/deribit/instruments.js';
import { dydxInstrument } from '../../src/venues/dydx/instruments.js';
import { gateInstrument } from '../../src/venues/gate/instruments.js';
import { hyperliquidBase } from '../../src/venues/hyperliquid/fill.js';
import { krakenInstrument } from '../../src/venues/kraken/instruments.js';
import { okxBuiltInInstrument, okxBase } from '../../src/venues/okx/instruments.js';
import { venueModule } from '../../src/venues/registry.js';
import { fixture } from '../support/fixtures.js';
import { liquidation } from '../support/events.js';

const coin = (_venue: VenueId, venueBase: string | undefined) => (venueBase === undefined ? undefined : normalBase(venueBase));

/**
 * Every venue's symbol forms, from its docs and the recorded frames in test/fixtures, through the venue's own
 * instrument rule (what its parser puts in `base`) and then the one mapping (base-asset.ts).
 */
const FORMS: [VenueId, string, string | undefined, string, number][] = [
  ['binance-usdm', 'BTCUSDT', binanceInstrument('binance-usdm', 'BTCUSDT').base, 'BTC', 1],
  ['binance-usdm', 'BTCUSDT_251226', binanceInstrument('binance-usdm', 'BTCUSDT_251226').base, 'BTC', 1],
  ['binance-usdm', '1000PEPEUSDT', binanceInstrument('binance-usdm', '1000PEPEUSDT').base, 'PEPE', 1_000],
  ['binance-usdm', '1000SHIBUSDC', binanceInstrument('binance-usdm', '1000SHIBUSDC').base, 'SHIB', 1_000],
  ['binance-usdm', '1MBABYDOGEUSDT', binanceInstrument('binance-usdm', '1MBABYDOGEUSDT').base, 'BABYDOGE', 1_000_000],
  ['binance-usdm', '1INCHUSDT', binanceInstrument('binance-usdm', '1INCHUSDT').base, '1INCH', 1],
  ['binance-coinm', 'BTCUSD_PERP', binanceInstrument('binance-coinm', 'BTCUSD_PERP', { pair: 'BTCUSD' }).base, 'BTC', 1],
  ['bybit-linear', 'BTCUSDT', bybitInstrument('BTCUSDT', 'linear').base, 'BTC', 1],
  ['bybit-linear', 'BTCPERP', bybitInstrument('BTCPERP', 'linear').base, 'BTC', 1],
  ['bybit-linear', '1000PEPEUSDT', bybitInstrument('1000PEPEUSDT', 'linear').base, 'PEPE', 1_000],
  ['bybit-linear', '10000LADYSUSDT', bybitInstrument('10000LADYSUSDT', 'linear').base, 'LADYS', 10_000],
  ['bybit-linear', '1000000MOGUSDT', bybitInstrument('1000000MOGUSDT', 'linear').base, 'MOG', 1_000_000],
  ['bybit-linear', '1000BONKUSDT', bybitInstrument('1000BONKUSDT', 'linear').base, 'BONK', 1_000],
  ['bybit-inverse', 'BTCUSD', bybitInstrument('BTCUSD', 'inverse').base, 'BTC', 1],
  ['bybit-inverse', 'BTCUSDZ25', bybitInstrument('BTCUSDZ25', 'inverse').base, 'BTC', 1],
  ['okx', 'BTC-USDT-SWAP', okxBuiltInInstrument('BTC-USDT-SWAP')?.base, 'BTC', 1],
  ['okx', 'BTC-USD-251226', okxBase('BTC-USD-251226'), 'BTC', 1],
  ['okx', 'PEPE-USDT-SWAP', okxBase('PEPE-USDT-SWAP'), 'PEPE', 1],
  ['hyperliquid', 'BTC', hyperliquidBase('BTC'), 'BTC', 1],
  ['hyperliquid', 'kPEPE', hyperliquidBase('kPEPE'), 'PEPE', 1_000],
  ['hyperliquid', 'kBONK', hyperliquidBase('kBONK'), 'BONK', 1_000],
  ['hyperliquid', 'xyz:XYZ100', hyperliquidBase('xyz:XYZ100'), 'XYZ100', 1],
  ['kraken-futures', 'PF_XBTUSD', krakenInstrument('PF_XBTUSD')?.base, 'BTC', 1],
  ['kraken-futures', 'PI_XBTUSD', krakenInstrument('PI_XBTUSD')?.base, 'BTC', 1],
  ['kraken-futures', 'FI_XBTUSD_251226', krakenInstrument('FI_XBTUSD_251226')?.base, 'BTC', 1],
  ['bitmex', 'XBTUSD', BUILT_IN_CONTRACTS.get('XBTUSD')?.instrument.base, 'BTC', 1],
  ['bitmex', 'XBT (a row’s raw underlying)', 'XBT', 'BTC', 1],
  ['bitfinex', 'tBTCF0:USTF0', bitfinexInstrument('tBTCF0:USTF0')?.base, 'BTC', 1],
  ['bitfinex', 'tBTCUSD', bitfinexInstrument('tBTCUSD')?.base, 'BTC', 1],
  ['gate-usdt', 'BTC_USDT', gateInstrument('BTC_USDT', 'usdt')?.base, 'BTC', 1],
  ['gate-btc', 'BTC_USD', gateInstrument('BTC_USD', 'btc')?.base, 'BTC', 1],
  ['deribit', 'BTC-PERPETUAL', deribitInstrument('BTC-PERPETUAL')?.base, 'BTC', 1],
  ['deribit', 'BTC_USDC-PERPETUAL', deribitInstrument('BTC_USDC-PERPETUAL')?.base, 'BTC', 1],
  ['deribit', 'ETH-27DEC25', deribitInstrument('ETH-27DEC25')?.base, 'ETH', 1],
  ['dydx', 'BTC-USD', dydxInstrument('BTC-USD')?.base, 'BTC', 1],
  ['bitget', 'BTCUSDT', bitgetInstrument('usdt-futures', 'BTCUSDT')?.base, 'BTC', 1],
  ['bitget', 'BTCPERP', bitgetInstrument('usdc-futures', 'BTCPERP')?.base, 'BTC', 1],
  ['bitget', '1000SATSUSDT', bitgetInstrument('usdt-futures', '1000SATSUSDT')?.base, 'SATS', 1_000],
  ['htx-linear', 'BTC-USDT (the frame’s `symbol`)', 'BTC', 'BTC', 1],
];

describe('coins across venues: one mapping of every venue’s base (issue 21 §1)', () => {
  it.each(FORMS)('%s %s (venue base %s) → %s ×%d', (venue, _symbol, venueBase, base, multiplier) => {
    expect(coin(venue, venueBase)).toEqual({ base, multiplier });
  });

  it('names that only look multiplied stay themselves; the mapping is idempotent', () => {
    for (const name of ['1INCH', '1000', '100PEPE', 'K', 'kPEPE', 'BTC', 'PEPE', '币安人生'])
      expect(normalBase(name), name).toEqual({ base: name, multiplier: 1 });
    for (const [venue, , venueBase] of FORMS) {
      const once = coin(venue, venueBase)!;
      expect(normalBase(once.base), `${venue} ${venueBase}`).toEqual({ base: once.base, multiplier: 1 });
    }
  });

  /** Each venue's recorded frames (test/fixtures, sources in SOURCES.md) through its parser, then the mapping. */
  const FRAMES: [VenueId, string, string[]][] = [
    ['binance-usdm', 'binance-usdm-forceorder-1.json', ['BTC']],
    ['binance-coinm', 'binance-coinm-forceorder-1.json', ['BTC']],
    ['bybit-linear', 'bybit-linear-allliquidation-1.json', ['ROSE']],
    ['hyperliquid', 'hyperliquid-activeassetctx-1.json', ['ETH']],
    ['okx', 'okx-openinterest-rest-1.json', ['BTC']],
    ['htx-linear', 'htx-linear-liquidation-orders-1.json', ['BTC']],
    ['gate-usdt', 'gate-usdt-public-liquidates-1.json', ['BTC']],
    ['gate-btc', 'gate-btc-public-liquidates-1.json', ['BTC']],
    ['deribit', 'deribit-trades-1.json', ['BTC']],
    ['dydx', 'dydx-trades-1.json', ['BTC']],
    ['bitmex', 'bitmex-liquidation-3.json', ['BTC']],
    ['kraken-futures', 'kraken-futures-ticker-1.json', ['BTC']],
    ['bitfinex', 'bitfinex-liquidations-1.json', ['BTC']],
    ['bitget', 'bitget-liquidation-1.json', ['BTC']],
  ];
  it.each(FRAMES)('%s: %s parses to coin %j', (venue, file, bases) => {
    const r = venueModule(venue).parser({}, { log: silentLogger() })(fixture(file), 1_760_126_400_000);
    expect(r.ok).toBe(true);
    const events = r.ok ? r.events.map((e) => withNormalBase(e)) : [];
    expect(events.length).toBeGreaterThan(0);
    expect([...new Set(events.map((e) => (e.type === 'gap' || e.type === 'retraction' ? '' : e.base)))]).toEqual(bases);
  });

  it('a multiplied contract: quantity × and price ÷ the multiplier, USD untouched; other events keep their object', () => {
    const l = liquidation('a', 1, 900, { symbol: '1000PEPEUSDT', base: '1000PEPE', qty: 90_000, price: 0.01 });
    expect(withNormalBase(l)).toEqual({ ...l, base: 'PEPE', qty: 90_000_000, price: 0.00001 });
    const oi: OpenInterestEvent = { type: 'open_interest', venue: 'hyperliquid', symbol: 'kPEPE', base: '1000PEPE', oiBase: 9e6, oiUsd: 94_527, markPrice: 0.010503, eventTime: 1, receiveTime: 1, source: 't' };
    expect(withNormalBase(oi)).toEqual({ ...oi, base: 'PEPE', oiBase: 9e9, markPrice: 0.010503 / 1000 });
    const f: FundingEvent = { type: 'funding', venue: 'bybit-linear', symbol: '1000PEPEUSDT', base: '1000PEPE', rate: 0.0001, intervalHours: 8, ratePerHour: 0.0000125, markPrice: 0.01, eventTime: 1, receiveTime: 1, source: 't' };
    expect(withNormalBase(f)).toEqual({ ...f, base: 'PEPE', markPrice: 0.00001 });
    const plain = liquidation('b', 1, 5);
    expect(withNormalBase(plain)).toBe(plain);
    const xbt = liquidation('c', 1, 5, { venue: 'bitmex', symbol: 'XBTUSD', base: 'XBT' });
    expect(withNormalBase(xbt)).toEqual({ ...xbt, base: 'BTC' });
  });

  it('the ingestor publishes the coin: a Bybit 1000PEPEUSDT liquidation reaches the bus as PEPE, its USD as the venue said', async () => {
    const published: BusMessage[] = [];
    const bus: Bus = {
      kind: 'embedded',
      start: async () => {},
      publish: async (_topic: string, messages: BusMessage[]) => void published.push(...messages),
      subscribe: (_o: SubscribeOptions, _h: (b: ConsumedBatch) => Promise<void>): Promise<Subscription> => Promise.reject(new Error('not used')),
      close: async () => {},
    };
    const log = silentLogger();
    const ing = new Ingestor({
      bus,
      topics: defaultTopics(),
      metrics: createMetrics(),
      log,
      parserFor: (venue) => venueModule(venue).parser({}, { log }),
      publishRaw: false,
      batchSize: 100,
      lingerMs: 1,
      maxBuffered: 1_000,
    });
    const frame = fixture('bybit-linear-allliquidation-1.json').replaceAll('ROSEUSDT', '1000PEPEUSDT').replace('"0.04499"', '"0.01052"');
    ing.handleFrame({ venue: 'bybit-linear', recv: 1_739_502_303_300, frame });
    await ing.flush();
    const events = published.map((m) => m.value as NormalizedEvent).filter((e): e is LiquidationEvent => e.type === 'liquidation');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ symbol: '1000PEPEUSDT', base: 'PEPE', qty: 20_000_000, price: 0.01052 / 1000, notionalUsd: 20_000 * 0.01052 });
  });
});
