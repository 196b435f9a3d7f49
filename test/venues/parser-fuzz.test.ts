import { readdirSync } from 'node:fs';
import { registerAggregatorMetrics } from '../../src/sinks/prometheus/aggregator-metrics.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Aggregator } from '../../src/aggregate/aggregator.js';
import { toUnits, toUsd } from '../../src/aggregate/fixed-point.js';
import { MemoryBus } from '../../src/bus/memory-bus.js';
import { defaultTopics } from '../../src/bus/topics.js';
import { silentLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { consumeEvents } from '../../src/pipeline/consume.js';
import { Ingestor } from '../../src/pipeline/ingest.js';
import { defaultValueLimits, valueLimitBreach } from '../../src/pipeline/value-limits.js';
import { parsersFor } from '../../src/replay/sources.js';
import { NormalizedEvent, type DeadLetter, type VenueId } from '../../src/schema/events.js';
import { isEpochMs, isMarketName, MAX_REASON_CHARS } from '../../src/venues/fields.js';
import { parseNodeFillsLine } from '../../src/venues/hyperliquid/node-block.js';
import { VENUE_MODULES, venueAbout } from '../../src/venues/registry.js';
import type { FrameParser, ParseResult } from '../../src/venues/venue.js';
import { fixture, fixturePath } from '../support/fixtures.js';
import { absurdVariants, mutate, mutationsArb } from '../support/mutate.js';
import { ENTRY_GENERATORS } from '../support/entry-generators.js';

/**
 * "No frame can kill a process": every parser a socket or a replay feeds, over mutated real frames.
 * Venues come from the registry and their seed frames from test/fixtures (files named `<venue>-…`, or
 * `<family>-…` when the venue has none of its own), so a new venue is fuzzed once it is registered and
 * has fixtures. FUZZ_FRAMES (default 100,000) frames in total, split evenly over the entry points;
 * FUZZ_SEED makes another run reproducible (`npm run fuzz` runs 1,000,000).
 */
const TOTAL = Number(process.env.FUZZ_FRAMES ?? 100_000);
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_130);
const RECV = 1_760_130_900_000;
const log = silentLogger();

const FIXTURES = readdirSync(fixturePath('.')).filter((n) => n.endsWith('.json'));

/**
 * Some fixtures are parts of frames (a Binance order object, a Hyperliquid fill): also offered in the
 * frames that carry them, recognised by shape so that a new fixture needs no entry here.
 */
function framesOf(text: string): string[] {
  const json = JSON.parse(text) as Record<string, unknown>;
  const frames = [text];
  const stream = (event: string) => `{"stream":"!forceOrder@arr","data":${event}}`;
  if (json.e === 'forceOrder') frames.push(stream(text));
  if ('ap' in json && 'z' in json) frames.push(stream(`{"e":"forceOrder","E":${String(json.T)},"o":${text}}`));
  if ('coin' in json && 'tid' in json) {
    const user = (json.liquidation as { liquidatedUser?: string } | undefined)?.liquidatedUser ?? '0x0';
    frames.push(`{"channel":"fills","data":[[${JSON.stringify(user)},${text}]]}`);
  }
  return frames;
}

