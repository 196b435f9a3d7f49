import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LiquidationEvent } from '../../src/schema/events.js';
import { GATE_BUILT_IN_MULTIPLIERS, fetchGateContracts, gateInstrument } from '../../src/venues/gate/instruments.js';
import { createGateParser } from '../../src/venues/gate/parse.js';
import { gateSocketPlan, gateSubscribeError } from '../../src/venues/gate/plan.js';
import { INVALID_GZIP_MARK, type ParseResult } from '../../src/venues/venue.js';
import { createLogger } from '../../src/log.js';
import type { RawFrame } from '../../src/schema/events.js';
import { gateVenue } from '../../src/venues/gate/index.js';
import { WeightBudget } from '../../src/connection/weight-budget.js';
import { fixture } from '../support/fixtures.js';
import { GateServer } from '../support/gate-server.js';
import { until } from '../support/until.js';
import { refusal, refused } from '../support/refusals.js';

const RECV = 1_760_130_000_000;
const usdt = () => createGateParser({ venue: 'gate-usdt' });
const btc = () => createGateParser({ venue: 'gate-btc' });
const events = (r: ParseResult) => {
  if (!r.ok) throw new Error(`rejected: ${r.reason}`);
  return r.events;
};
const update = (...result: Record<string, unknown>[]) => JSON.stringify({ channel: 'futures.public_liquidates', event: 'update', time: 1, time_ms: 2, result });

