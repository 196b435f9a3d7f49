import { describe, expect, it } from 'vitest';
import { symbolOf, type NormalizedEvent } from '../../src/schema/events.js';
import { createBitfinexParser } from '../../src/venues/bitfinex/parse.js';
import { createBitmexParser } from '../../src/venues/bitmex/parse.js';
import { createDeribitParser } from '../../src/venues/deribit/parse.js';
import { createGateParser } from '../../src/venues/gate/parse.js';
import { createOkxParser } from '../../src/venues/okx/parse.js';
import type { ParseResult } from '../../src/venues/venue.js';

/**
 * The issue's five cases of one unvaluable entry costing a whole message, and the field drift it names: each
 * gives the valid entries' events, and the one it cannot use is refused on its own with its JSON text and reason.
 * Before entry-by-entry results, every message below was rejected whole (the valid liquidation lost with it).
 */
const RECV = 1_760_130_900_000;
const T = RECV - 1_000;

const usd = (r: ParseResult) => (r.ok ? r.events.map((e: NormalizedEvent) => [symbolOf(e) ?? '', e.type === 'liquidation' ? e.notionalUsd : e.type === 'open_interest' ? e.oiUsd : 0]) : r.reason);
const refusedOf = (r: ParseResult) => (r.ok ? (r.rejected ?? []).map((x) => [JSON.parse(x.entry) as unknown, x.reason]) : r.reason);

describe('one unvaluable entry costs only itself', () => {
  it('OKX: a BTC-USDT-SWAP liquidation counts beside an instrument not in the market list', () => {
    const other = { instId: 'NEWCOIN-USDT-SWAP', instType: 'SWAP', details: [{ side: 'sell', posSide: 'net', sz: '3', bkPx: '1.5', ts: String(T) }] };
    const btc = { instId: 'BTC-USDT-SWAP', instType: 'SWAP', details: [{ side: 'sell', posSide: 'net', sz: '100', bkPx: '110000', ts: String(T) }] };
    const r = createOkxParser()(JSON.stringify({ arg: { channel: 'liquidation-orders', instType: 'SWAP' }, data: [other, btc] }), RECV);
    // 100 contracts × 0.01 BTC × 110,000
    expect(usd(r)).toEqual([['BTC-USDT-SWAP', 110_000]]);
    expect(refusedOf(r)).toEqual([[other, 'unknown instrument NEWCOIN-USDT-SWAP: not in the market list nor the built-in table, so its contract value is unknown']]);
  });

  it('Gate: a BTC_USDT liquidation counts beside a contract listed before the first contract-list poll', () => {
    const fresh = { contract: 'NEWCOIN_USDT', size: -5, price: 1.5, time_ms: T };
    const btc = { contract: 'BTC_USDT', size: '-10000', price: '110000', time_ms: T };
    const r = createGateParser({ venue: 'gate-usdt' })(JSON.stringify({ channel: 'futures.public_liquidates', event: 'update', time: 1, time_ms: T, result: [btc, fresh] }), RECV);
    // 10,000 contracts × 0.0001 BTC × 110,000
    expect(usd(r)).toEqual([['BTC_USDT', 110_000]]);
    expect(refusedOf(r)).toEqual([[fresh, 'no contract value for "NEWCOIN_USDT" (not in the contract list or the built-in table)']]);
  });

  it('Bitfinex: a $110k BTC perpetual trigger counts beside a tBTCEUR margin trigger', () => {
    const eur = ['pos', 2, T, null, 'tBTCEUR', 1, 95_000, null, 0, 0, null, 95_000];
    const perp = ['pos', 1, T, null, 'tBTCF0:USTF0', -1, 100_000, null, 0, 1, null, 110_000];
    const r = createBitfinexParser()(JSON.stringify([91684, [eur, perp]]), RECV);
    expect(usd(r)).toEqual([['tBTCF0:USTF0', 110_000]]);
    expect(refusedOf(r)).toEqual([[eur, 'no reference price: tBTCEUR is quoted in EUR and no EUR USD price was seen within 300000 ms; left out of USD totals']]);
  });

  it('Deribit: a $250k BTC-PERPETUAL liquidation counts beside a row of a currency it cannot value', () => {
    const eth = { trade_id: '2', instrument_name: 'ETH_BTC-PERPETUAL', timestamp: T, price: 0.037, amount: 10, direction: 'sell', liquidation: 'T' };
    const btc = { trade_id: '1', instrument_name: 'BTC-PERPETUAL', timestamp: T, price: 110_000, amount: 250_000, direction: 'sell', liquidation: 'T' };
    const r = createDeribitParser()(JSON.stringify({ jsonrpc: '2.0', method: 'subscription', params: { channel: 'trades.future.any.100ms', data: [btc, eth] } }), RECV);
    expect(usd(r)).toEqual([['BTC-PERPETUAL', 250_000]]);
    expect(refusedOf(r)).toEqual([[eth, expect.stringMatching(/^no reference price: ETH_BTC-PERPETUAL is quoted in BTC/)]]);
  });

  it('BitMEX: a $1M XBTUSD insert counts beside an ETHUSD quanto row that came before the first BTC price', () => {
    const eth = { orderID: 'ffffffff-0000-0000-0000-000000000000', symbol: 'ETHUSD', side: 'Sell', price: 4000, leavesQty: 1000 };
    const xbt = { orderID: '00000000-0000-0000-0000-000000000001', symbol: 'XBTUSD', side: 'Sell', price: 110_000, leavesQty: 1_000_000 };
    const r = createBitmexParser()(JSON.stringify({ table: 'liquidation', action: 'insert', data: [eth, xbt] }), RECV);
    expect(usd(r)).toEqual([['XBTUSD', 1_000_000]]);
    expect(refusedOf(r)).toEqual([[eth, expect.stringMatching(/^no reference price: ETHUSD /)]]);
  });
});