/** Protocol frames the fixtures lack (control replies, tickers), as the venue docs and the venue tests show them. */
const PROTOCOL_FRAMES: Record<string, string[]> = {
  binance: [
    '{"result":null,"id":1}',
    '{"error":{"code":2,"msg":"Invalid request: unknown method"},"id":1}',
    '[{"symbol":"BTCUSDT","markPrice":"9500.5","time":1589437530011},{"symbol":"BTCUSD_PERP","markPrice":"9500.5"}]',
  ],
  bitfinex: [
    '{"event":"info","version":2,"serverId":"1","platform":{"status":1}}',
    '{"event":"error","msg":"subscribe: dup","code":10301,"channel":"status","key":"liq:global"}',
    '{"event":"pong","ts":1511545528111,"cid":1}',
    '[91684,"hb"]',
    '[["tBTCF0:USTF0",1760130915123,null,110001,110000,null,1396531.67,null,1760140800000,0.0001,6,null,-0.0138,null,null,110000.5,null,null,1234.5,null,null,null,0,0]]',
    '[91684,[["pos",9,1760130915123,null,"tETHF0:USTF0",-2,3900,null,0,1,null,null],["pos",10,1760130915124,null,"tETHBTC",2,0.04,null,0,0,null,0.041]]]',
  ],
  bybit: [
    '{"success":true,"ret_msg":"","conn_id":"c1","req_id":"bybit-linear-1-1","op":"subscribe"}',
    '{"success":false,"ret_msg":"error:handler not found","conn_id":"c1","req_id":"r","op":"subscribe"}',
    '{"success":true,"ret_msg":"pong","conn_id":"c1","req_id":"","op":"ping"}',
    '{"topic":"tickers.ROSEUSDT","type":"snapshot","ts":1739502303204,"data":{"symbol":"ROSEUSDT","markPrice":"0.04499","openInterest":"1000.5","openInterestValue":"45.01"}}',
    '{"topic":"tickers.ROSEUSDT","type":"delta","ts":1739502303304,"data":{"symbol":"ROSEUSDT","openInterest":"1001"}}',
  ],
  okx: [
    '{"id":"liq1","event":"subscribe","arg":{"channel":"liquidation-orders","instType":"SWAP"},"connId":"a4d3ae55"}',
    '{"id":"liq1","event":"error","code":"60012","msg":"Invalid request","connId":"a4d3ae55"}',
    '{"event":"notice","code":"64008","msg":"The connection will soon be closed for a service upgrade. Please reconnect.","connId":"a4d3ae55"}',
    'pong',
    '{"arg":{"channel":"liquidation-orders","instType":"SWAP"},"data":[{"instId":"BTC-USDT-SWAP","instType":"SWAP","details":[{"bkLoss":"0","bkPx":"110000.5","ccy":"","posSide":"net","side":"sell","sz":"3","ts":"1760130899123"},{"bkLoss":"0","bkPx":"110001","ccy":"","posSide":"short","side":"buy","sz":"1","ts":"1760130899124"}]},{"instId":"BTC-USD-SWAP","instType":"SWAP","details":[{"bkLoss":"0","bkPx":"110000","ccy":"","posSide":"long","side":"sell","sz":"7","ts":"1760130899125"}]}]}',
    '{"arg":{"channel":"liquidation-orders","instType":"FUTURES"},"data":[{"instId":"ETH-USD-251226","instType":"FUTURES","details":[{"bkLoss":"0","bkPx":"4100","ccy":"","posSide":"net","side":"buy","sz":"30","ts":"1760130899126"}]}]}',
  ],
  deribit: [
    '{"jsonrpc":"2.0","method":"heartbeat","params":{"type":"test_request"}}',
    '{"jsonrpc":"2.0","id":2,"result":["trades.future.any.100ms"],"usIn":1,"usOut":2,"usDiff":1,"testnet":false}',
    '{"jsonrpc":"2.0","id":2,"error":{"message":"Invalid params","code":-32602}}',
    '{"jsonrpc":"2.0","result":[{"instrument_name":"BTC-PERPETUAL","open_interest":1000000000,"mark_price":100000,"creation_timestamp":1760130900000}]}',
    '{"jsonrpc":"2.0","method":"subscription","params":{"channel":"trades.future.any.100ms","data":[{"trade_id":"1","instrument_name":"SOL_USDC-PERPETUAL","timestamp":1760130915123,"price":180.2,"amount":40,"direction":"buy","liquidation":"MT"}]}}',
  ],
  dydx: [
    '{"type":"connected","connection_id":"004a1efa-21bb-4b19-a2e9-a8ffadd6dc53","message_id":0}',
    '{"type":"error","message":"Invalid subscribe message: channel is not a valid channel","connection_id":"c","message_id":1}',
    '{"type":"subscribed","connection_id":"c","message_id":1,"channel":"v4_trades","id":"ETH-USD","contents":{"trades":[{"id":"0a","size":"1","price":"3990","side":"SELL","createdAt":"2025-10-10T21:16:04.000Z","type":"DELEVERAGED"}]}}',
    '{"type":"channel_batch_data","connection_id":"c","message_id":2,"channel":"v4_trades","id":"ETH-USD","version":"2.1.0","contents":[{"trades":[{"id":"0b","size":"2.5","price":"4000.5","side":"BUY","createdAt":"2025-10-10T21:15:03.123Z","type":"LIQUIDATED"}]}]}',
  ],
  gate: [
    '{"time":1545404023,"time_ms":1545404023123,"channel":"futures.pong","event":"","result":null}',
    '{"time":1,"time_ms":2,"channel":"futures.public_liquidates","event":"subscribe","error":{"code":2,"message":"unknown contract"},"result":{"status":"failed"}}',
    '[{"name":"BTC_USDT","type":"direct","quanto_multiplier":"0.0001","mark_price":"37985.6","position_size":5223816},{"name":"BTC_USD","type":"inverse","quanto_multiplier":"0","mark_price":"100000","position_size":2500000}]',
  ],
  kraken: [
    '{"event":"info","version":1}',
    '{"event":"error","message":"Invalid product id"}',
    '{"feed":"heartbeat","time":1534262350627}',
    '{"result":"success","tickers":[{"symbol":"PF_XBTUSD","markPrice":110000,"openInterest":12.5},{"symbol":"in_xbtusd","last":110000}],"serverTime":"2025-10-10T21:15:00.000Z"}',
    '{"feed":"trade_snapshot","product_id":"PF_ETHUSD","trades":[{"feed":"trade","product_id":"PF_ETHUSD","uid":"a1","side":"sell","type":"liquidation","seq":1,"time":1760130915123,"qty":2.5,"price":4000.5}]}',
  ],
  htx: [
    '{"op":"sub","cid":"liqstream-liquidations","topic":"public.*.liquidation_orders","ts":1760130900000,"err-code":0}',
    '{"op":"ping","ts":"1489474081631"}',
    '{"status":"ok","data":[{"volume":7192610,"amount":7192.61,"symbol":"BTC","value":719261000,"contract_code":"BTC-USDT"}],"ts":1760130960000}',
  ],
  bitget: [
    'pong',
    '{"event":"error","code":"30001","msg":"instType:usdt-futures,topic:liquidations doesn\'t exist","connId":"c"}',
    '{"data":[{"symbol":"BTCUSD","side":"sell","price":"100000","amount":"25000","ts":"1760130899123"},{"symbol":"ETHUSD_251226","side":"buy","price":"4100","amount":"8200","ts":"1760130899124"}],"arg":{"instType":"coin-futures","topic":"liquidation"},"action":"update","ts":1760130899500}',
    '{"data":[{"symbol":"BTCPERP","side":"buy","price":"110000","amount":"55000","ts":"1760130899125"}],"arg":{"instType":"usdc-futures","topic":"liquidation"},"action":"snapshot","ts":1760130899500}',
  ],
  bitmex: [
    'pong',
    '{"success":true,"subscribe":"liquidation","request":{"op":"subscribe","args":["liquidation"]}}',
    '{"status":400,"error":"Unknown table: liquidations","meta":{},"request":{"op":"subscribe","args":["liquidations"]}}',
    '{"table":"liquidation","action":"partial","keys":["orderID"],"types":{"orderID":"guid","symbol":"symbol","side":"symbol","price":"float","leavesQty":"long"},"filter":{},"data":[]}',
    '{"table":"liquidation","action":"insert","data":[{"orderID":"0a5d3b2c-1111-2222-3333-444455556666","symbol":"ETHUSD","side":"Sell","price":4000,"leavesQty":1000}]}',
    '[{"symbol":"XBTUSD","underlying":"XBT","quoteCurrency":"USD","settlCurrency":"XBt","isInverse":true,"isQuanto":false,"multiplier":-100000000,"underlyingToSettleMultiplier":-100000000,"openInterest":500000000,"markPrice":100000,"timestamp":"2025-10-10T21:15:00.000Z"},{"symbol":"ETHUSD","underlying":"ETH","quoteCurrency":"USD","settlCurrency":"XBt","isInverse":false,"isQuanto":true,"multiplier":100,"openInterest":20000,"markPrice":4000}]',
  ],
  hyperliquid: [
    '{"channel":"subscriptionResponse","data":{"method":"subscribe","subscription":{"type":"trades","coin":"SOL"}}}',
    '{"channel":"pong"}',
    '{"channel":"error","data":"Invalid subscription"}',
    '{"channel":"trades","data":[{"coin":"SOL","side":"B","px":"67.5499","sz":"28.33","time":1770337193454,"tid":88001,"users":["0x2e3d94f0562703b25c83308a05046ddaf9a8dd14","0x7ba283114573bde6fd304ad7b188a763e5402a52"]}]}',
    '[{"universe":[{"name":"BTC"},{"name":"kPEPE"}]},[{"markPx":"86010.0","openInterest":"100.5"},{"markPx":null,"openInterest":"0"}]]',
  ],
};

