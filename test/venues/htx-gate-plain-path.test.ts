import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OccurrenceIds, SpanMap } from '../../src/venues/fast-events.js';
import { createGateParser } from '../../src/venues/gate/parse.js';
import { createHtxParser } from '../../src/venues/htx/parse.js';
import { instrumentLookup } from '../../src/venues/instruments.js';
import { isShortestAt, isShortestText } from '../../src/venues/scan.js';
import { frameIds, type FrameParser } from '../../src/venues/venue.js';
import { perpsMetadata } from '../../src/simulate/venue-frames.js';
import { expectSameResult, generatedAndMutated, viaFullPath } from '../support/fast-path.js';

/**
 * The plain paths of HTX and Gate (issue 22 §1, fourth pass): pushes and updates in the venue's own layout made into
 * events as they are read, with names worked out once per market (SpanMap), ids numbered without a map
 * (OccurrenceIds) and the event check settled per market and frame. For every frame, in every order, a parser gives
 * what the full path (JSON.parse and the schemas) gives: events, rejections and the state left behind.
 */

const RUNS = 300;

// Receive times as the ingestor stamps them, and (rarely) what the event check refuses.
const receiveTime = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1_700_000_000_000, max: 1_800_000_000_000 }) }, fc.constantFrom(0, -1, 1.5, 2 ** 53));

/** Two parsers made alike, one fed each frame as it is, the other only through the full path: equal results, frame by frame. */
function assertSame(make: () => FrameParser, frames: fc.Arbitrary<string[]>): void {
  fc.assert(
    fc.property(frames, fc.array(receiveTime, { minLength: 1, maxLength: 4 }), (list, times) => {
      const fast = make();
      const full = make();
      list.forEach((frame, i) => {
        const t = times[i % times.length]!;
        expectSameResult(fast(frame, t), full(viaFullPath(frame), t));
      });
    }),
    { numRuns: RUNS },
  );
}

/** Mostly what the venue sends, sometimes (one in `1 + weight`) what a fast path must decline or read with care. */
const mostly = <T>(common: T[], rare: T[], weight = 12): fc.Arbitrary<T> => fc.oneof({ weight, arbitrary: fc.constantFrom(...common) }, fc.constantFrom(...rare));
/** A few entries (most frames), or many: ids past the sixteen compared one by one. */
const entries = (entry: fc.Arbitrary<string>): fc.Arbitrary<string[]> =>
  fc.oneof({ weight: 3, arbitrary: fc.array(entry, { maxLength: 4 }) }, fc.array(entry, { minLength: 12, maxLength: 30 }));

// Numbers as the plain layouts write them (plain JSON numbers, no sign, no exponent): ordinary, and rarely zero,
// trailing zeros (whose id text is String(value), not the text), below 1e-6 (String writes an exponent), too long
// for 15 digits, too long for a double.
const plainNumber = mostly(
  ['88', '4306.3', '0.88', '3789.544', '120240', '0.1736', '215.1', '1.50', '0.000001'],
  ['0', '10.0', '0.0000001', '123456789012345', '1234567890123456', '0.1234567890123456', '1' + '0'.repeat(400)],
);
// A few times only, so that a frame holds identical entries (ids `#1`, `#2`) and entries of one time that differ.
const createdAt = mostly(['1760128227094', '1760128227095', '1760128227096'], ['0', '9999999999999'], 6);

/** Property precondition: many generated frames (a fixed sample) are ones whose every entry makes an event, so the plain path makes them. */
function assertMostlyClean(make: () => FrameParser, frames: fc.Arbitrary<string>, share: number): void {
  const parse = make();
  const clean = fc.sample(frames, { numRuns: 400, seed: 22 }).filter((f) => {
    const r = parse(viaFullPath(f), 1_760_128_227_000);
    return r.ok && r.events.length > 0 && r.rejected === undefined;
  });
  expect(clean.length).toBeGreaterThan(400 * share);
}

describe('SpanMap', () => {
  it('finds a name by where a text writes it, colliding hashes and other lengths included', () => {
    const map = new SpanMap<number>();
    // "Aa" and "BB" have the same hash (31·'A' + 'a' = 31·'B' + 'B').
    map.set('Aa', 1);
    map.set('BB', 2);
    map.set('BTC_USDT', 3);
    const text = 'x"Aa","BB","BTC_USDT","BTC_USD"';
    expect(map.get(text, 2, 4)).toBe(1);
    expect(map.get(text, 7, 9)).toBe(2);
    expect(map.get(text, 12, 20)).toBe(3);
    expect(map.get(text, 23, 30)).toBeUndefined();
    expect(map.get(text, 12, 19)).toBeUndefined();
    map.clear();
    expect(map.get(text, 12, 20)).toBeUndefined();
  });
  it('keeps no more than its bound: later names miss', () => {
    const map = new SpanMap<number>(2);
    map.set('A', 1);
    map.set('B', 2);
    map.set('C', 3);
    expect([map.get('ABC', 0, 1), map.get('ABC', 1, 2), map.get('ABC', 2, 3)]).toEqual([1, 2, undefined]);
  });
});

