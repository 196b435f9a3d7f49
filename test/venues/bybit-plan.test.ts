import { describe, expect, it } from 'vitest';
import { BYBIT_WS_LIMITS, bybitSocketPlans, bybitSubscribeError, DEFAULT_TOPICS_PER_CONNECTION, DEFAULT_TOPICS_PER_REQUEST } from '../../src/venues/bybit/plan.js';

interface SubscribeRequest {
  req_id: string;
  op: string;
  args: string[];
}
const requests = (subscribe: string[]): SubscribeRequest[] => subscribe.map((s) => JSON.parse(s) as SubscribeRequest);
const symbols = (n: number): string[] => Array.from({ length: n }, (_, i) => `C${i}${i % 3 === 0 ? 'PERP' : 'USDT'}`);

describe('Bybit socket plans', () => {
  it('500 symbols: every topic exactly once, no request or connection over its limit', () => {
    const list = symbols(500);
    const plans = bybitSocketPlans({ venue: 'bybit-linear', symbols: list });
    const topics = plans.flatMap((p) => requests(p.subscribe).flatMap((r) => r.args));
    const expected = list.flatMap((s) => [`allLiquidation.${s}`, `tickers.${s}`]);
    expect(topics.length).toBe(expected.length);
    expect(new Set(topics)).toEqual(new Set(expected));
    expect(plans.length).toBe(Math.ceil(1000 / DEFAULT_TOPICS_PER_CONNECTION));
    for (const plan of plans) {
      const reqs = requests(plan.subscribe);
      const args = reqs.flatMap((r) => r.args);
      expect(args.length).toBeLessThanOrEqual(DEFAULT_TOPICS_PER_CONNECTION);
      expect(JSON.stringify(args).length).toBeLessThanOrEqual(BYBIT_WS_LIMITS.argsCharsPerConnection);
      for (const r of reqs) {
        expect(r.op).toBe('subscribe');
        expect(r.args.length).toBeGreaterThan(0);
        expect(r.args.length).toBeLessThanOrEqual(DEFAULT_TOPICS_PER_REQUEST);
      }
      // A symbol's two topics share a socket.
      const bySymbol = new Set(args.map((a) => a.split('.')[1]));
      expect(args.length).toBe(bySymbol.size * 2);
    }
    const reqIds = plans.flatMap((p) => requests(p.subscribe).map((r) => r.req_id));
    expect(new Set(reqIds).size).toBe(reqIds.length);
  });

  it('configured limits are honoured, including a character budget tighter than the topic count', () => {
    const list = symbols(37);
    const small = bybitSocketPlans({ venue: 'bybit-inverse', symbols: list, topicsPerRequest: 3, topicsPerConnection: 9 });
    for (const p of small) {
      expect(requests(p.subscribe).every((r) => r.args.length <= 3)).toBe(true);
      expect(requests(p.subscribe).flatMap((r) => r.args).length).toBeLessThanOrEqual(8);
    }
    expect(small.flatMap((p) => requests(p.subscribe).flatMap((r) => r.args))).toHaveLength(74);

    const byChars = bybitSocketPlans({ venue: 'bybit-linear', symbols: list, argsCharsPerConnection: 200 });
    expect(byChars.length).toBeGreaterThan(1);
    for (const p of byChars) expect(JSON.stringify(requests(p.subscribe).flatMap((r) => r.args)).length).toBeLessThanOrEqual(200);
  });

  it('duplicates are subscribed once; bad limits are refused', () => {
    const plans = bybitSocketPlans({ venue: 'bybit-linear', symbols: ['BTCUSDT', 'BTCUSDT', 'ETHUSDT'] });
    expect(requests(plans[0]!.subscribe)).toEqual([
      { req_id: 'bybit-linear-1-1', op: 'subscribe', args: ['allLiquidation.BTCUSDT', 'tickers.BTCUSDT', 'allLiquidation.ETHUSDT', 'tickers.ETHUSDT'] },
    ]);
    expect(bybitSocketPlans({ venue: 'bybit-linear', symbols: [] })).toEqual([]);
    expect(() => bybitSocketPlans({ venue: 'bybit-linear', symbols: ['BTCUSDT'], topicsPerConnection: 1 })).toThrow(RangeError);
    expect(() => bybitSocketPlans({ venue: 'bybit-linear', symbols: ['BTCUSDT'], topicsPerRequest: 0 })).toThrow(RangeError);
  });

  it('public hosts, application ping every 20 s, a minute of silence is death', () => {
    const [linear] = bybitSocketPlans({ venue: 'bybit-linear', symbols: ['BTCUSDT'] });
    const [inverse] = bybitSocketPlans({ venue: 'bybit-inverse', symbols: ['BTCUSD'], url: 'ws://127.0.0.1:1/x' });
    expect(linear).toMatchObject({ venue: 'bybit-linear', name: 'bybit-linear-1', url: 'wss://stream.bybit.com/v5/public/linear', pingIntervalMs: 20_000, silenceTimeoutMs: 60_000 });
    expect(linear!.appPing?.()).toBe('{"op":"ping"}');
    expect(linear!.maxConnectionMs).toBeUndefined();
    expect(inverse).toMatchObject({ venue: 'bybit-inverse', url: 'ws://127.0.0.1:1/x' });
    expect(bybitSocketPlans({ venue: 'bybit-inverse', symbols: ['BTCUSD'] })[0]!.url).toBe('wss://stream.bybit.com/v5/public/inverse');
  });

  it('subscribeError returns the ret_msg of a refused subscription and nothing for anything else', () => {
    const refused = '{"success":false,"ret_msg":"error:handler not found,topic:tickers.NOPE","conn_id":"x","req_id":"bybit-linear-1-2","op":"subscribe"}';
    expect(bybitSubscribeError(refused)).toBe('error:handler not found,topic:tickers.NOPE');
    expect(bybitSubscribeError('{"success":false,"ret_msg":"","req_id":"r1","op":"subscribe"}')).toBe('subscribe refused without ret_msg (req_id r1)');
    expect(bybitSubscribeError('{"success":true,"ret_msg":"","conn_id":"x","req_id":"","op":"subscribe"}')).toBeUndefined();
    expect(bybitSubscribeError('{"success":true,"ret_msg":"pong","conn_id":"x","req_id":"","op":"ping"}')).toBeUndefined();
    expect(bybitSubscribeError('{"topic":"allLiquidation.BTCUSDT","type":"snapshot","ts":1,"data":[]}')).toBeUndefined();
    expect(bybitSubscribeError('{"op":"subscribe","success":false')).toBeUndefined();
  });
});
