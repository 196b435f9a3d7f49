import { readdirSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { parsersFor } from '../../src/replay/sources.js';
import { NormalizedEvent, type VenueId } from '../../src/schema/events.js';
import { isEpochMs, MAX_REASON_CHARS } from '../../src/venues/fields.js';
import { parseNodeFillsLine } from '../../src/venues/hyperliquid/node-block.js';
import { VENUE_MODULES } from '../../src/venues/registry.js';
import type { FrameParser, ParseResult } from '../../src/venues/venue.js';
import { fixture, fixturePath } from '../support/fixtures.js';
import { mutate, mutationsArb } from '../support/mutate.js';

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
    points.push({ name: `${venue} socket frames`, venue, parse: module.parser({}, { log }), seeds: seedsFor(venue), recognisers });
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
 * What every result must be: a short reason, or events of the schema with finite amounts and sane times, and
 * for each entry refused on its own a short reason and the entry's text (what its dead letter carries).
 */
function checkResult(result: ParseResult, venue: VenueId): void {
  if (!result.ok) {
    expect(typeof result.reason).toBe('string');
    expect(result.reason.length).toBeGreaterThan(0);
    expect(result.reason.length).toBeLessThanOrEqual(MAX_REASON_CHARS + 1);
    return;
  }
  for (const refused of result.rejected ?? []) {
    refusedEntries += 1;
    expect(typeof refused.entry).toBe('string');
    expect(refused.entry.length).toBeGreaterThan(0);
    expect(refused.reason.length).toBeGreaterThan(0);
    expect(refused.reason.length).toBeLessThanOrEqual(MAX_REASON_CHARS + 1);
  }
  for (const event of result.events) {
    const parsed = NormalizedEvent.safeParse(event);
    if (!parsed.success) throw new Error(`schema-invalid event ${JSON.stringify(event)}: ${parsed.error.message}`);
    expect(event.venue).toBe(venue);
    if (event.type === 'gap') continue;
    // Node-fills lines carry their own receive time (the node's local_time); every other parser takes RECV.
    expect([isEpochMs(event.eventTime), isEpochMs(event.receiveTime)]).toEqual([true, true]);
    if (event.type === 'liquidation') expect(Number.isFinite(event.notionalUsd) && event.notionalUsd > 0).toBe(true);
    else expect(Number.isFinite(event.oiUsd) && event.oiUsd >= 0).toBe(true);
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
            if (said !== undefined) expect(typeof said).toBe('string');
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
