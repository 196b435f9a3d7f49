import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createBitfinexParser } from '../../src/venues/bitfinex/parse.js';
import { readLiquidationFrame as readBitfinex } from '../../src/venues/bitfinex/fast-frame.js';
import { createBitgetParser } from '../../src/venues/bitget/parse.js';
import { readLiquidationFrame as readBitget } from '../../src/venues/bitget/fast-frame.js';
import { createBitmexParser } from '../../src/venues/bitmex/parse.js';
import { readInsertFrame } from '../../src/venues/bitmex/fast-frame.js';
import { createDydxParser } from '../../src/venues/dydx/parse.js';
import { readTradesFrame as readDydx } from '../../src/venues/dydx/fast-frame.js';
import { createDeribitParser } from '../../src/venues/deribit/parse.js';
import { readTradesFrame } from '../../src/venues/deribit/fast-frame.js';
import { createGateParser } from '../../src/venues/gate/parse.js';
import { readLiquidatesFrame } from '../../src/venues/gate/fast-frame.js';
import { createHtxParser } from '../../src/venues/htx/parse.js';
import { readNotifyFrame } from '../../src/venues/htx/fast-frame.js';
import { createKrakenParser } from '../../src/venues/kraken/parse.js';
import { readTradeFrame } from '../../src/venues/kraken/fast-frame.js';
import { MAX_EPOCH_MS } from '../../src/venues/fields.js';
import { isShortestText } from '../../src/venues/scan.js';
import { assertFastPathExact, generatedAndMutated } from '../support/fast-path.js';
import { fixture } from '../support/fixtures.js';
import { HOSTILE_NUMERIC_STRINGS } from '../support/hostile.js';

/**
 * The fast paths of the venues added after the simulator's five (one flat-object scan per entry, scan.ts
 * `flatObject`): for every frame, generated valid or mutated, a parser with its fast path gives exactly what the
 * full path (JSON.parse and the schemas) gives, events and rejections, and leaves the same state behind.
 */

const RUNS = 400;
const compact = (name: string): string => JSON.stringify(JSON.parse(fixture(name)));

// Mostly the values venues send (varied, so no two frames alike), sometimes what the schemas refuse.
const positive = fc.oneof(
  { weight: 6, arbitrary: fc.double({ min: 1e-8, max: 1e9, noNaN: true }) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 10_000_000 }) },
  fc.constantFrom(0, -1, 1e-7, 1e21, 0.1, 123456789.123456789),
);
const decimalText = fc.tuple(fc.nat(), fc.option(fc.nat(), { nil: undefined })).map(([i, f]) => (f === undefined ? `${i}` : `${i}.${f}`));
const numericText = fc.oneof({ weight: 6, arbitrary: decimalText }, fc.constantFrom(...HOSTILE_NUMERIC_STRINGS));
const time = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1_500_000_000_000, max: MAX_EPOCH_MS }) }, fc.constantFrom(MAX_EPOCH_MS + 1, -1, 1.5, 0));
const withStrings = <T>(a: fc.Arbitrary<T>) => fc.oneof({ weight: 8, arbitrary: a as fc.Arbitrary<unknown> }, fc.constantFrom('x', '', null, true, 1, [1]));

