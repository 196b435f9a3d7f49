import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { frameText } from '../../src/connection/managed-socket.js';
import { LiquidationEvent } from '../../src/schema/events.js';
import { createHtxParser } from '../../src/venues/htx/parse.js';
import { htxReply, htxSocketPlan, htxSubscribeError } from '../../src/venues/htx/plan.js';
import type { ParseResult } from '../../src/venues/venue.js';
import { fixture } from '../support/fixtures.js';
import { refusal } from '../support/refusals.js';

const RECV = 1_760_130_000_000;
const events = (r: ParseResult) => {
  if (!r.ok) throw new Error(`rejected: ${r.reason}`);
  return r.events;
};
const notify = (code: string, ...data: Record<string, unknown>[]) => JSON.stringify({ op: 'notify', topic: `public.${code}.liquidation_orders`, ts: 1760130900500, data });
const order = (o: Record<string, unknown> = {}) => ({
  contract_code: 'ETH-USDT', symbol: 'ETH', direction: 'buy', offset: 'close', volume: 500, price: 2446.26, created_at: 1760130900123, amount: 5, trade_turnover: 12231.3, business_type: 'swap', pair: 'ETH-USDT', ...o,
});
const reason = (frame: string) => {
  const r = createHtxParser()(frame, RECV);
  return r.ok && r.events.length > 0 ? 'accepted' : (refusal(r) ?? 'accepted');
};

describe('HTX public.*.liquidation_orders', () => {
  it('reads the docs sample exactly: direction sell liquidated a long; USD is trade_turnover, qty the coin amount', () => {
    expect(events(createHtxParser()(fixture('htx-linear-liquidation-orders-1.json'), RECV))).toEqual([
      {
        type: 'liquidation',
        id: 'htx-linear:BTC-USDT:1606380004694:sell:624:16701.4',
        venue: 'htx-linear',
        symbol: 'BTC-USDT',
        base: 'BTC',
        side: 'long',
        price: 16701.4,
        qty: 0.624,
        notionalUsd: 10421.6736,
        eventTime: 1606380004694,
        receiveTime: RECV,
        fidelity: 'complete',
        kind: 'liquidation',
        source: 'liquidation_orders',
      },
    ]);
  });

  it('direction buy liquidated a short; quoted numbers are read too; identical orders both count', () => {
    const out = events(createHtxParser()(notify('ETH-USDT', order(), order({ volume: '500', price: '2446.26', amount: '5', trade_turnover: '12231.3' })), RECV));
    expect(out.map((e) => (e as LiquidationEvent).side)).toEqual(['short', 'short']);
    expect(out.map((e) => (e as LiquidationEvent).notionalUsd)).toEqual([12231.3, 12231.3]);
    expect(out.map((e) => (e as LiquidationEvent).id)).toEqual(['htx-linear:ETH-USDT:1760130900123:buy:500:2446.26', 'htx-linear:ETH-USDT:1760130900123:buy:500:2446.26#1']);
  });

  it('a liquidation in one-way position mode (offset both) counts like one in hedge mode: the order side tells', () => {
    // HTX's channel docs list offset as "Open, close, both"; one-way (single_side) mode orders always say both.
    const out = events(createHtxParser()(notify('ETH-USDT', order({ offset: 'both' }), order({ offset: 'both', direction: 'sell', created_at: 1760130900124 })), RECV));
    expect(out.map((e) => [(e as LiquidationEvent).side, (e as LiquidationEvent).notionalUsd])).toEqual([
      ['short', 12231.3],
      ['long', 12231.3],
    ]);
  });

  it('control frames give no events: subscribe reply, ping', () => {
    const p = createHtxParser();
    expect(p('{"op":"sub","cid":"liqstream-liquidations","topic":"public.*.liquidation_orders","ts":1760130900000,"err-code":0}', RECV)).toEqual({ ok: true, events: [] });
    expect(p('{"op":"ping","ts":"1489474081631"}', RECV)).toEqual({ ok: true, events: [] });
  });

  it('refusals and notices are rejected, and the plan recognises a refused subscription', () => {
    const refused = '{"op":"sub","cid":"c","topic":"public.*.liquidation_orderz","ts":1,"err-code":2011,"err-msg":"invalid topic"}';
    expect(reason(refused)).toBe('subscription refused for "public.*.liquidation_orderz": err-code 2011 "invalid topic"');
    expect(htxSubscribeError(refused)).toBe('err-code 2011: invalid topic');
    expect(htxSubscribeError('{"op":"sub","cid":"c","topic":"public.*.liquidation_orders","ts":1,"err-code":0}')).toBeUndefined();
    expect(reason('{"op":"close","ts":1,"err-code":2002,"err-msg":"closed"}')).toBe('"close" notice: err-code 2002 "closed"');
  });

  it('rejects malformed frames with a reason', () => {
    expect(reason('not json')).toBe('invalid JSON');
    expect(reason('[1]')).toBe('unknown message shape');
    expect(reason('{"foo":1}')).toBe('unknown message shape');
    expect(reason(notify('ETH-USDT', order({ offset: 'open' })))).toMatch(/^invalid liquidation_orders: /);
    expect(reason(notify('ETH-USDT', order({ price: '0x10' })))).toMatch(/^invalid liquidation_orders: /);
    expect(reason(notify('ETH-USDT', order({ created_at: 17601309001230 })))).toMatch(/epoch milliseconds/);
    expect(reason(notify('BTC-USDT', order()))).toBe('liquidation of "ETH-USDT" on topic "public.BTC-USDT.liquidation_orders"');
    // A push that repeats the wildcard topic it was subscribed under is read like one naming its contract.
    const wildcard = createHtxParser()(notify('*', order()), RECV);
    expect(events(wildcard)).toHaveLength(1);
    expect(wildcard).toEqual(createHtxParser()(notify('ETH-USDT', order()), RECV));
    expect(reason(notify('ETH-USDT', order({ trade_turnover: 0 })))).toMatch(/^invalid liquidation_orders: /);
    expect(reason(notify('ETH-USDT', order({ trade_partition: 'BTC' })))).toMatch(/^no reference price: ETH-USDT is quoted in BTC/);
  });

  it('the swap_open_interest answer gives open interest in USDT (value) and coin (amount), timed by ts', () => {
    const answer = JSON.stringify({
      status: 'ok',
      data: [
        { volume: 7192610, amount: 7192.61, symbol: 'BTC', value: 719261000, contract_code: 'BTC-USDT', trade_amount: 1, trade_volume: 1, trade_turnover: 1, business_type: 'swap', pair: 'BTC-USDT', contract_type: 'swap', trade_partition: 'USDT' },
        { volume: 0, amount: 0, symbol: 'NEW', value: 0, contract_code: 'NEW-USDT' },
      ],
      ts: 1760130960000,
    });
    expect(events(createHtxParser()(answer, RECV))).toEqual([
      { type: 'open_interest', venue: 'htx-linear', symbol: 'BTC-USDT', base: 'BTC', oiBase: 7192.61, oiUsd: 719261000, markPrice: 719261000 / 7192.61, eventTime: 1760130960000, receiveTime: RECV, source: 'swap_open_interest' },
    ]);
    expect(reason('{"status":"error","err_code":1000,"err_msg":"System error","ts":1}')).toBe('swap_open_interest refused: 1000 "System error"');
    expect(reason('{"status":"ok","data":[{"contract_code":"BTC-USDT"}],"ts":1}')).toMatch(/^invalid swap_open_interest: /);
  });

  it('property: valid orders give one event each with the side from direction and USD = trade_turnover', () => {
    const decimal = fc.integer({ min: 1, max: 1_000_000_000 }).map((n) => n / 1000);
    const entry = fc.record({ direction: fc.constantFrom('buy', 'sell'), volume: fc.integer({ min: 1, max: 1_000_000 }), price: decimal, amount: decimal, trade_turnover: decimal, created_at: fc.integer({ min: 0, max: 2 ** 42 }) });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 10 }), (entries) => {
        const out = events(createHtxParser()(notify('ETH-USDT', ...entries.map((e) => order(e))), RECV));
        expect(out).toHaveLength(entries.length);
        out.forEach((ev, i) => {
          const liq = LiquidationEvent.parse(ev);
          expect(liq.side).toBe(entries[i]!.direction === 'sell' ? 'long' : 'short');
          expect(liq.notionalUsd).toBe(entries[i]!.trade_turnover);
        });
        expect(new Set(out.map((e) => (e as LiquidationEvent).id)).size).toBe(out.length);
      }),
    );
  });

  it('property: never throws on any string or JSON', () => {
    const p = createHtxParser();
    fc.assert(fc.property(fc.string(), (s) => typeof p(s, RECV).ok === 'boolean'));
    fc.assert(fc.property(fc.json(), (s) => typeof p(s, RECV).ok === 'boolean'));
  });
});