describe('Gate futures.public_liquidates', () => {
  it('reads the docs sample exactly: negative size sells, so a long of 124 BTC_USDT contracts (0.0001 BTC each)', () => {
    expect(events(usdt()(fixture('gate-usdt-public-liquidates-1.json'), RECV))).toEqual([
      {
        type: 'liquidation',
        id: 'gate-usdt:BTC_USDT:1541486601123:-124:215.1',
        venue: 'gate-usdt',
        symbol: 'BTC_USDT',
        base: 'BTC',
        side: 'long',
        price: 215.1,
        qty: 124 * 0.0001,
        notionalUsd: 124 * 0.0001 * 215.1,
        eventTime: 1541486601123,
        receiveTime: RECV,
        fidelity: 'sampled',
        kind: 'liquidation',
        source: 'futures.public_liquidates',
      },
    ]);
  });

  it('a positive size buys: a short; decimal sizes and string prices (X-Gate-Size-Decimal) are exact', () => {
    const [e] = events(usdt()(update({ contract: 'ETH_USDT', price: '4000.5', size: '2.5', time_ms: 1760130900001 }), RECV));
    expect(e).toMatchObject({ side: 'short', symbol: 'ETH_USDT', base: 'ETH', price: 4000.5, qty: 0.025, notionalUsd: 0.025 * 4000.5, eventTime: 1760130900001 });
  });

  it('BTC-settled BTC_USD is inverse: contracts are 1 USD each, the BTC quantity is USD / price', () => {
    const [e] = events(btc()(fixture('gate-btc-public-liquidates-1.json'), RECV));
    expect(e).toMatchObject({ venue: 'gate-btc', symbol: 'BTC_USD', base: 'BTC', side: 'long', notionalUsd: 124, qty: 124 / 215.1, fidelity: 'sampled' });
  });

  it('two identical liquidations in one message both count, the second with #1', () => {
    const entry = { contract: 'SOL_USDT', price: 200, size: -3, time_ms: 1760130900000 };
    const out = events(usdt()(update(entry, entry), RECV));
    expect(out.map((e) => (e as LiquidationEvent).id)).toEqual(['gate-usdt:SOL_USDT:1760130900000:-3:200', 'gate-usdt:SOL_USDT:1760130900000:-3:200#1']);
    expect(out.map((e) => (e as LiquidationEvent).notionalUsd)).toEqual([600, 600]);
  });

  it('control frames give no events: the docs subscribe reply, a pong, an unsubscribe reply, a system notice', () => {
    const p = usdt();
    expect(p(fixture('gate-usdt-subscribe-1.json'), RECV)).toEqual({ ok: true, events: [] });
    expect(p('{"time":1545404023,"time_ms":1545404023123,"channel":"futures.pong","event":"","result":null}', RECV)).toEqual({ ok: true, events: [] });
    expect(p('{"time":1,"channel":"futures.public_liquidates","event":"unsubscribe","result":{"status":"success"}}', RECV)).toEqual({ ok: true, events: [] });
    // The docs' system notice shape (System API), on the system channel.
    expect(p('{"time":1770600979,"time_ms":1770600979609,"channel":"futures.system","event":"update","result":{"type":"upgrade","msg":"The connection will soon be closed for a service upgrade. Please reconnect."}}', RECV)).toEqual({ ok: true, events: [] });
  });

  it('a refused subscription is rejected and recognised by the plan', () => {
    const refused = '{"time":1,"time_ms":2,"channel":"futures.public_liquidates","event":"subscribe","error":{"code":2,"message":"unknown contract XYZ_USDT"},"result":{"status":"failed"}}';
    expect(usdt()(refused, RECV)).toEqual({ ok: false, reason: 'subscribe refused on futures.public_liquidates: 2 unknown contract XYZ_USDT' });
    expect(gateSubscribeError(refused)).toBe('code 2: unknown contract XYZ_USDT');
    expect(gateSubscribeError(fixture('gate-usdt-subscribe-1.json'))).toBeUndefined();
    expect(gateSubscribeError('{"error":')).toBeUndefined();
  });

  it('rejects malformed frames with a reason', () => {
    const p = usdt();
    const reason = (frame: string) => {
      const r = p(frame, RECV);
      return r.ok && r.events.length > 0 ? 'accepted' : (refusal(r) ?? 'accepted');
    };
    expect(reason('not json')).toBe('invalid JSON');
    expect(reason(`${INVALID_GZIP_MARK}AAAA`)).toBe('invalid gzip');
    expect(reason('42')).toBe('unknown message shape');
    expect(reason('{"foo":1}')).toBe('unknown message shape');
    expect(reason('{"channel":"futures.trades","event":"update","result":[]}')).toBe('unexpected frame on "futures.trades" (event "update")');
    expect(reason(update({ contract: 'BTC_USDT', price: 1, size: '0', time_ms: 1 }))).toBe('invalid liquidation size "0" for BTC_USDT');
    expect(reason(update({ contract: 'BTC_USDT', price: '0x10', size: '1', time_ms: 1 }))).toMatch(/^invalid futures.public_liquidates: /);
    expect(reason(update({ contract: 'BTC_USDT', price: 1, size: '1', time_ms: 17601309000000 }))).toMatch(/epoch milliseconds/);
    // Without the contract list a contract outside the built-in table has no known value: dead-lettered, never guessed.
    expect(reason(update({ contract: 'PEPE_USDT', price: 1, size: '1', time_ms: 1 }))).toBe('no contract value for "PEPE_USDT" (not in the contract list or the built-in table)');
    // A USDT contract on the BTC-settled socket is not a market of that venue.
    expect(refused(btc()(update({ contract: 'BTC_USDT', price: 1, size: '1', time_ms: 1 }), RECV))).toBe(true);
  });

  it('the contract list gives open interest (position_size × multiplier × mark) and values new listings', () => {
    const p = usdt();
    const [oi] = events(p(fixture('gate-usdt-contracts-1.json'), RECV));
    expect(oi).toEqual({ type: 'open_interest', venue: 'gate-usdt', symbol: 'BTC_USDT', base: 'BTC', oiBase: 5223816 * 0.0001, oiUsd: 5223816 * 0.0001 * 37985.6, markPrice: 37985.6, eventTime: RECV, receiveTime: RECV, source: 'contracts' });
    const listing = JSON.stringify([{ name: 'PEPE_USDT', type: 'direct', quanto_multiplier: '10000000', mark_price: '0.00001', position_size: 0 }]);
    expect(events(p(listing, RECV))).toHaveLength(1);
    const [e] = events(p(update({ contract: 'PEPE_USDT', price: '0.00001', size: '-3', time_ms: 1 }), RECV));
    expect(e).toMatchObject({ qty: 30_000_000, notionalUsd: 300, side: 'long' });
    // A contract of the other settle in the list, and a row that is not one, are dead-lettered row by row.
    expect(refused(p(JSON.stringify([{ name: 'BTC_USD', type: 'inverse', quanto_multiplier: '0', mark_price: '1', position_size: 1 }]), RECV))).toBe(true);
    expect(refused(p('[{"name":"BTC_USDT"}]', RECV))).toBe(true);
  });

  it('BTC-settled open interest counts 1-USD contracts', () => {
    const list = JSON.stringify([{ name: 'BTC_USD', type: 'inverse', quanto_multiplier: '0', mark_price: '100000', position_size: 2500000 }]);
    expect(events(btc()(list, RECV))).toEqual([
      { type: 'open_interest', venue: 'gate-btc', symbol: 'BTC_USD', base: 'BTC', oiBase: 25, oiUsd: 2_500_000, markPrice: 100000, eventTime: RECV, receiveTime: RECV, source: 'contracts' },
    ]);
  });

  it('property: any valid entries give one event each, side from the sign, USD = |size| × multiplier × price', () => {
    const contract = fc.constantFrom(...Object.keys(GATE_BUILT_IN_MULTIPLIERS));
    const size = fc.integer({ min: -1_000_000, max: 1_000_000 }).filter((n) => n !== 0);
    const price = fc.integer({ min: 1, max: 10_000_000 }).map((n) => (n / 100).toString());
    const entry = fc.record({ contract, size, price, time_ms: fc.integer({ min: 0, max: 2 ** 42 }) });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 10 }), (entries) => {
        const out = events(usdt()(update(...entries.map((e) => ({ ...e, size: String(e.size) }))), RECV));
        expect(out).toHaveLength(entries.length);
        out.forEach((ev, i) => {
          const e = entries[i]!;
          const liq = LiquidationEvent.parse(ev);
          expect(liq.side).toBe(e.size < 0 ? 'long' : 'short');
          expect(liq.notionalUsd).toBeCloseTo(Math.abs(e.size) * GATE_BUILT_IN_MULTIPLIERS[e.contract]! * Number(e.price), 6);
        });
        expect(new Set(out.map((e) => (e as LiquidationEvent).id)).size).toBe(out.length);
      }),
    );
  });

  it('property: never throws on any string or JSON', () => {
    const p = usdt();
    fc.assert(fc.property(fc.string(), (s) => typeof p(s, RECV).ok === 'boolean'));
    fc.assert(fc.property(fc.json(), (s) => typeof p(s, RECV).ok === 'boolean'));
  });
});

