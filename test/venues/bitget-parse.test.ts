import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LiquidationEvent, NormalizedEvent } from '../../src/schema/events.js';
import { bitgetInstrument } from '../../src/venues/bitget/instruments.js';
import { createBitgetParser, liquidatedSide } from '../../src/venues/bitget/parse.js';
import { BITGET_PUBLIC_WS_URL, bitgetSocketPlan, bitgetSubscribeError } from '../../src/venues/bitget/plan.js';
import { VENUE_MODULES } from '../../src/venues/registry.js';
import type { ParseResult } from '../../src/venues/venue.js';
import { fixture } from '../support/fixtures.js';

const RECV = 1_760_130_900_000;
const TS = '1760130899123';

const eventsOf = (r: ParseResult): NormalizedEvent[] => {
  if (!r.ok) throw new Error(`rejected: ${r.reason}`);
  return r.events;
};
/** The frame's rejection, or the reason of its one refused entry when nothing else came of it. */
const reasonOf = (r: ParseResult): string => {
  if (!r.ok) return r.reason;
  if (r.events.length > 0 || r.rejected?.length !== 1) throw new Error(`accepted: ${JSON.stringify(r)}`);
  return r.rejected[0]!.reason;
};

interface Row {
  symbol: string;
  side: string;
  price: string;
  amount: string;
  ts?: string;
}
const push = (instType: string, rows: Row[], action = 'update'): string =>
  JSON.stringify({ data: rows.map((r) => ({ ts: TS, ...r })), arg: { instType, topic: 'liquidation' }, action, ts: Number(TS) });

const liq = (o: { symbol: string; base: string; side: 'long' | 'short'; price: number; qty: number; usd: number; key: string; ts?: string }): LiquidationEvent => ({
  type: 'liquidation',
  id: `bitget:${o.key}`,
  venue: 'bitget',
  symbol: o.symbol,
  base: o.base,
  side: o.side,
  price: o.price,
  qty: o.qty,
  notionalUsd: o.usd,
  eventTime: Number(o.ts ?? TS),
  receiveTime: RECV,
  fidelity: 'sampled',
  kind: 'liquidation',
  source: 'liquidation',
});

describe('Bitget liquidation → LiquidationEvent', () => {
  it('docs sample: side buy ⇒ a long position liquidated; amount is the USDT notional; base = amount ÷ price; time from the row', () => {
    const parse = createBitgetParser();
    expect(eventsOf(parse(fixture('bitget-liquidation-1.json'), RECV))).toEqual([
      liq({
        symbol: 'BTCUSDT',
        base: 'BTC',
        side: 'long',
        price: 89000,
        qty: 37.722858 / 89000,
        usd: 37.722858,
        key: 'usdt-futures:BTCUSDT:1736371332162:buy:37.722858:89000',
        ts: '1736371332162',
      }),
    ]);
  });

  it('side sell ⇒ a short position liquidated', () => {
    expect(liquidatedSide('buy')).toBe('long');
    expect(liquidatedSide('sell')).toBe('short');
    const [e] = eventsOf(createBitgetParser()(push('usdt-futures', [{ symbol: 'ETHUSDT', side: 'sell', price: '4000', amount: '10000' }]), RECV));
    expect(e).toEqual(liq({ symbol: 'ETHUSDT', base: 'ETH', side: 'short', price: 4000, qty: 2.5, usd: 10000, key: `usdt-futures:ETHUSDT:${TS}:sell:10000:4000` }));
  });

  it('coin-margined (inverse) futures: amount in USD, base = USD ÷ price; a delivery contract too', () => {
    const parse = createBitgetParser();
    const events = eventsOf(
      parse(
        push('coin-futures', [
          { symbol: 'BTCUSD', side: 'buy', price: '100000', amount: '25000' },
          { symbol: 'BTCUSD_251226', side: 'sell', price: '125000', amount: '5000' },
        ]),
        RECV,
      ),
    );
    expect(events).toEqual([
      liq({ symbol: 'BTCUSD', base: 'BTC', side: 'long', price: 100000, qty: 0.25, usd: 25000, key: `coin-futures:BTCUSD:${TS}:buy:25000:100000` }),
      liq({ symbol: 'BTCUSD_251226', base: 'BTC', side: 'short', price: 125000, qty: 0.04, usd: 5000, key: `coin-futures:BTCUSD_251226:${TS}:sell:5000:125000` }),
    ]);
    expect(bitgetInstrument('coin-futures', 'ETHUSDM24')).toMatchObject({ base: 'ETH', quote: 'USD', type: 'inverse' });
    expect(bitgetInstrument('coin-futures', 'ETHUSDT')).toBeUndefined();
    expect(bitgetInstrument('coin-futures', 'BTCUSDX')).toBeUndefined();
    expect(bitgetInstrument('coin-futures', 'BTCUSD')).toEqual({ symbol: 'BTCUSD', base: 'BTC', quote: 'USD', settle: 'BTC', type: 'inverse', contractValue: 1, from: 'built-in' });
  });

  it('USDC-margined futures: `BTCPERP` and `ETHUSDC`, amount in USDC at face value', () => {
    const events = eventsOf(
      createBitgetParser()(
        push('usdc-futures', [
          { symbol: 'BTCPERP', side: 'sell', price: '110000', amount: '55000' },
          { symbol: 'ETHUSDC', side: 'buy', price: '4000', amount: '2000' },
        ]),
        RECV,
      ),
    );
    expect(events).toEqual([
      liq({ symbol: 'BTCPERP', base: 'BTC', side: 'short', price: 110000, qty: 0.5, usd: 55000, key: `usdc-futures:BTCPERP:${TS}:sell:55000:110000` }),
      liq({ symbol: 'ETHUSDC', base: 'ETH', side: 'long', price: 4000, qty: 0.5, usd: 2000, key: `usdc-futures:ETHUSDC:${TS}:buy:2000:4000` }),
    ]);
    expect(bitgetInstrument('usdc-futures', 'BTCPERP')).toMatchObject({ quote: 'USDC', settle: 'USDC', type: 'linear' });
  });

  it('two identical rows in one push are two liquidations with distinct ids; a snapshot push counts like an update', () => {
    const row = { symbol: 'SOLUSDT', side: 'buy', price: '200', amount: '1000' };
    const events = eventsOf(createBitgetParser()(push('usdt-futures', [row, row], 'snapshot'), RECV));
    const key = `usdt-futures:SOLUSDT:${TS}:buy:1000:200`;
    expect(events.map((e) => (e as LiquidationEvent).id)).toEqual([`bitget:${key}`, `bitget:${key}#1`]);
    expect(events.map((e) => (e as LiquidationEvent).notionalUsd)).toEqual([1000, 1000]);
  });

  it('an empty push is no events', () => {
    expect(createBitgetParser()(push('usdt-futures', []), RECV)).toEqual({ ok: true, events: [] });
  });
});