/** An object with its keys in the documented order, or (sometimes) shuffled, or one left out. */
function objectOf(shape: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Record<string, unknown>> {
  const keys = Object.keys(shape);
  return fc.tuple(fc.record(shape), fc.nat({ max: 9 }), fc.nat({ max: keys.length - 1 })).map(([o, how, k]) => {
    if (how === 0) return Object.fromEntries(Object.entries(o).reverse());
    if (how === 1) return Object.fromEntries(Object.entries(o).filter(([key]) => key !== keys[k]));
    return o;
  });
}
const framesOf = (frame: fc.Arbitrary<string>, ...docs: string[]) =>
  fc.array(generatedAndMutated(fc.oneof({ weight: 4, arbitrary: frame }, fc.constantFrom(...docs))), { minLength: 1, maxLength: 6 });

describe('Kraken Futures fast path', () => {
  const trade = objectOf({
    feed: fc.constantFrom('trade', 'trade', 'trade', 'trade_snapshot'),
    product_id: fc.constantFrom('PF_XBTUSD', 'PI_XRPUSD', 'PI_ETHUSD', 'FI_XBTUSD_251226', 'PF_SOLUSD', 'no market', ''),
    uid: fc.oneof(fc.uuid(), fc.constant('')),
    side: fc.constantFrom('buy', 'sell', 'Sell'),
    type: fc.constantFrom('liquidation', 'liquidation', 'fill', 'termination'),
    seq: fc.nat(),
    time: withStrings(time),
    qty: withStrings(positive),
    price: withStrings(positive),
  }).map((o) => JSON.stringify(o));
  const docs = [compact('kraken-futures-trade-2.json'), compact('kraken-futures-trade-3.json'), compact('kraken-futures-trade-1.json')];

  it('reads the documented trade frames', () => {
    expect(readTradeFrame(docs[0]!)).toMatchObject({ product_id: 'PI_XRPUSD', type: 'liquidation', qty: 12000, price: 0.1736 });
    expect(readTradeFrame(` ${docs[0]!}`)).toBeUndefined();
  });
  it('property: the full path result for every frame', () => assertFastPathExact(() => createKrakenParser(), framesOf(trade, ...docs), RUNS));
});

const list = <T>(a: fc.Arbitrary<T>) => fc.array(a, { maxLength: 4 });
// A number, or (sometimes) its decimal text: the venues that accept both.
const amount = fc.oneof({ weight: 3, arbitrary: positive as fc.Arbitrary<unknown> }, numericText);

describe('Deribit fast path', () => {
  const trade = fc
    .record({
      trade_seq: fc.nat(),
      trade_id: fc.oneof(fc.nat().map(String), fc.constant('')),
      timestamp: withStrings(time),
      tick_direction: fc.nat({ max: 3 }),
      price: withStrings(positive),
      mark_price: positive,
      liquidation: fc.constantFrom('T', 'M', 'MT', 'X', undefined, undefined),
      instrument_name: fc.constantFrom('BTC-PERPETUAL', 'ETH-PERPETUAL', 'BTC-27DEC25', 'BTC-27DEC25-100000-C', 'x y', ''),
      index_price: positive,
      direction: fc.constantFrom('buy', 'sell', 'Buy'),
      contracts: positive,
      amount: withStrings(positive),
    })
    .chain((t) => fc.tuple(fc.constant(t), fc.boolean(), fc.boolean(), fc.nat({ max: 3 }), fc.constantFrom(undefined, undefined, 'M', 'T', 'x')))
    .map(([t, mark, contracts, layout, twice]) => {
      const { mark_price, contracts: c, liquidation, index_price, ...rest } = t;
      const o: Record<string, unknown> = {};
      // layout 0/1: the docs' (index_price after instrument_name, liquidation before it); 2: the simulator's
      // (index_price before, liquidation last); 3: liquidation written before and (as `twice`) last.
      for (const [k, v] of Object.entries(rest)) {
        if (k === 'instrument_name') {
          if (mark) o.mark_price = mark_price;
          if (liquidation !== undefined && layout !== 2) o.liquidation = liquidation;
          if (layout === 2) o.index_price = index_price;
        }
        if (k === 'direction' && layout !== 2) o.index_price = index_price;
        if (k === 'amount' && contracts) o.contracts = c;
        o[k] = v;
      }
      if (liquidation !== undefined && layout === 2) o.liquidation = liquidation;
      if (layout === 3 && twice !== undefined) o.liquidation = twice;
      return o;
    });
  const frame = fc
    .tuple(fc.constantFrom('trades.future.any.100ms', 'trades.BTC-PERPETUAL.raw', 'book.x'), list(trade))
    .map(([channel, data]) => JSON.stringify({ jsonrpc: '2.0', method: 'subscription', params: { channel, data } }));
  const docs = [compact('deribit-trades-1.json'), compact('deribit-trades-2.json')];

  it('reads the documented trade frames', () => {
    expect(readTradesFrame(docs[0]!)).toEqual([{ trade_id: '66460463', instrument_name: 'BTC-PERPETUAL', timestamp: 1584058044032, price: 4469.5, amount: 1120, direction: 'sell', liquidation: 'T' }]);
  });
  it('reads the simulator\'s layout: index_price before instrument_name, liquidation last', () => {
    const frame =
      '{"jsonrpc":"2.0","method":"subscription","params":{"channel":"trades.future.any.100ms","data":[{"trade_seq":123000000,"trade_id":"523000000","timestamp":1760128234570,' +
      '"tick_direction":2,"price":217.75,"mark_price":217.75,"index_price":217.75,"instrument_name":"SOL_USDC-PERPETUAL","direction":"buy","amount":11.2,"liquidation":"M"}]}}';
    expect(readTradesFrame(frame)).toEqual([{ trade_id: '523000000', instrument_name: 'SOL_USDC-PERPETUAL', timestamp: 1760128234570, price: 217.75, amount: 11.2, direction: 'buy', liquidation: 'M' }]);
  });
  it('property: the full path result for every frame', () => assertFastPathExact(() => createDeribitParser(), framesOf(frame, ...docs), RUNS));
});

describe('Gate fast path', () => {
  const entry = objectOf({
    price: fc.oneof(amount, fc.constant(null)),
    size: fc.oneof(fc.integer({ min: -100_000, max: 100_000 }), fc.integer({ min: -100_000, max: 100_000 }).map(String), numericText),
    time_ms: withStrings(time),
    contract: fc.constantFrom('BTC_USDT', 'ETH_USDT', 'BTC_USD', 'SOL_USDT', 'no market', ''),
  });
  const frame = fc
    .tuple(fc.constantFrom('update', 'update', 'all'), fc.integer({ min: 1_500_000_000, max: 1_800_000_000 }), list(entry))
    .map(([event, time, result]) => JSON.stringify({ channel: 'futures.public_liquidates', event, time, time_ms: time * 1000 + 123, result }));
  const docs = [compact('gate-usdt-public-liquidates-1.json'), compact('gate-btc-public-liquidates-1.json')];

  it('reads the documented frame', () => {
    expect(readLiquidatesFrame(docs[0]!)).toEqual([{ contract: 'BTC_USDT', price: 215.1, priceText: '215.1', size: '-124', time_ms: 1541486601123 }]);
  });
  it.each(['gate-usdt', 'gate-btc'] as const)('property: %s gives the full path result for every frame', (venue) =>
    assertFastPathExact(() => createGateParser({ venue }), framesOf(frame, ...docs), RUNS),
  );
  // Gate's plain layout (price a plain number, size a signed decimal string) is read at known positions: numbers
  // too long for a double, zero and negative zero, leading zeros, another contract in the next entry.
  const plainFrames = fc
    .array(
      fc.tuple(
        fc.constantFrom('4305.5', '120240', '0', '0.1736', '1' + '0'.repeat(400), '123456789012345678', '0.1234567890123456'),
        fc.constantFrom('7', '-4719', '-0', '0', '007', '1' + '0'.repeat(400), '-0.5', '123456789012345678'),
        fc.oneof(time, fc.constant(1_760_128_226_483)),
        fc.constantFrom('BTC_USDT', 'ETH_USDT', 'BTC_USD', 'HYPE_USDT', 'no market'),
      ),
      { maxLength: 4 },
    )
    .map((entries) => `{"channel":"futures.public_liquidates","event":"update","time":1760128227,"time_ms":1760128227000,"result":[${entries.map(([p, z, t, c]) => `{"price":${p},"size":"${z}","time_ms":${t},"contract":"${c}"}`).join(',')}]}`);
  it.each(['gate-usdt', 'gate-btc'] as const)('property: %s, the plain layout (hostile numbers included) gives the full path result', (venue) =>
    assertFastPathExact(() => createGateParser({ venue }), fc.array(generatedAndMutated(plainFrames), { minLength: 1, maxLength: 4 }), RUNS),
  );
});

describe('HTX fast path', () => {
  const order = fc
    .tuple(
      fc.constantFrom('BTC', 'ETH', 'SOL'),
      objectOf({
        contract_code: fc.constant(''),
        symbol: fc.constant(''),
        direction: fc.constantFrom('buy', 'sell', 'Sell'),
        offset: fc.constantFrom('close', 'both', 'open'),
        volume: amount,
        price: amount,
        created_at: withStrings(time),
        amount,
        trade_turnover: amount,
      }),
      fc.constantFrom(undefined, undefined, 'USDT', 'USDC', 'BTC'),
      fc.boolean(),
      // The docs' business_type, pair and contract_type (unread by the schema), sometimes not strings (hostile).
      fc.constantFrom(undefined, 'swap', 'swap', 'futures', '', 1, null),
    )
    .map(([coin, o, partition, other, business]) => {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(o)) out[k] = k === 'contract_code' ? `${other ? 'ETH' : coin}-USDT` : k === 'symbol' ? coin : o[k];
      if (business !== undefined) Object.assign(out, { business_type: business, pair: `${coin}-USDT`, contract_type: business === 'futures' ? 'this_week' : business });
      if (partition !== undefined) out.trade_partition = partition;
      return out;
    });
  const frame = fc
    .tuple(fc.constantFrom('BTC-USDT', 'ETH-USDT', '*'), time, list(order))
    .map(([code, ts, data]) => JSON.stringify({ op: 'notify', topic: `public.${code}.liquidation_orders`, ts, data }));
  const docs = [compact('htx-linear-liquidation-orders-1.json')];

  it('reads the documented frame', () => {
    expect(readNotifyFrame(docs[0]!)?.data).toEqual([
      { contract_code: 'BTC-USDT', symbol: 'BTC', direction: 'sell', offset: 'close', volume: 624, volumeText: '624', price: 16701.4, priceText: '16701.4', created_at: 1606380004694, amount: 0.624, trade_turnover: 10421.6736 },
    ]);
  });
  it("reads an order with the docs' business_type, pair, contract_type and trade_partition (the simulator's layout)", () => {
    const order = { contract_code: 'ETH-USDT', symbol: 'ETH', direction: 'sell', offset: 'close', volume: 88, price: 4306.3, created_at: 1760128227094, amount: 0.88, trade_turnover: 3789.544 };
    const frame = JSON.stringify({ op: 'notify', topic: 'public.ETH-USDT.liquidation_orders', ts: 1760128227100, data: [{ ...order, business_type: 'swap', pair: 'ETH-USDT', contract_type: 'swap', trade_partition: 'USDT' }] });
    expect(readNotifyFrame(frame)?.data).toEqual([{ ...order, volumeText: '88', priceText: '4306.3', trade_partition: 'USDT' }]);
  });
  it('property: the full path result for every frame', () => assertFastPathExact(() => createHtxParser(), framesOf(frame, ...docs), RUNS));
  // HTX's plain layout (every amount a plain number) is read at known positions: numbers too long for a double,
  // zero, with and without the docs' extra keys and trade_partition, another contract in the next order.
  const num = fc.constantFrom('88', '4306.3', '0', '0.88', '1' + '0'.repeat(400), '123456789012345678', '0.1234567890123456', '3789.544');
  const plainFrames = fc
    .array(
      fc.tuple(fc.constantFrom('BTC', 'ETH', 'LINK'), fc.constantFrom('buy', 'sell'), fc.constantFrom('close', 'both'), num, num, num, num, fc.nat({ max: 3 }), fc.constantFrom('USDT', 'USDC', 'x')),
      { maxLength: 4 },
    )
    .map(
      (orders) =>
        `{"op":"notify","topic":"public.*.liquidation_orders","ts":1760128227100,"data":[${orders
          .map(
            ([coin, d, o, v, p, a, t, extras, partition]) =>
              `{"contract_code":"${coin}-USDT","symbol":"${coin}","direction":"${d}","offset":"${o}","volume":${v},"price":${p},"created_at":1760128227094,"amount":${a},"trade_turnover":${t}` +
              (extras & 1 ? `,"business_type":"swap","pair":"${coin}-USDT","contract_type":"swap"` : '') +
              (extras & 2 ? `,"trade_partition":"${partition}"` : '') +
              '}',
          )
          .join(',')}]}`,
    );
  it('property: the plain layout (hostile numbers included) gives the full path result', () =>
    assertFastPathExact(() => createHtxParser(), fc.array(generatedAndMutated(plainFrames), { minLength: 1, maxLength: 4 }), RUNS));
});

describe('BitMEX fast path', () => {
  const row = objectOf({
    orderID: fc.oneof(fc.uuid(), fc.constantFrom('', 'not-a-guid!')),
    symbol: fc.constantFrom('XBTUSD', 'ETHUSD', 'XBTUSDT', 'SOLUSDT', 'XBTZ25', 'no market', ''),
    side: fc.constantFrom('Buy', 'Sell', 'buy'),
    price: withStrings(positive),
    leavesQty: withStrings(positive),
  });
  const frame = fc.tuple(fc.constantFrom('insert', 'insert', 'update', 'partial'), list(row)).map(([action, data]) => JSON.stringify({ table: 'liquidation', action, data }));
  // The instrument list first (XBTUSD's mark values quanto contracts), then the liquidations.
  const instruments = compact('bitmex-instruments-1.json');
  const frames = framesOf(frame, compact('bitmex-liquidation-1.json'), compact('bitmex-liquidation-3.json')).map((list) => [instruments, ...list]);

  it('reads the documented insert', () => {
    expect(readInsertFrame(compact('bitmex-liquidation-1.json'))).toEqual([{ orderID: 'dd9cea25-207c-0dab-15b5-b88da776f500', symbol: 'XBTUSD', side: 'Buy', price: 10106, leavesQty: 9214 }]);
  });
  it('property: the full path result for every frame', () => assertFastPathExact(() => createBitmexParser(), frames, RUNS));
});

describe('dYdX fast path', () => {
  const iso = fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }).map((t) => new Date(t).toISOString());
  const trade = fc
    .tuple(
      fc.record({
        id: fc.oneof(fc.stringMatching(/^[0-9a-f]{24}$/), fc.constant('')),
        size: numericText,
        price: numericText,
        side: fc.constantFrom('BUY', 'SELL', 'buy'),
        createdAt: fc.oneof({ weight: 6, arbitrary: iso }, fc.constantFrom('2024-13-45T99:99:99Z', 'yesterday')),
        type: fc.constantFrom('LIQUIDATED', 'DELEVERAGED', 'LIMIT', 'MARKET', ''),
      }),
      fc.boolean(),
      fc.option(fc.nat(), { nil: undefined }),
    )
    .map(([t, second, height]) => {
      const o: Record<string, unknown> = second ? { id: t.id, side: t.side, size: t.size, price: t.price, type: t.type, createdAt: t.createdAt } : t;
      return height === undefined ? o : { ...o, createdAtHeight: String(height) };
    });
  const frame = fc
    .tuple(fc.uuid(), fc.nat(), fc.constantFrom('BTC-USD', 'ETH-USD', 'SOL-USD', 'no market'), fc.constantFrom('channel_data', 'channel_data', 'subscribed'), list(trade))
    .map(([connection_id, message_id, id, type, trades]) => JSON.stringify({ type, connection_id, message_id, id, channel: 'v4_trades', version: '2.1.0', contents: { trades } }));
  const docs = [compact('dydx-trades-1.json')];

  it('reads the documented frame', () => {
    expect(readDydx(docs[0]!)?.trades).toHaveLength(2);
  });
  it('property: the full path result for every frame', () => assertFastPathExact(() => createDydxParser(), framesOf(frame, ...docs), RUNS));
});

