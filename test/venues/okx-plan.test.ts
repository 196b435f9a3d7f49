import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import type { RawFrame } from '../../src/schema/events.js';
import { fetchOkxInstruments, okxListedInstrument } from '../../src/venues/okx/instruments.js';
import { startOkxRestPoller } from '../../src/venues/okx/rest-poller.js';
import { okxSocketPlan, okxSubscribeError } from '../../src/venues/okx/plan.js';
import { okxVenue } from '../../src/venues/okx/index.js';
import { until } from '../support/until.js';

const row = (o: { instId: string } & Record<string, string>) => ({ instType: 'SWAP', ctType: 'linear', ctVal: '0.01', ctValCcy: 'BTC', settleCcy: 'USDT', ctMult: '1', state: 'live', ...o });

/** A fetch that answers each URL from a table (unknown URLs: 404), recording what was asked. */
function fakeFetch(answers: Record<string, { status?: number; body: unknown }>, asked: string[] = []): typeof fetch {
  return (async (input: string | URL | Request) => {
    const url = String(input);
    asked.push(url);
    const a = answers[url];
    return new Response(a === undefined ? 'not found' : typeof a.body === 'string' ? a.body : JSON.stringify(a.body), { status: a?.status ?? (a ? 200 : 404) });
  }) as typeof fetch;
}

describe('OKX socket plan', () => {
  it('one socket: both instrument types in one subscribe request, text ping every 20 s, a minute of silence is dead', () => {
    const plan = okxSocketPlan();
    expect(plan).toMatchObject({ venue: 'okx', name: 'okx', url: 'wss://ws.okx.com:8443/ws/v5/public', pingIntervalMs: 20_000, silenceTimeoutMs: 60_000 });
    expect(plan.subscribe).toEqual([
      '{"id":"liq1","op":"subscribe","args":[{"channel":"liquidation-orders","instType":"SWAP"},{"channel":"liquidation-orders","instType":"FUTURES"}]}',
    ]);
    expect(plan.appPing?.()).toBe('ping');
    expect(plan.maxConnectionMs).toBeUndefined();
    expect(okxVenue().plans({}, { log: silentLogger(), url: 'ws://127.0.0.1:1/ws/v5/public' })[0]?.url).toBe('ws://127.0.0.1:1/ws/v5/public');
  });

  it('recognises a refused request and nothing else', () => {
    expect(okxSubscribeError('{"id":"liq1","event":"error","code":"60012","msg":"Invalid request: {\\"op\\": \\"subscribe\\"}","connId":"a4d3ae55"}')).toBe(
      '60012 Invalid request: {"op": "subscribe"}',
    );
    expect(okxSubscribeError('{"event":"error","code":"60018"}')).toBe('60018 (no msg)');
    for (const f of ['{"event":"subscribe","arg":{"channel":"liquidation-orders","instType":"SWAP"},"connId":"a"}', 'pong', '{"error"', 'null', '"error"'])
      expect(okxSubscribeError(f), f).toBeUndefined();
  });
});