describe('Bitget control frames', () => {
  const parse = createBitgetParser();

  it('subscribe and unsubscribe replies and the text pong give no events', () => {
    expect(parse(fixture('bitget-subscribe-1.json'), RECV)).toEqual({ ok: true, events: [] });
    expect(parse('{"event":"unsubscribe","arg":{"instType":"coin-futures","topic":"liquidation"},"connId":"c"}', RECV)).toEqual({ ok: true, events: [] });
    expect(parse('pong', RECV)).toEqual({ ok: true, events: [] });
    expect(bitgetSubscribeError(fixture('bitget-subscribe-1.json'))).toBeUndefined();
  });

  it('an error event is dead-lettered and recognised as a refused subscription (string or numeric code)', () => {
    const text = '{"event":"error","code":"30001","msg":"instType:usdt-futures,topic:liquidations doesn\'t exist","connId":"c"}';
    expect(reasonOf(parse(text, RECV))).toBe("Bitget error 30001: instType:usdt-futures,topic:liquidations doesn't exist");
    expect(bitgetSubscribeError(text)).toBe("30001 instType:usdt-futures,topic:liquidations doesn't exist");
    expect(bitgetSubscribeError('{"event":"error","code":30002,"msg":"illegal request"}')).toBe('30002 illegal request');
    expect(bitgetSubscribeError('{"event":"error"')).toBeUndefined();
    expect(bitgetSubscribeError('{"data":[],"msg":"error"}')).toBeUndefined();
  });

  it('an unknown event is rejected', () => {
    expect(reasonOf(parse('{"event":"login","code":"0"}', RECV))).toBe('unexpected event "login"');
  });
});