describe('Bitget fast path', () => {
  const row = objectOf({
    symbol: fc.constantFrom('BTCUSDT', 'ETHUSDT', 'BTCUSD', 'ETHPERP', 'no market', ''),
    side: fc.constantFrom('buy', 'sell', 'Buy'),
    price: numericText,
    amount: numericText,
    ts: fc.oneof({ weight: 6, arbitrary: time.map(String) }, fc.constantFrom('', '12345678901234', '-1')),
  });
  const frame = fc
    .tuple(list(row), fc.constantFrom('usdt-futures', 'coin-futures', 'usdc-futures', 'spot'), fc.constantFrom('update', 'snapshot', 'delta'), fc.option(time, { nil: undefined }))
    .map(([data, instType, action, ts]) => JSON.stringify({ data, arg: { instType, topic: 'liquidation' }, action, ...(ts === undefined ? {} : { ts }) }));
  const docs = [compact('bitget-liquidation-1.json')];

  it('reads the documented frame', () => {
    expect(readBitget(docs[0]!)).toEqual({ instType: 'usdt-futures', rows: [{ symbol: 'BTCUSDT', side: 'buy', price: '89000', amount: '37.722858', ts: '1736371332162' }] });
  });
  it('property: the full path result for every frame', () => assertFastPathExact(() => createBitgetParser(), framesOf(frame, ...docs), RUNS));
});