describe('HTX plan and gzip frames', () => {
  it('one socket on the notification endpoint: wildcard topic, gzip decoding, pongs to server pings', () => {
    const plan = htxSocketPlan();
    expect(plan.url).toBe('wss://api.hbdm.com/linear-swap-notification');
    expect(plan.subscribe).toEqual(['{"op":"sub","cid":"liqstream-liquidations","topic":"public.*.liquidation_orders"}']);
    expect(plan.decode).toBe('gzip');
    expect(htxReply('{"op":"ping","ts":"1489474081631"}')).toBe('{"op":"pong","ts":"1489474081631"}');
    expect(htxReply('{"op":"ping","ts":1489474081631}')).toBe('{"op":"pong","ts":1489474081631}');
    expect(htxReply('{"op":"notify","topic":"ping"}')).toBeUndefined();
    expect(htxReply('{"op":"ping"')).toBeUndefined();
  });

  it('frameText inflates a gzip frame; one that does not inflate, or inflates past the limit, is marked and rejected', () => {
    const sample = fixture('htx-linear-liquidation-orders-1.json');
    expect(frameText(gzipSync(sample), true, 'gzip')).toBe(sample);
    const p = createHtxParser();
    expect(p(frameText(Buffer.from('not gzip'), true, 'gzip'), RECV)).toEqual({ ok: false, reason: 'invalid gzip' });
    expect(p(frameText(gzipSync(Buffer.alloc(17 * 1024 * 1024, 0x20)), true, 'gzip'), RECV)).toEqual({ ok: false, reason: 'invalid gzip' });
    expect(p(frameText(gzipSync(Buffer.from([0x7b, 0xff, 0x7d])), true, 'gzip'), RECV)).toEqual({ ok: false, reason: 'invalid UTF-8' });
    // Without decode a binary frame stays base64, as before.
    expect(frameText(Buffer.from([0xff, 0x00]), true)).toBe('/wA=');
  });
});