describe('OccurrenceIds', () => {
  it("property: frameIds' ids, frame after frame, past the listed ones into the map", () => {
    const frame = entries(fc.tuple(fc.nat({ max: 12 }), fc.constantFrom('buy:1:2', 'sell:1:2', 'buy:3:2')).map(([t, rest]) => `${t}:${rest}`));
    fc.assert(
      fc.property(fc.array(frame, { minLength: 1, maxLength: 4 }), (frames) => {
        const ids = new OccurrenceIds();
        for (const keys of frames) {
          ids.reset();
          const idOf = frameIds('htx-linear');
          for (const key of keys) expect(ids.id(`htx-linear:BTC-USDT:${key}`, Number.parseInt(key))).toBe(idOf(`BTC-USDT:${key}`));
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('isShortestAt', () => {
  it('property: isShortestText of the span, wherever it sits in a text', () => {
    const token = fc.oneof(
      fc.stringMatching(/^-?[0-9]{1,18}(\.[0-9]{0,18})?$/),
      fc.stringMatching(/^0\.0{0,8}[0-9]{0,4}$/),
      fc.double({ noNaN: true }).map(String),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 3 }), token, fc.string({ maxLength: 3 }), (before, text, after) => {
        expect(isShortestAt(before + text + after, before.length, before.length + text.length)).toBe(isShortestText(text));
      }),
      { numRuns: 20_000 },
    );
    // An empty span is no number, whatever follows it.
    expect(isShortestAt('0.5', 0, 0)).toBe(false);
  });
});

describe('HTX plain path', () => {
  // Orders of the topic's contract (its code and coin), and rarely of another, of no market name, or of another coin.
  const order = (code: string, coin: string) =>
    fc
      .record({
        code: mostly([code], ['ETH-USDT', 'BTC USDT', 'X'.repeat(65), 'BTC-USD']),
        coin: mostly([coin], ['ETH', 'LINK']),
        direction: fc.constantFrom('buy', 'sell'),
        offset: fc.constantFrom('close', 'both'),
        volume: plainNumber,
        price: plainNumber,
        created_at: createdAt,
        amount: plainNumber,
        turnover: plainNumber,
        extras: fc.boolean(),
        partition: mostly([undefined, 'USDT', 'USDC', 'USD'], ['BTC', 'USDTX']),
      })
      .map(
        (o) =>
          `{"contract_code":"${o.code}","symbol":"${o.coin}","direction":"${o.direction}","offset":"${o.offset}","volume":${o.volume},"price":${o.price},` +
          `"created_at":${o.created_at},"amount":${o.amount},"trade_turnover":${o.turnover}` +
          (o.extras ? `,"business_type":"swap","pair":"${o.coin}-USDT","contract_type":"swap"` : '') +
          (o.partition === undefined ? '' : `,"trade_partition":"${o.partition}"`) +
          '}',
      );
  // A topic naming the orders' contract or `*` (the wildcard subscribed to), rarely another contract or none.
  const push = fc
    .tuple(fc.constantFrom('BTC', 'ETH', 'LINK'), mostly(['', '*'], ['BTC-USDT', '-', 'BTC-USDTX'], 6))
    .chain(([coin, topic]) => fc.tuple(fc.constant(topic === '' ? `${coin}-USDT` : topic), entries(order(`${coin}-USDT`, coin))))
    .map(([code, orders]) => `{"op":"notify","topic":"public.${code}.liquidation_orders","ts":1760128227100,"data":[${orders.join(',')}]}`);
  // Many copies of one order: a count past the sixteen ids compared one by one.
  const copies = fc
    .tuple(order('BTC-USDT', 'BTC'), fc.integer({ min: 14, max: 40 }))
    .map(([o, n]) => `{"op":"notify","topic":"public.*.liquidation_orders","ts":1760128227100,"data":[${Array.from({ length: n }, () => o).join(',')}]}`);

  it('makes the events the full path makes from a simulated push, ids numbered', () => {
    const o = '{"contract_code":"ETH-USDT","symbol":"ETH","direction":"sell","offset":"close","volume":88,"price":4306.3,"created_at":1760128227094,"amount":0.88,"trade_turnover":3789.544,"business_type":"swap","pair":"ETH-USDT","contract_type":"swap","trade_partition":"USDT"}';
    const frame = `{"op":"notify","topic":"public.ETH-USDT.liquidation_orders","ts":1760128227100,"data":[${o},${o}]}`;
    const result = createHtxParser()(frame, 1_760_128_227_200);
    expect(result).toEqual(createHtxParser()(viaFullPath(frame), 1_760_128_227_200));
    expect(result.ok && result.events.map((e) => [(e as { id: string }).id, e.type === 'liquidation' && e.side, e.type === 'liquidation' && e.notionalUsd])).toEqual([
      ['htx-linear:ETH-USDT:1760128227094:sell:88:4306.3', 'long', 3789.544],
      ['htx-linear:ETH-USDT:1760128227094:sell:88:4306.3#1', 'long', 3789.544],
    ]);
  });
  it('property: the full path result for every push, clean and hostile', () => {
    assertMostlyClean(() => createHtxParser(), push, 0.2);
    assertSame(() => createHtxParser(), fc.array(generatedAndMutated(fc.oneof({ weight: 4, arbitrary: push }, copies)), { minLength: 1, maxLength: 6 }));
  });
});

describe('Gate plain path', () => {
  // Contracts each venue values (gate-usdt's built-in ones, gate-btc's BTC_USD), and rarely one of the other settle,
  // one not listed yet (valued once a contract list names it), or no contract at all.
  const entry = (contracts: string[]) =>
    fc
      .record({
        price: plainNumber,
        size: mostly(['7', '-4719', '007', '-0.5', '12.50', '-13312'], ['-0', '0', '123456789012345678', '1' + '0'.repeat(400), '-1' + '0'.repeat(400)]),
        time: createdAt,
        contract: mostly(contracts, ['BTC_USDT', 'BTC_USD', 'HYPE_USDT', 'NEW_USDT', 'BTC_USDC', 'no market', 'A_B_USDT'], 8),
      })
      .map((e) => `{"price":${e.price},"size":"${e.size}","time_ms":${e.time},"contract":"${e.contract}"}`);
  const update = (contracts: string[]) =>
    fc
      .tuple(mostly(['1760128227'], ['0', '123456789012345']), entries(entry(contracts)))
      .map(([time, result]) => `{"channel":"futures.public_liquidates","event":"update","time":${time},"time_ms":${time}000,"result":[${result.join(',')}]}`);
  const CONTRACTS = { 'gate-usdt': ['BTC_USDT', 'ETH_USDT', 'SOL_USDT'], 'gate-btc': ['BTC_USD'] } as const;
  // A contract list between updates: a contract valued anew, one listed for the first time, one of the other settle.
  const list = fc
    .array(
      fc.tuple(fc.constantFrom('BTC_USDT', 'ETH_USDT', 'NEW_USDT', 'BTC_USD', 'HYPE_USDT'), fc.constantFrom('direct', 'inverse'), fc.constantFrom('0', '0.0001', '0.01', '10', '1')),
      { minLength: 1, maxLength: 4 },
    )
    .map((rows) => JSON.stringify(rows.map(([name, type, quanto_multiplier]) => ({ name, type, quanto_multiplier, mark_price: '120300', position_size: 1000 }))));
  const frames = (venue: keyof typeof CONTRACTS) => fc.array(fc.oneof({ weight: 5, arbitrary: generatedAndMutated(update([...CONTRACTS[venue]])) }, list), { minLength: 1, maxLength: 8 });
  const listed = instrumentLookup(perpsMetadata()['gate-usdt']?.instruments);

  it('values a contract by the newest contract list once one has named it', () => {
    const frame = '{"channel":"futures.public_liquidates","event":"update","time":1760128227,"time_ms":1760128227000,"result":[{"price":100,"size":"-3","time_ms":1760128226483,"contract":"BTC_USDT"}]}';
    const parse = createGateParser({ venue: 'gate-usdt' });
    const usd = () => {
      const r = parse(frame, 1_760_128_227_036);
      return r.ok ? r.events.map((e) => e.type === 'liquidation' && e.notionalUsd) : r.reason;
    };
    expect(usd()).toEqual([3 * 0.0001 * 100]);
    parse(JSON.stringify([{ name: 'BTC_USDT', type: 'direct', quanto_multiplier: '0.01', mark_price: '100', position_size: 1 }]), 1_760_128_227_040);
    expect(usd()).toEqual([3 * 0.01 * 100]);
  });
  it.each(['gate-usdt', 'gate-btc'] as const)('property: %s, the full path result for every update, contract lists between', (venue) => {
    assertMostlyClean(() => createGateParser({ venue }), update([...CONTRACTS[venue]]), 0.2);
    assertSame(() => createGateParser({ venue }), frames(venue));
    assertSame(() => createGateParser({ venue, instruments: listed }), frames(venue));
  });
});