describe('field drift', () => {
  const gate = (entry: Record<string, unknown>) =>
    createGateParser({ venue: 'gate-usdt' })(JSON.stringify({ channel: 'futures.public_liquidates', event: 'update', time: 1, time_ms: T, result: [entry] }), RECV);
  const entry = { contract: 'BTC_USDT', size: -10, price: 110_000 };
  const timeOf = (r: ParseResult) => (r.ok ? r.events.map((e) => e.type === 'liquidation' && e.eventTime) : r.reason);

  it('Gate: an entry with `time` (ms) and no `time_ms` is read; `time_ms` wins when both are there', () => {
    expect(timeOf(gate({ ...entry, time: 1_760_130_899_123 }))).toEqual([1_760_130_899_123]);
    expect(timeOf(gate({ ...entry, time: 1_760_130_899_123, time_ms: 1_760_130_899_456 }))).toEqual([1_760_130_899_456]);
    // A `time` in seconds (the envelope's unit) is not read as milliseconds of 1970.
    expect(timeOf(gate({ ...entry, time: 1_760_130_899 }))).toEqual([1_760_130_899_000]);
    // Neither: the entry is refused on its own, with its reason.
    expect(refusedOf(gate(entry))).toEqual([[entry, 'entry without time_ms or time for "BTC_USDT"']]);
  });

  it("Bitfinex: the docs example's fractional TIME_MS is read, truncated to the millisecond", () => {
    const r = createBitfinexParser()(JSON.stringify([91684, [['pos', 7, 1574697680828.2002, null, 'tBTCF0:USTF0', -0.5, 7000, null, 0, 1, null, 7100]]]), 1_574_697_681_000);
    expect(timeOf(r)).toEqual([1_574_697_680_828]);
  });

  it("Gate: a row of another contract type on the BTC contract list costs that row only; BTC_USD's open interest is stated", () => {
    const direct = { name: 'BTC_USDT', type: 'direct', quanto_multiplier: '0.0001', mark_price: '110000', position_size: 100 };
    const inverse = { name: 'BTC_USD', type: 'inverse', quanto_multiplier: '0', mark_price: '110000', position_size: 2_500_000 };
    const r = createGateParser({ venue: 'gate-btc' })(JSON.stringify([direct, inverse]), RECV);
    expect(usd(r)).toEqual([['BTC_USD', 2_500_000]]);
    expect(refusedOf(r)).toEqual([[direct, 'contract "BTC_USDT" does not fit gate-btc (type direct, quanto_multiplier 0.0001)']]);
  });

  it('Bitfinex: a EURT-settled perpetual row of /v2/status/deriv is dead-lettered, not skipped; the USDT one is stated', () => {
    const row = (key: string, mark: number, oi: number) => [key, T, null, mark, mark, null, 0, null, T + 3_600_000, 0, 0, null, 0, null, null, mark, null, null, oi, null, null, null, 0, 0];
    const eurt = row('tBTCF0:EUTF0', 95_000, 10);
    const r = createBitfinexParser()(JSON.stringify([row('tBTCF0:USTF0', 110_000, 20), eurt]), RECV);
    expect(usd(r)).toEqual([['tBTCF0:USTF0', 2_200_000]]);
    expect(refusedOf(r)).toEqual([[eurt, 'no reference price: tBTCF0:EUTF0 is quoted in EURT and no EURT USD price was seen within 300000 ms; left out of USD totals']]);
  });
});