describe('Bitfinex fast path', () => {
  const entry = fc
    .record({
      posId: fc.oneof({ weight: 6, arbitrary: fc.nat() }, fc.constantFrom(-1, 1.5)),
      mts: withStrings(fc.oneof(time, fc.double({ min: 1.5e12, max: 1.8e12, noNaN: true }))),
      symbol: fc.constantFrom('tBTCF0:USTF0', 'tETHF0:USTF0', 'tBTCUSD', 'tETHEUR', 'fUSD', ''),
      amount: withStrings(fc.oneof(fc.double({ min: -100, max: 100, noNaN: true }), fc.constant(0))),
      basePrice: fc.oneof(positive, fc.constant(null)),
      isMatch: fc.constantFrom(0, 0, 1, 2),
      isMarketSold: fc.constantFrom(0, 1, null),
      acquired: fc.oneof(positive, fc.constant(null)),
      more: fc.boolean(),
    })
    .map((e) => {
      const row: unknown[] = ['pos', e.posId, e.mts, null, e.symbol, e.amount, e.basePrice, null, e.isMatch, e.isMarketSold, null, e.acquired];
      return e.more ? [...row, 'x'] : row;
    });
  const frame = fc
    .tuple(fc.nat(), list(entry), fc.nat(), time, fc.boolean())
    .map(([chan, entries, seq, mts, named]) => JSON.stringify(named ? [chan, entries, seq, mts, 'liquidations', 'global'] : [chan, entries, seq, mts]));
  const docs = ['bitfinex-liquidations-1.json', 'bitfinex-liquidations-2.json', 'bitfinex-liquidations-3.json'].map(compact);

  it('reads the documented frames', () => {
    expect(readBitfinex(docs[0]!)).toEqual([['pos', 143683674, 1593522802742, null, 'tBTCF0:USTF0', 0.00268657, 9135.972557016, null, 0, null, null, 9080]]);
  });
  it('property: the full path result for every frame', () => assertFastPathExact(() => createBitfinexParser(), framesOf(frame, ...docs), RUNS));
  // Bitfinex's plain layout (every unnamed field null, whole milliseconds, no exponents) is read at known positions:
  // numbers too long for a double, another pair in the next entry, a zero amount.
  const plainFrames = fc
    .array(
      fc.tuple(
        fc.nat(),
        fc.constantFrom('tBTCF0:USTF0', 'tETHF0:USTF0', 'tBTCF0:USTF1', 'tSOLF0:USTF0', 'tETHEUR'),
        fc.constantFrom('-4.38414544', '0.00268657', '-0', '0', '1' + '0'.repeat(400), '-123456789012345678', '0.1234567890123456'),
        fc.constantFrom('null', '206.7', '1' + '0'.repeat(400)),
        fc.constantFrom('0', '1'),
        fc.constantFrom('null', '217.58', '9080', '1' + '0'.repeat(400), '0'),
      ),
      { minLength: 1, maxLength: 4 },
    )
    .map((entries) => `[386841,[${entries.map(([id, s, a, p, m, q]) => `["pos",${id},1760128208887,null,"${s}",${a},${p},null,${m},1,null,${q}]`).join(',')}]]`);
  it('property: the plain layout, hostile numbers and pairs included, gives the full path result', () =>
    assertFastPathExact(() => createBitfinexParser(), fc.array(generatedAndMutated(plainFrames), { minLength: 1, maxLength: 4 }), RUNS));
});