describe('Gate plan, instruments and discovery', () => {
  it('one socket per settle: !all, futures.ping, decimal sizes', () => {
    const plan = gateSocketPlan('gate-usdt', undefined, () => 1_760_000_000_999);
    expect(plan.url).toBe('wss://fx-ws.gateio.ws/v4/ws/usdt');
    expect(plan.subscribe).toEqual(['{"time":1760000000,"channel":"futures.public_liquidates","event":"subscribe","payload":["!all"]}']);
    expect(plan.appPing?.()).toBe('{"time":1760000000,"channel":"futures.ping"}');
    expect(plan.headers).toEqual({ 'X-Gate-Size-Decimal': '1' });
    expect(gateSocketPlan('gate-btc').url).toBe('wss://fx-ws.gateio.ws/v4/ws/btc');
  });

  it('the built-in table: BTC, ETH, SOL linear; BTC_USD inverse at 1 USD; nothing else guessed', () => {
    expect(gateInstrument('BTC_USDT', 'usdt')).toMatchObject({ type: 'linear', contractValue: 0.0001, quote: 'USDT', settle: 'USDT', from: 'built-in' });
    expect(gateInstrument('ETH_USDT', 'usdt')?.contractValue).toBe(0.01);
    expect(gateInstrument('SOL_USDT', 'usdt')?.contractValue).toBe(1);
    expect(gateInstrument('BTC_USD', 'btc')).toMatchObject({ type: 'inverse', contractValue: 1, quote: 'USD', settle: 'BTC' });
    expect(gateInstrument('DOGE_USDT', 'usdt')).toBeUndefined();
    expect(gateInstrument('BTC_USDT_20251010', 'usdt')).toBeUndefined();
  });

  it('discovery reads the contract list; an error answer throws so the caller falls back', async () => {
    const ok = (async () => new Response(fixture('gate-usdt-contracts-1.json'))) as unknown as typeof fetch;
    expect(await fetchGateContracts('usdt', 'http://local', ok)).toEqual({
      BTC_USDT: { symbol: 'BTC_USDT', base: 'BTC', quote: 'USDT', settle: 'USDT', type: 'linear', contractValue: 0.0001, from: 'discovery' },
    });
    const down = (async () => new Response('busy', { status: 503 })) as unknown as typeof fetch;
    await expect(fetchGateContracts('usdt', 'http://local', down)).rejects.toThrow('futures/usdt/contracts: HTTP 503');
    const odd = (async () => new Response('{"label":"x"}')) as unknown as typeof fetch;
    await expect(fetchGateContracts('usdt', 'http://local', odd)).rejects.toThrow(/invalid contract list/);
  });

  it('the poller reads the contract list in pages of 100, so no answer is near a bus record limit', async () => {
    const server = await GateServer.start();
    const rows = Array.from({ length: 150 }, (_, i) => ({ name: `C${i}_USDT`, type: 'direct', quanto_multiplier: '1', mark_price: '1', position_size: i }));
    server.contracts.usdt = JSON.stringify(rows);
    const frames: RawFrame[] = [];
    const [poller] = gateVenue('gate-usdt').pollers!({}, {
      log: createLogger('silent'), restUrl: server.restUrl, intervalMs: 60_000,
      sink: { handleFrame: (f) => void frames.push(f), gap: () => {} },
      budget: () => new WeightBudget(1_000),
    });
    try {
      await until(() => frames.length === 2, 'two pages');
      expect(frames.map((f) => (JSON.parse(f.frame) as unknown[]).length)).toEqual([100, 50]);
      expect(server.restRequests).toBe(2);
      // Each page is a contract list the parser takes on its own: 150 contracts' open interest in all.
      const p = usdt();
      expect(frames.flatMap((f) => events(p(f.frame, RECV))).length).toBe(150);
    } finally {
      await poller!.stop();
      await server.close();
    }
  });
});

