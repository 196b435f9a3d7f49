import ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import { binanceMarketsFrom, fetchBinanceMarkets, type BinanceMarket } from '../../src/venues/binance/markets.js';
import type { BinanceVenue } from '../../src/venues/binance/parse.js';
import { fixture } from '../support/fixtures.js';

const INFO: Record<BinanceVenue, unknown> = {
  'binance-usdm': JSON.parse(fixture('binance-usdm-exchangeinfo-1.json')),
  'binance-coinm': JSON.parse(fixture('binance-coinm-exchangeinfo-1.json')),
};

/** ccxt's fetchMarkets over the same answer, mapped as liqstream mapped it when it used ccxt at run time. */
async function ccxtMarkets(venue: BinanceVenue): Promise<BinanceMarket[]> {
  const exchange = venue === 'binance-usdm' ? new ccxt.binanceusdm() : new ccxt.binancecoinm();
  const stub = async () => INFO[venue];
  Object.assign(exchange, venue === 'binance-usdm' ? { fapiPublicGetExchangeInfo: stub } : { dapiPublicGetExchangeInfo: stub });
  const markets = await exchange.fetchMarkets();
  return markets
    .filter((m): m is NonNullable<typeof m> => m !== undefined && m.contract === true && (venue === 'binance-usdm' ? m.linear : m.inverse) === true)
    .map((m) => {
      const info = m.info as Record<string, unknown>;
      return {
        symbol: String(m.id),
        pair: String(info.pair ?? m.id),
        base: String(m.base),
        contractSize: Number(m.contractSize ?? 1),
        perpetual: m.swap === true,
        quote: String(m.quote),
        settle: String(m.settle ?? m.quote),
      };
    });
}

describe('Binance exchangeInfo → markets', () => {
  it.each(['binance-usdm', 'binance-coinm'] as const)('%s: the same markets as ccxt fetchMarkets (oracle)', async (venue) => {
    expect(binanceMarketsFrom(venue, INFO[venue])).toEqual(await ccxtMarkets(venue));
  });

  it('exact list: perpetual by contractType or by the year-2100 delivery date; COIN-M contract sizes', () => {
    expect(binanceMarketsFrom('binance-usdm', INFO['binance-usdm']).map((m) => [m.symbol, m.perpetual, m.quote, m.settle])).toEqual([
      ['BTCUSDT', true, 'USDT', 'USDT'],
      ['1000PEPEUSDC', true, 'USDC', 'USDC'],
      ['ETHBTC', true, 'BTC', 'BTC'],
      ['BTCUSDT_251226', false, 'USDT', 'USDT'],
      ['BTCSTUSDT', true, 'USDT', 'USDT'],
      ['SRMUSDT', false, 'USDT', 'USDT'],
    ]);
    expect(binanceMarketsFrom('binance-coinm', INFO['binance-coinm']).map((m) => [m.symbol, m.pair, m.contractSize, m.perpetual])).toEqual([
      ['BTCUSD_PERP', 'BTCUSD', 100, true],
      ['ETHUSD_PERP', 'ETHUSD', 10, true],
      ['BTCUSD_251226', 'BTCUSD', 100, false],
      ['XRPUSD_PERP', 'XRPUSD', 10, true],
    ]);
  });

  it('a venue keeps only its own margin kind (COIN-M contracts in a USD-M answer are dropped)', () => {
    expect(binanceMarketsFrom('binance-usdm', INFO['binance-coinm'])).toEqual([]);
  });

  it('GETs /fapi/v1 and /dapi/v1 exchangeInfo under the configured base URL', async () => {
    const urls: string[] = [];
    const fetchImpl = (async (url: string) => {
      urls.push(url);
      return new Response(JSON.stringify(INFO[url.includes('/dapi/') ? 'binance-coinm' : 'binance-usdm']));
    }) as typeof fetch;
    expect(await fetchBinanceMarkets('binance-usdm', { fetchImpl })).toHaveLength(6);
    expect(await fetchBinanceMarkets('binance-coinm', { fetchImpl, baseUrl: 'http://127.0.0.1:9/' })).toHaveLength(4);
    expect(urls).toEqual(['https://fapi.binance.com/fapi/v1/exchangeInfo', 'http://127.0.0.1:9/dapi/v1/exchangeInfo']);
  });

  it('HTTP errors and unexpected answers throw, naming the venue', async () => {
    const answer = (status: number, body: unknown) => (async () => new Response(JSON.stringify(body), { status })) as unknown as typeof fetch;
    await expect(fetchBinanceMarkets('binance-usdm', { fetchImpl: answer(418, {}) })).rejects.toThrow('binance-usdm exchangeInfo: HTTP 418');
    await expect(fetchBinanceMarkets('binance-coinm', { fetchImpl: answer(200, { code: -1121, msg: 'Invalid symbol.' }) })).rejects.toThrow(
      'binance-coinm exchangeInfo: unexpected response: symbols: ',
    );
    await expect(fetchBinanceMarkets('binance-usdm', { fetchImpl: answer(200, { symbols: [{ symbol: 'X' }] }) })).rejects.toThrow('unexpected response: symbols.0.baseAsset');
  });
});
