import fc from 'fast-check';
import { getLogsFrame } from '../../src/venues/evm/encode.js';
import type { VenueMetadata } from '../../src/venues/venue.js';
import type { RpcLog } from '../../src/venues/evm/schema.js';
import { EVM_VENUES, evmSample } from './evm-logs.js';
import { key, reserveOf, sig, transactionResult, txFrame, USDC, WSOL, type LiquidationSpec } from './solana-txs.js';

/**
 * Per venue id: how one message of that venue is built from entries, a valid entry (one event each) and an entry
 * the parser must refuse (a market it cannot value, or a field that fails the entry's schema). The per-entry
 * property test (test/venues/entry-by-entry.test.ts) runs over every registered venue and fails for a venue with
 * no generator here, so a new venue gets one when it is registered.
 */
export interface EntryGenerator {
  /** Most entries one message carries: 1 for a venue whose every message is one liquidation (Binance). */
  maxEntries: number;
  /** Frames the parser sees first (on-chain venues: the oracle answers that price their liquidations). */
  setup?: readonly string[];
  /** The venue's metadata when its defaults cannot parse the entries (on-chain venues whose contracts need discovery). */
  metadata?: VenueMetadata;
  /** A valid entry; `i` (its place among the message's valid entries) makes its event id unique. */
  valid(i: number): fc.Arbitrary<unknown>;
  /** An entry the parser cannot use. */
  invalid: fc.Arbitrary<unknown>;
  /** The message that carries these entries, in this order. */
  message(entries: unknown[]): string;
}

/** Receive time the property test uses; entries are timed just before it. */
export const ENTRY_RECV = 1_760_130_900_000;
const T = ENTRY_RECV - 60_000;

/** A positive decimal string of at most 3 fraction digits, small enough to keep every notional ordinary. */
const decimal = (max: number) => fc.integer({ min: 1, max: max * 1000 }).map((n) => (n / 1000).toString());
const number = (max: number) => fc.integer({ min: 1, max: max * 1000 }).map((n) => n / 1000);

function binance(venue: 'binance-usdm' | 'binance-coinm'): EntryGenerator {
  const order = (s: string, ps: string | undefined, i: number) =>
    fc.record({ S: fc.constantFrom('BUY', 'SELL'), z: decimal(100), ap: decimal(100_000) }).map(({ S, z, ap }) => ({
      s,
      ...(ps === undefined ? {} : { ps }),
      S,
      o: 'LIMIT',
      f: 'IOC',
      q: z,
      p: ap,
      ap,
      X: 'FILLED',
      l: z,
      z,
      T: T + i,
    }));
  const coinm = venue === 'binance-coinm';
  return {
    // Every forceOrder message is one liquidation: the property can only try k = 0 (the frame is the entry).
    maxEntries: 1,
    valid: (i) => (coinm ? order('BTCUSD_PERP', 'BTCUSD', i) : order('BTCUSDT', undefined, i)),
    // USD-M: quoted in BTC with no BTC reference price yet. COIN-M: a name no market has (a control character).
    invalid: coinm ? order('BTC\u0000USD_PERP', 'BTCUSD', 0) : order('ETHBTC', undefined, 0),
    message: ([o]) => JSON.stringify({ stream: '!forceOrder@arr', data: { e: 'forceOrder', E: T, o } }),
  };
}

function bybit(symbol: string, other: string): EntryGenerator {
  return {
    maxEntries: 50,
    valid: (i) => fc.record({ S: fc.constantFrom('Buy', 'Sell'), v: decimal(1000), p: decimal(100_000) }).map((e) => ({ T: T + i, s: symbol, ...e })),
    // Another symbol than the topic's, or a size Bybit never writes.
    invalid: fc.oneof(fc.constant({ T, s: other, S: 'Buy', v: '1', p: '1' }), fc.constant({ T, s: symbol, S: 'Buy', v: '1e3', p: '1' })),
    message: (data) => JSON.stringify({ topic: `allLiquidation.${symbol}`, type: 'snapshot', ts: T, data }),
  };
}