describe('OKX instruments (discovery)', () => {
  it('linear: ctVal coins priced in the settle currency; inverse: ctVal USD, settled in coin; rows without a value are left out', () => {
    expect(okxListedInstrument(row({ instId: 'BTC-USDT-SWAP' }))).toEqual({ symbol: 'BTC-USDT-SWAP', base: 'BTC', quote: 'USDT', settle: 'USDT', type: 'linear', contractValue: 0.01, from: 'discovery' });
    expect(okxListedInstrument(row({ instId: 'BTC-USD-251226', instType: 'FUTURES', ctType: 'inverse', ctVal: '100', ctValCcy: 'USD', settleCcy: 'BTC' }))).toEqual({
      symbol: 'BTC-USD-251226',
      base: 'BTC',
      quote: 'USD',
      settle: 'BTC',
      type: 'inverse',
      contractValue: 100,
      from: 'discovery',
    });
    expect(okxListedInstrument(row({ instId: 'NEW-USDT-SWAP', ctVal: '', state: 'preopen' }))).toBeUndefined();
    expect(okxListedInstrument(row({ instId: 'BTC-USDT-SWAP', ctMult: '10' }))).toBeUndefined();
    expect(okxListedInstrument(row({ instId: 'BTC-USDT-SWAP', ctType: '' }))).toBeUndefined();
  });

  it('reads SWAP and FUTURES lists into instruments by instId; discover() stores them as metadata', async () => {
    const base = 'http://okx.test';
    const asked: string[] = [];
    const doFetch = fakeFetch(
      {
        [`${base}/api/v5/public/instruments?instType=SWAP`]: { body: { code: '0', msg: '', data: [row({ instId: 'BTC-USDT-SWAP' }), { instId: 'broken' }] } },
        [`${base}/api/v5/public/instruments?instType=FUTURES`]: {
          body: { code: '0', msg: '', data: [row({ instId: 'ETH-USD-251226', instType: 'FUTURES', ctType: 'inverse', ctVal: '10', ctValCcy: 'USD', settleCcy: 'ETH' })] },
        },
      },
      asked,
    );
    const found = await fetchOkxInstruments({ baseUrl: `${base}/`, fetchImpl: doFetch });
    expect(Object.keys(found)).toEqual(['BTC-USDT-SWAP', 'ETH-USD-251226']);
    expect(found['ETH-USD-251226']?.contractValue).toBe(10);
    expect(asked).toEqual([`${base}/api/v5/public/instruments?instType=SWAP`, `${base}/api/v5/public/instruments?instType=FUTURES`]);
  });

  it('fails loudly on HTTP errors and refusals (the connector then runs on the built-in table)', async () => {
    const base = 'http://okx.test';
    await expect(fetchOkxInstruments({ baseUrl: base, fetchImpl: fakeFetch({}) })).rejects.toThrow('instruments SWAP: HTTP 404');
    const refused = fakeFetch({ [`${base}/api/v5/public/instruments?instType=SWAP`]: { body: { code: '50011', msg: 'Too Many Requests', data: [] } } });
    await expect(fetchOkxInstruments({ baseUrl: base, fetchImpl: refused })).rejects.toThrow('instruments SWAP: code 50011 Too Many Requests');
  });
});

describe('OKX REST pollers', () => {
  it('oiPollMs 0 starts no open-interest poller; the instrument list is re-read every refreshMs only with discovery on', async () => {
    const base = { log: silentLogger(), restUrl: 'http://127.0.0.1:1', sink: { handleFrame: () => {}, gap: () => {} }, budget: () => { throw new Error('no budget needed'); } };
    expect(okxVenue().pollers?.({}, { ...base, intervalMs: 0, options: { discover: false, refreshMs: 600_000 } })).toEqual([]);
    expect(okxVenue().pollers?.({}, { ...base, intervalMs: 0, options: { discover: true, refreshMs: 0 } })).toEqual([]);
    const pollers = okxVenue().pollers?.({}, { ...base, intervalMs: 60_000, options: { discover: true, refreshMs: 600_000 } }) ?? [];
    expect(pollers).toHaveLength(2);
    await Promise.all(pollers.map((p) => p.stop()));
  });

  it('hands on each answer of both instrument types as a frame, skips refusals, and stops', async () => {
    const base = 'http://okx.test';
    const frames: RawFrame[] = [];
    const body = { code: '0', msg: '', data: [] };
    const poller = startOkxRestPoller({
      what: 'open interest',
      sink: { handleFrame: (f: RawFrame) => void frames.push(f), gap: () => {} },
      log: silentLogger(),
      baseUrl: base,
      intervalMs: 60_000,
      retryMs: 10,
      fetchImpl: fakeFetch({
        [`${base}/api/v5/public/open-interest?instType=SWAP`]: { body },
        [`${base}/api/v5/public/open-interest?instType=FUTURES`]: { status: 429, body: 'slow down' },
      }),
    });
    // The refusal makes the next sweep come after retryMs: wait for two, so the retry is shown too.
    await until(async () => frames.length >= 2, 'two sweeps', 5_000);
    await poller.stop();
    const stopped = frames.length;
    expect(new Set(frames.map((f) => `${f.venue} ${f.frame}`))).toEqual(new Set([`okx ${JSON.stringify(body)}`]));
    await new Promise((r) => setTimeout(r, 50));
    expect(frames.length).toBe(stopped);
  });
});