describe('isShortestText (ids from a number\'s text)', () => {
  it('property: true only when String(Number(text)) is the text, and for most numbers String writes', () => {
    const digits = fc.stringMatching(/^-?[0-9]{1,18}(\.[0-9]{1,18})?$/);
    fc.assert(
      fc.property(fc.oneof(digits, fc.double({ noNaN: true }).map(String), fc.integer().map(String)), (text) => {
        if (isShortestText(text)) expect(String(Number(text))).toBe(text);
      }),
      { numRuns: 20_000 },
    );
    for (const text of ['0', '1', '215.1', '-124', '0.000001', '123456789012345', '0.1736']) expect(isShortestText(text)).toBe(true);
    for (const text of ['-0', '1.0', '0.0000001', '1e3', '1234567890123456', '01', '1.']) expect(isShortestText(text)).toBe(false);
  });
  it('a key the schema does not name never reaches an id on the full path', () => {
    const frame = '{"channel":"futures.public_liquidates","event":"update","time":1,"time_ms":1,"result":[{"price":215.1,"size":"-124","time_ms":1541486601123,"contract":"BTC_USDT","priceText":"9"}]}';
    const result = createGateParser({ venue: 'gate-usdt' })(frame, 1_700_000_000_000);
    expect(result.ok && (result.events[0] as { id?: string }).id).toBe('gate-usdt:BTC_USDT:1541486601123:-124:215.1');
  });
});