function gate(contract: string, unvaluable: string): EntryGenerator {
  return {
    maxEntries: 50,
    valid: (i) => fc.record({ size: fc.integer({ min: -1000, max: 1000 }).filter((n) => n !== 0), price: number(100_000) }).map((e) => ({ contract, ...e, time_ms: T + i })),
    // A contract listed after the last contract-list poll (or of the other settle): no contract value.
    invalid: fc.constant({ contract: unvaluable, size: -5, price: 1.5, time_ms: T }),
    message: (result) => JSON.stringify({ channel: 'futures.public_liquidates', event: 'update', time: Math.floor(T / 1000), time_ms: T, result }),
  };
}

const user = (i: number) => `0x${(i + 1).toString(16).padStart(40, '0')}`;
const fill = (i: number, over: Record<string, unknown> = {}) => ({
  coin: 'BTC',
  px: '100000.5',
  sz: '0.25',
  side: 'A',
  time: T + i,
  startPosition: '0.25',
  dir: 'Liquidated Cross Long',
  tid: 1000 + i,
  liquidation: { liquidatedUser: user(i), markPx: '100001', method: 'market' },
  ...over,
});

/** An on-chain venue: an eth_getLogs response of liquidation logs; the bad entry is the same log from a contract that is not the protocol's. */
function evm(venue: string): EntryGenerator {
  const sample = evmSample(venue);
  const amount = fc.bigInt({ min: 1n, max: 10n ** 12n });
  return {
    maxEntries: 50,
    setup: [getLogsFrame('ethereum', sample.prices)],
    ...(sample.metadata ? { metadata: sample.metadata } : {}),
    valid: (i) => fc.tuple(amount, amount).map(([c, d]) => sample.liquidation(2, 10 + i, c, d)),
    invalid: fc.constant({ ...sample.liquidation(2, 9, 1n, 1n), address: '0x9999999999999999999999999999999999999999' }),
    // A liquidation that needs a closing log (Comet's AbsorbDebt) has it right after it, as on chain.
    message: (logs) => getLogsFrame('ethereum', sample.closing ? logs.flatMap((l) => [l, ...[sample.closing!(l as RpcLog)].filter((c) => c !== undefined)]) : logs),
  };
}

/**
 * Kamino: a transaction (getTransaction answer with its price accounts) of liquidation instructions; the bad entry is
 * a liquidation of a reserve the accounts' answer does not price, dead-lettered as its instruction. It is placed last
 * in the transaction, so the valid ones keep their places (an event's id is its instruction's place).
 */
function kamino(): EntryGenerator {
  const slot = 370_000_000;
  const amount = fc.bigInt({ min: 1n, max: 10n ** 15n });
  const unpriced: LiquidationSpec = { debtMint: USDC, collateralMint: key('unpriced mint'), repaid: 1n, seized: 1n };
  const badInstruction = (transactionResult({ signature: sig('entries'), slot, blockTime: 0, liquidations: [unpriced] }) as { transaction: { message: { instructions: unknown[] } } }).transaction.message.instructions[0];
  const priced = [
    { address: reserveOf(WSOL).reserve, mint: WSOL, usd: 182.25, slot },
    { address: reserveOf(USDC).reserve, mint: USDC, usd: 1, slot },
  ];
  return {
    maxEntries: 20,
    valid: () => fc.tuple(amount, amount).map(([repaid, seized]): LiquidationSpec => ({ debtMint: USDC, collateralMint: WSOL, repaid, seized })),
    invalid: fc.constant(badInstruction),
    message: (entries) => {
      const specs = entries.filter((e) => e !== badInstruction) as LiquidationSpec[];
      const liquidations = entries.length > specs.length ? [...specs, unpriced] : specs;
      return txFrame({ signature: sig('entries'), slot, blockTime: 1_760_130_800, liquidations }, priced);
    },
  };
}