describe('Bitget malformed frames are rejected, never thrown', () => {
  const parse = createBitgetParser();
  const row = { symbol: 'BTCUSDT', side: 'buy', price: '100000', amount: '1000' };
  const cases: [string, string, string | RegExp][] = [
    ['cut JSON', '{"data":[{"symbol"', 'invalid JSON'],
    ['a JSON array', '[]', 'unknown message shape'],
    ['no arg nor event', '{"data":[]}', 'unknown message shape'],
    ['another topic', '{"arg":{"instType":"usdt-futures","topic":"ticker"},"data":[]}', 'unexpected topic "ticker"'],
    ['an unknown product type', push('spot', [row]), /^invalid liquidation: /],
    ['position side named long', push('usdt-futures', [{ ...row, side: 'long' }]), /^invalid liquidation: /],
    ['amount in exponent form', push('usdt-futures', [{ ...row, amount: '1e3' }]), /^invalid liquidation: /],
    ['a 14-digit time', push('usdt-futures', [{ ...row, ts: '17363713321620' }]), /^invalid liquidation: /],
    ['an amount too large for a double', push('usdt-futures', [{ ...row, amount: '9'.repeat(400) }]), 'liquidation on BTCUSDT: price or amount does not fit a double'],
    ['price 0', push('usdt-futures', [{ ...row, price: '0' }]), 'liquidation on BTCUSDT at price 0'],
    ['a USDT symbol on the coin-futures channel', push('coin-futures', [row]), 'symbol BTCUSDT is not a coin-futures market name: its base coin is unknown'],
    ['a symbol without a quote suffix', push('usdt-futures', [{ ...row, symbol: 'BTC' }]), 'symbol BTC is not a usdt-futures market name: its base coin is unknown'],
    ['a control character in the symbol', push('usdt-futures', [{ ...row, symbol: 'BTC\u0000USDT' }]), 'invalid symbol "BTC\\u0000USDT"'],
    ['an action other than snapshot/update', push('usdt-futures', [row], 'delete'), /^invalid liquidation: /],
  ];
  it.each(cases)('%s', (_name, frame, reason) => {
    const r = reasonOf(parse(frame, RECV));
    if (typeof reason === 'string') expect(r).toBe(reason);
    else expect(r).toMatch(reason);
  });

  it('one bad row is dead-lettered on its own: the other row of the push counts', () => {
    const bad = { ...row, price: '0' };
    const r = parse(push('usdt-futures', [row, bad]), RECV);
    expect(r.ok && r.events.map((e) => e.type === 'liquidation' && e.notionalUsd)).toEqual([1000]);
    expect(r.ok && r.rejected).toEqual([{ entry: JSON.stringify({ ts: TS, ...bad }), reason: 'liquidation on BTCUSDT at price 0' }]);
  });

  it('property: any string gives events or a rejection, and the recogniser never throws', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const r = parse(s, RECV);
        expect(typeof r.ok).toBe('boolean');
        bitgetSubscribeError(s);
      }),
      { numRuns: 2000 },
    );
  });

  it('property: a valid row is valued at its amount, on its position side, with base × price = amount', () => {
    const decimal = fc.tuple(fc.integer({ min: 1, max: 10_000_000 }), fc.integer({ min: 0, max: 9999 })).map(([i, f]) => `${i}.${f}`);
    fc.assert(
      fc.property(fc.constantFrom('buy', 'sell'), decimal, decimal, (side, price, amount) => {
        const [e] = eventsOf(parse(push('usdt-futures', [{ symbol: 'XRPUSDT', side, price, amount }]), RECV)) as LiquidationEvent[];
        expect(e!.side).toBe(side === 'buy' ? 'long' : 'short');
        expect(e!.notionalUsd).toBe(Number(amount));
        expect(e!.qty * e!.price).toBeCloseTo(Number(amount), 6);
      }),
      { numRuns: 500 },
    );
  });
});

describe('Bitget socket plan and module', () => {
  it('one socket, one request for the three product types, text ping, 23 h maximum age', () => {
    const plan = bitgetSocketPlan();
    expect(plan.url).toBe(BITGET_PUBLIC_WS_URL);
    expect(plan.url).toBe('wss://ws.bitget.com/v3/ws/public');
    expect(plan.subscribe).toEqual([
      '{"op":"subscribe","args":[{"instType":"usdt-futures","topic":"liquidation"},{"instType":"coin-futures","topic":"liquidation"},{"instType":"usdc-futures","topic":"liquidation"}]}',
    ]);
    expect(plan.appPing?.()).toBe('ping');
    expect([plan.pingIntervalMs, plan.silenceTimeoutMs, plan.maxConnectionMs]).toEqual([25_000, 70_000, 23 * 3_600_000]);
    expect(bitgetSocketPlan('ws://127.0.0.1:1/v3/ws/public').url).toBe('ws://127.0.0.1:1/v3/ws/public');
  });

  it('is registered as bitget, sampled, with its page', () => {
    expect(VENUE_MODULES.bitget?.about).toEqual({
      name: 'Bitget USDT-M, coin-M and USDC-M futures',
      exchange: 'bitget',
      colour: '#9c6644',
      fidelity: 'sampled',
      doc: 'docs/venues/bitget.md',
    });
  });
});