function seedsFor(prefix: string): string[] {
  const family = prefix.split('-')[0]!;
  const own = FIXTURES.filter((n) => n.startsWith(`${prefix}-`));
  const names = own.length > 0 ? own : FIXTURES.filter((n) => n.startsWith(`${family}-`));
  return [...names.flatMap((n) => framesOf(fixture(n))), ...(PROTOCOL_FRAMES[family] ?? [])];
}

const TARDIS_ROWS = [
  'binance-futures,BTCUSDT,1760130900000000,1760130900050000,,sell,110000,0.5',
  'binance-delivery,BTCUSD_PERP,1760130900000000,1760130900050000,,buy,110000,3',
  'bybit,ETHUSDT,1760130901000000,1760130901020000,a1,buy,4000,2',
  'bybit,BTCUSD,1760130902000000,1760130902020000,a2,sell,110000,25000',
];

interface EntryPoint {
  name: string;
  venue: VenueId;
  parse: FrameParser;
  seeds: string[];
  /** Called on every frame of the socket too (ManagedSocket asks it about each one). */
  recognisers: ((frame: string) => string | undefined)[];
}

function entryPoints(): EntryPoint[] {
  const points: EntryPoint[] = [];
  for (const [venue, module] of Object.entries(VENUE_MODULES) as [VenueId, NonNullable<(typeof VENUE_MODULES)[VenueId]>][]) {
    // ManagedSocket asks a plan's subscribeError and reply about every frame: a throw there would escape the socket's handler.
    const recognisers = [...new Set(module.plans({}, { log }).flatMap((p) => [p.subscribeError, p.reply].filter((f) => f !== undefined)))];
    points.push({ name: `${venue} socket frames`, venue, parse: module.parser(ENTRY_GENERATORS[venue]?.metadata ?? {}, { log }), seeds: seedsFor(venue), recognisers });
  }
  const lineSeeds = FIXTURES.filter((n) => n.includes('node-fills')).map(fixture);
  // The liquidated account's own fill, so that mutations start from a line that makes an event.
  const liquidatedLines = lineSeeds.map((l) => l.replace(/\[\["0x[0-9a-f]+"/, `[["${/"liquidatedUser":"(0x[0-9a-f]+)"/.exec(l)?.[1] ?? '0x0'}"`));
  points.push({ name: 'hyperliquid node-fills lines', venue: 'hyperliquid', parse: parseNodeFillsLine, seeds: [...lineSeeds, ...liquidatedLines], recognisers: [] });
  for (const [venue, parse] of Object.entries(parsersFor('tardis-liquidations') ?? {}) as [VenueId, FrameParser][])
    points.push({ name: `${venue} tardis rows`, venue, parse, seeds: TARDIS_ROWS, recognisers: [] });
  return points;
}

/** Entries refused on their own over the run: mutations of multi-entry seeds must exercise that path too. */
let refusedEntries = 0;

/**
 * `ok`, or `explain`'s expectations fail with their message: a plain test first, as vitest's expect costs
 * microseconds a call and this test makes millions of checks.
 */
function must(ok: boolean, explain: () => void): void {
  if (ok) return;
  explain();
  throw new Error('a check failed that its expectations passed'); // explain's expect throws first
}

const shortReason = (reason: unknown) => typeof reason === 'string' && reason.length > 0 && reason.length <= MAX_REASON_CHARS + 1;
const expectShortReason = (reason: unknown) => () => {
  expect(typeof reason).toBe('string');
  expect((reason as string).length).toBeGreaterThan(0);
  expect((reason as string).length).toBeLessThanOrEqual(MAX_REASON_CHARS + 1);
};

/**
 * What every result must be: a short reason, or events of the schema with finite amounts and sane times, and
 * for each entry refused on its own a short reason and the entry's text (what its dead letter carries).
 */
function checkResult(result: ParseResult, venue: VenueId): void {
  if (!result.ok) return must(shortReason(result.reason), expectShortReason(result.reason));
  for (const refused of result.rejected ?? []) {
    refusedEntries += 1;
    must(typeof refused.entry === 'string' && refused.entry.length > 0, () => {
      expect(typeof refused.entry).toBe('string');
      expect(refused.entry.length).toBeGreaterThan(0);
    });
    must(shortReason(refused.reason), expectShortReason(refused.reason));
  }
  for (const event of result.events) {
    const parsed = NormalizedEvent.safeParse(event);
    if (!parsed.success) throw new Error(`schema-invalid event ${JSON.stringify(event)}: ${parsed.error.message}`);
    must(event.venue === venue, () => expect(event.venue).toBe(venue));
    if (event.type === 'gap' || event.type === 'retraction') continue;
    // Node-fills lines carry their own receive time (the node's local_time); every other parser takes RECV.
    must(isEpochMs(event.eventTime) && isEpochMs(event.receiveTime), () => expect([isEpochMs(event.eventTime), isEpochMs(event.receiveTime)]).toEqual([true, true]));
    if (event.type === 'liquidation') {
      const ok = Number.isFinite(event.notionalUsd) && event.notionalUsd > 0;
      must(ok, () => expect(ok, `notionalUsd ${event.notionalUsd}`).toBe(true));
    } else if (event.type === 'open_interest') {
      const ok = Number.isFinite(event.oiUsd) && event.oiUsd >= 0;
      must(ok, () => expect(ok, `oiUsd ${event.oiUsd}`).toBe(true));
    }
  }
}

describe('parser fuzz: mutated real frames', () => {
  const points = entryPoints();
  const perPoint = Math.ceil(TOTAL / points.length);
  let frames = 0;

  it('covers every registered venue, from fixtures, and the replay formats', () => {
    expect(points.map((p) => p.venue)).toEqual(expect.arrayContaining(Object.keys(VENUE_MODULES)));
    for (const p of points) expect(p.seeds.length, p.name).toBeGreaterThan(0);
  });

  it.each(points.map((p) => [p.name, p] as const))(
    '%s: never throws; every event is schema-valid with finite amounts and sane times',
    (_name, point) => {
      // Unmutated seeds first: without a seed that makes events, mutations would only test rejections.
      const results = point.seeds.map((seed) => point.parse(seed, RECV));
      results.forEach((r) => checkResult(r, point.venue));
      expect(results.some((r) => r.ok && r.events.length > 0)).toBe(true);
      fc.assert(
        fc.property(fc.constantFrom(...point.seeds), mutationsArb, (seed, mutations) => {
          const frame = mutate(seed, mutations);
          frames += 1;
          for (const recognise of point.recognisers) {
            const said = recognise(frame);
            must(said === undefined || typeof said === 'string', () => expect(typeof said).toBe('string'));
          }
          checkResult(point.parse(frame, RECV), point.venue);
        }),
        // No shrinking: the seed, the path and the unshrunk mutations already reproduce a failure exactly,
        // and shrinking through multi-megabyte frames takes minutes on a small machine.
        { seed: SEED, numRuns: perPoint, endOnFailure: true },
      );
    },
    Math.max(60_000, perPoint * 2),
  );

  it(`ran at least ${TOTAL} mutated frames`, () => {
    expect(frames).toBeGreaterThanOrEqual(TOTAL);
    expect(refusedEntries).toBeGreaterThan(0);
  });
});

/**
 * Absurd values mixed with good frames, through the whole path a frame takes (parser, bounds, bus, consumer,
 * aggregator): the totals are exactly the sum of the valid liquidations, and every absurd frame is
 * dead-lettered. Absurd frames are the venue's own liquidation frames with one amount made huge, negative,
 * NaN, infinite or 1e308, or one name made hostile, kept where it reaches the events (a replaced order id or
 * limit price changes nothing): the parser refuses the frame, or an event comes out over a bound.
 */
describe('parser fuzz: absurd frames among good ones keep totals exact', () => {
  const limits = defaultValueLimits();
  const topics = defaultTopics();
  const venues = Object.entries(VENUE_MODULES) as [VenueId, NonNullable<(typeof VENUE_MODULES)[VenueId]>][];
  const RUNS = Math.max(10, Math.ceil(TOTAL / 5_000));

  /** What one parse yields towards the totals and the dead letters. */
  const account = (result: ParseResult) =>
    !result.ok
      ? { events: [], deadLetters: 1 }
      : {
          events: result.events.filter((e) => valueLimitBreach(e, limits) === undefined),
          // Entry by entry: each refused entry is a dead letter of its own, and so is each event over a bound.
          deadLetters: (result.rejected?.length ?? 0) + result.events.filter((e) => valueLimitBreach(e, limits) !== undefined).length,
        };

  it.each(venues.map(([venue, module]) => [venue, module] as const))('%s: totals are the exact sum of the valid liquidations; each absurd frame is dead-lettered', async (venue, module) => {
    // On-chain venues value logs from their discovered metadata (Euler's and Fluid's vaults); the others parse without.
    const fresh = () => module.parser(venueAbout(venue).market === 'lending' ? (ENTRY_GENERATORS[venue]?.metadata ?? {}) : {}, { log });
    const liquidates = (frame: string) => {
      const r = fresh()(frame, RECV);
      return r.ok && r.events.some((e) => e.type === 'liquidation') && r.events.every((e) => valueLimitBreach(e, limits) === undefined);
    };
    const good = seedsFor(venue).filter(liquidates);
    expect(good.length, 'seed frames that liquidate').toBeGreaterThan(0);
    const absurd = [...new Set(good.flatMap(absurdVariants))].filter((frame) => account(fresh()(frame, RECV)).deadLetters > 0);
    // Both kinds reach every venue: an amount made absurd and a name made hostile.
    expect(absurd.some((f) => f.includes('onerror')), 'a hostile symbol is refused').toBe(true);
    expect(absurd.some((f) => f.includes('00000000000000000000')), 'a huge amount is refused').toBe(true);

    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(good.length - 1), { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(absurd.length - 1), { minLength: 1, maxLength: 6 }),
        fc.array(fc.boolean(), { minLength: 18, maxLength: 18 }),
        async (goodPicks, absurdPicks, order) => {
          // Interleaved as `order` says, each queue in its own order.
          const queues = [goodPicks.map((i) => ({ frame: good[i]!, absurd: false })), absurdPicks.map((i) => ({ frame: absurd[i]!, absurd: true }))];
          const frames = order.flatMap((first) => (queues[first ? 0 : 1]!.length > 0 ? [queues[first ? 0 : 1]!.shift()!] : [])).concat(...queues);

          // Expected, from the parser's own results in the same order: valid events once per id, exact in units.
          const parse = fresh();
          const seen = new Set<string>();
          let units = 0n;
          let count = 0;
          let deadLetters = 0;
          // Refused in this sequence: a stateful parser (an on-chain venue's) may take an absurd copy of a log it
          // already counted for the duplicate it is, and refuse nothing.
          const refusedHere = new Set<string>();
          for (const { frame } of frames) {
            const { events, deadLetters: refused } = account(parse(frame, RECV));
            deadLetters += refused;
            if (refused > 0) refusedHere.add(frame);
            for (const e of events) {
              if (e.type !== 'liquidation' || seen.has(e.id)) continue;
              seen.add(e.id);
              if (e.kind === 'adl' || e.kind === 'vault') continue;
              units += BigInt(toUnits(e.notionalUsd));
              count += 1;
            }
          }

          const bus = new MemoryBus();
          await bus.start();
          const metrics = createMetrics();
          const aggregator = new Aggregator({ clock: 'watermark' });
          registerAggregatorMetrics(metrics.registry, aggregator);
          const letters: DeadLetter[] = [];
          await bus.subscribe({ topics: [topics.deadLetter], groupId: 'letters' }, async ({ messages }) => void letters.push(...messages.map((m) => m.value as DeadLetter)));
          await consumeEvents(bus, topics, 'fuzz', { metrics, log, fromBeginning: true }, (e, replayed) => void aggregator.apply(e, replayed));
          const parser = fresh();
          const ingestor = new Ingestor({ bus, topics, metrics, log, parserFor: () => parser, publishRaw: false, batchSize: 100, lingerMs: 5, maxBuffered: 10_000 });
          for (const { frame } of frames) await ingestor.handleFrame({ recv: RECV, venue, frame });
          await ingestor.flush();
          await bus.close();

          // A lending protocol's liquidations are kept apart from the perps' (issue 20): its totals are the defi block's.
          const totals = venueAbout(venue).market === 'lending' ? aggregator.defi.snapshot() : aggregator.totalsSnapshot();
          expect(totals.usd).toBe(toUsd(Number(units)));
          expect(totals.count).toBe(count);
          expect(letters).toHaveLength(deadLetters);
          // Every absurd frame is among the dead letters (whole, or the refused entry of it), and nothing hostile became a symbol.
          const lettered = new Set(letters.map((l) => l.frame));
          // A refused entry's letter carries the entry as JSON re-serialised (1e20 reads 100000000000000000000), so
          // an absurd frame not lettered whole must be matched by at least one entry letter of its own.
          const entries = letters.filter((l) => l.entry).length;
          expect(entries).toBeGreaterThanOrEqual(frames.filter((f) => f.absurd && refusedHere.has(f.frame) && !lettered.has(f.frame)).length);
          expect(aggregator.topSymbols(1_000).every((s) => isMarketName(s.symbol))).toBe(true);
        },
      ),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
  }, 120_000);
});