export const ENTRY_GENERATORS: Record<string, EntryGenerator> = {
  ...Object.fromEntries(EVM_VENUES.map((v) => [v, evm(v)])),
  kamino: kamino(),
  'binance-usdm': binance('binance-usdm'),
  'binance-coinm': binance('binance-coinm'),
  'bybit-linear': bybit('BTCUSDT', 'ETHUSDT'),
  'bybit-inverse': bybit('BTCUSD', 'ETHUSD'),
  hyperliquid: {
    maxEntries: 50,
    valid: (i) => fc.record({ px: decimal(100_000), sz: decimal(100) }).map((v) => [user(i), fill(i, v)]),
    // A marked fill whose liquidation method is not one Hyperliquid names.
    invalid: fc.constant([user(999), fill(999, { liquidation: { liquidatedUser: user(999), markPx: '1', method: 'magic' } })]),
    message: (data) => JSON.stringify({ channel: 'fills', data }),
  },
  okx: {
    maxEntries: 50,
    valid: (i) =>
      fc.record({ side: fc.constantFrom('buy', 'sell'), sz: decimal(1000), bkPx: decimal(100_000) }).map((d) => ({
        instId: 'BTC-USDT-SWAP',
        instType: 'SWAP',
        details: [{ bkLoss: '0', ccy: '', posSide: 'net', ...d, ts: String(T + i) }],
      })),
    // An instrument neither the market list nor the built-in table knows: its contract value is unknown.
    invalid: fc.constant({ instId: 'NEWCOIN-USDT-SWAP', instType: 'SWAP', details: [{ bkLoss: '0', ccy: '', posSide: 'net', side: 'sell', sz: '3', bkPx: '1.5', ts: String(T) }] }),
    message: (data) => JSON.stringify({ arg: { channel: 'liquidation-orders', instType: 'SWAP' }, data }),
  },
  'htx-linear': {
    maxEntries: 50,
    valid: (i) =>
      fc.record({ direction: fc.constantFrom('buy', 'sell'), amount: number(100), price: number(100_000) }).map(({ direction, amount, price }) => ({
        contract_code: 'BTC-USDT',
        symbol: 'BTC',
        direction,
        offset: 'close',
        volume: amount * 1000,
        price,
        created_at: T + i,
        amount,
        trade_turnover: amount * price,
      })),
    // A partition whose quote has no USD price.
    invalid: fc.constant({ contract_code: 'BTC-EUR', symbol: 'BTC', direction: 'sell', offset: 'close', volume: 1, price: 1, created_at: T, amount: 1, trade_turnover: 1, trade_partition: 'EUR' }),
    message: (data) => JSON.stringify({ op: 'notify', topic: 'public.*.liquidation_orders', ts: T, data }),
  },
  'gate-usdt': gate('BTC_USDT', 'NEWCOIN_USDT'),
  'gate-btc': gate('BTC_USD', 'BTC_USDT'),
  deribit: {
    maxEntries: 50,
    valid: (i) =>
      fc.record({ direction: fc.constantFrom('buy', 'sell'), liquidation: fc.constantFrom('M', 'T'), amount: number(10_000), price: number(100_000) }).map((t) => ({
        trade_id: String(i + 1),
        instrument_name: 'BTC-PERPETUAL',
        timestamp: T + i,
        ...t,
      })),
    // Quoted in BTC, and the parser keeps no BTC price: it cannot value it.
    invalid: fc.constant({ trade_id: '999', instrument_name: 'ETH_BTC-PERPETUAL', timestamp: T, price: 0.037, amount: 10, direction: 'sell', liquidation: 'T' }),
    message: (data) => JSON.stringify({ jsonrpc: '2.0', method: 'subscription', params: { channel: 'trades.future.any.100ms', data } }),
  },
  dydx: {
    maxEntries: 50,
    valid: (i) =>
      // One event per entry: a DELEVERAGED trade is two (the insolvent side and its ADL counterparty; dydx-parse tests).
      fc.record({ side: fc.constantFrom('BUY', 'SELL'), type: fc.constant('LIQUIDATED'), size: decimal(100), price: decimal(100_000) }).map((t) => ({
        id: `t${i}`,
        ...t,
        createdAt: new Date(T + i).toISOString(),
      })),
    // A size dYdX never writes.
    invalid: fc.constant({ id: 'bad', size: '1e3', price: '1', side: 'SELL', createdAt: new Date(T).toISOString(), type: 'LIQUIDATED' }),
    message: (trades) => JSON.stringify({ type: 'channel_data', connection_id: 'c', message_id: 2, channel: 'v4_trades', id: 'BTC-USD', contents: { trades } }),
  },
  bitmex: {
    maxEntries: 50,
    valid: (i) =>
      fc.record({ side: fc.constantFrom('Buy', 'Sell'), price: number(100_000), leavesQty: fc.integer({ min: 1, max: 1_000_000 }) }).map((r) => ({
        orderID: `00000000-0000-0000-0000-${i.toString(16).padStart(12, '0')}`,
        symbol: 'XBTUSD',
        ...r,
      })),
    // A quanto contract before the first BTC price: it cannot be valued yet.
    invalid: fc.constant({ orderID: 'ffffffff-0000-0000-0000-000000000000', symbol: 'ETHUSD', side: 'Sell', price: 4000, leavesQty: 1000 }),
    message: (data) => JSON.stringify({ table: 'liquidation', action: 'insert', data }),
  },
  'kraken-futures': {
    maxEntries: 50,
    valid: (i) =>
      fc.record({ side: fc.constantFrom('buy', 'sell'), qty: number(100), price: number(100_000) }).map((t) => ({
        feed: 'trade',
        product_id: 'PF_XBTUSD',
        uid: `u${i}`,
        type: 'liquidation',
        seq: i,
        time: T + i,
        ...t,
      })),
    // An index is no product: nothing to value.
    invalid: fc.constant({ feed: 'trade', product_id: 'in_xbtusd', uid: 'bad', side: 'sell', type: 'liquidation', seq: 0, time: T, qty: 1, price: 1 }),
    message: (trades) => JSON.stringify({ feed: 'trade_snapshot', product_id: 'PF_XBTUSD', trades }),
  },
  bitfinex: {
    maxEntries: 50,
    valid: (i) =>
      fc.record({ amount: fc.integer({ min: -100_000, max: 100_000 }).filter((n) => n !== 0), price: number(100_000) }).map(({ amount, price }) => [
        'pos',
        i + 1,
        T + i,
        null,
        'tBTCF0:USTF0',
        amount / 1000,
        price,
        null,
        0,
        1,
        null,
        price,
      ]),
    // A EUR-quoted margin trigger: no USD price of EUR.
    invalid: fc.constant(['pos', 999_999, T, null, 'tBTCEUR', 0.5, 90_000, null, 0, 0, null, 90_000]),
    message: (entries) => JSON.stringify([91684, entries]),
  },
  bitget: {
    maxEntries: 50,
    valid: (i) => fc.record({ side: fc.constantFrom('buy', 'sell'), price: decimal(100_000), amount: decimal(1_000_000) }).map((r) => ({ symbol: 'BTCUSDT', ...r, ts: String(T + i) })),
    // A symbol without its quote suffix: its base coin is unknown.
    invalid: fc.constant({ symbol: 'BTC', side: 'buy', price: '1', amount: '1', ts: String(T) }),
    message: (data) => JSON.stringify({ data, arg: { instType: 'usdt-futures', topic: 'liquidation' }, action: 'update', ts: T }),
  },
};
