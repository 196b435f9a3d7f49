import { connect, type Socket } from 'node:net';
import { registerAggregatorMetrics } from '../../src/sinks/prometheus/aggregator-metrics.js';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Aggregator } from '../../src/aggregate/aggregator.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { startMetricsServer, type MetricsServer } from '../../src/service/http-server.js';
import { liveApi, type LiveApi } from '../../src/web/live-api.js';
import { MarketFeed } from '../../src/web/market-feed.js';
import { liquidation } from '../support/events.js';
import { HOSTILE_FRAMES, hostileClient, upgradeRequest } from '../support/hostile-ws.js';
import { sampleValue, scrape } from '../support/prom-text.js';
import { until } from '../support/until.js';

let server: MetricsServer | undefined;
let api: LiveApi | undefined;
const sockets: Socket[] = [];
const uncaught: unknown[] = [];
const onUncaught = (err: unknown) => uncaught.push(err);
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  api?.close();
  await server?.close();
  process.off('uncaughtException', onUncaught);
});

/** A live API server whose clocks are short enough for a test: 1 s for headers, 300 ms between pings. */
async function start(): Promise<{ url: string; aggregator: Aggregator; logLines: () => Record<string, unknown>[] }> {
  process.on('uncaughtException', onUncaught);
  uncaught.length = 0;
  const lines: string[] = [];
  const log = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(chunk.toString()), done()) }));
  const metrics = createMetrics();
  const aggregator = new Aggregator({ clock: 'watermark', retainMinutes: Infinity });
  registerAggregatorMetrics(metrics.registry, aggregator);
  api = liveApi({ aggregator, feed: new MarketFeed(), cascades: () => ({ signals: [], produced: 0 }), status: () => ({}), now: () => aggregator.watermark, pingMs: 300 });
  server = await startMetricsServer(metrics.registry, { host: '127.0.0.1', port: 0, routes: api, headersTimeoutMs: 1_000, log });
  return { url: server.url, aggregator, logLines: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

/** A raw TCP client that writes `text` and reports whether the server closed it within `ms`. */
function rawClient(url: string, text: string, ms: number): Promise<{ closed: boolean; received: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    let received = '';
    const s = connect(Number(port), hostname, () => s.write(text));
    sockets.push(s);
    s.on('data', (d) => (received += d.toString('latin1')));
    s.on('error', () => {});
    s.on('close', () => resolve({ closed: true, received }));
    setTimeout(() => resolve({ closed: false, received }), ms).unref();
  });
}

async function streamClient(url: string): Promise<WebSocket> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/api/stream`);
  ws.on('error', () => {});
  await new Promise((r, j) => {
    ws.once('open', r);
    ws.once('unexpected-response', (_q, res) => j(new Error(`status ${res.statusCode}`)));
  });
  return ws;
}

describe('slow, oversized and vanishing clients of the metrics port', () => {
  it('cuts off 100 half-sent upgrade requests (slowloris) after the header timeout and keeps serving', async () => {
    const { url } = await start();
    const half = upgradeRequest().slice(0, 60); // no blank line: the headers never end
    const started = Date.now();
    const clients = Array.from({ length: 100 }, () => rawClient(url, half, 5_000));
    // Served meanwhile.
    expect((await fetch(`${url}/api/totals`)).status).toBe(200);
    const results = await Promise.all(clients);
    expect(results.every((r) => r.closed)).toBe(true);
    expect(Date.now() - started).toBeLessThan(4_500); // 1 s header timeout, checked every second
    expect(results[0]!.received.split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
    expect(sampleValue(await scrape(url), 'liqstream_api_client_errors_total', { reason: 'err_http_request_timeout' })).toBe(100);
    expect(uncaught).toEqual([]);
  });

  it('answers 405 to 50 CONNECT requests at once, counts each, and keeps serving', async () => {
    const { url } = await start();
    const { host } = new URL(url);
    const results = await Promise.all(Array.from({ length: 50 }, () => rawClient(url, `CONNECT ${host} HTTP/1.1\r\nHost: ${host}\r\n\r\n`, 5_000)));
    expect(results.every((r) => r.closed)).toBe(true);
    expect(results[0]!.received.split('\r\n')[0]).toBe('HTTP/1.1 405 Method Not Allowed');
    // Before: node closed them silently, and nothing counted them.
    expect(sampleValue(await scrape(url), 'liqstream_api_client_errors_total', { reason: 'connect_method' })).toBe(50);
    expect((await fetch(`${url}/api/totals`)).status).toBe(200);
    expect(uncaught).toEqual([]);
  });

  it('answers 431 to 200 concurrent requests with 20 KB headers, upgrade or not, and counts them', async () => {
    const { url } = await start();
    const big = `X-Junk: ${'a'.repeat(20_000)}\r\n`;
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        rawClient(url, i % 2 ? upgradeRequest().replace('\r\n\r\n', `\r\n${big}\r\n`) : `GET /api/totals HTTP/1.1\r\nHost: x\r\n${big}\r\n`, 5_000),
      ),
    );
    expect(results.map((r) => r.received.split('\r\n')[0])).toEqual(Array(200).fill('HTTP/1.1 431 Request Header Fields Too Large'));
    expect(sampleValue(await scrape(url), 'liqstream_api_client_errors_total', { reason: 'hpe_header_overflow' })).toBe(200);
    expect((await fetch(`${url}/api/totals`)).status).toBe(200);
    expect(uncaught).toEqual([]);
  });

  it('takes 200 stream clients at once that then vanish, frees their slots, and streams exact totals to the next', async () => {
    const { url, aggregator } = await start();
    const clients = await Promise.all(Array.from({ length: 200 }, () => streamClient(url)));
    // Gone without a close frame: half of them reset, half just stop (their sockets no longer read or answer pings).
    for (const [i, ws] of clients.entries()) {
      const raw = (ws as unknown as { _socket: Socket })._socket;
      if (i % 2) raw.destroy();
      else raw.pause();
    }
    const event = liquidation('after', Date.UTC(2025, 9, 10, 20, 0), 1234.5678);
    aggregator.apply(event);
    api!.onEvent(event);
    // Paused clients are dropped by the ping check (300 ms); then all 256 slots are free again.
    await until(async () => {
      const batch = await Promise.allSettled(Array.from({ length: 256 }, () => streamClient(url)));
      // Every client this attempt opened is closed again, whether or not all 256 got in.
      for (const r of batch) if (r.status === 'fulfilled') r.value.terminate();
      return batch.every((r) => r.status === 'fulfilled');
    }, '256 slots free again', 20_000);
    const next = await streamClient(url);
    const first = await new Promise<{ type: string; totals: { usd: number; count: number } }>((r) => next.once('message', (d) => r(JSON.parse(d.toString()))));
    next.close();
    expect([first.type, first.totals.usd, first.totals.count]).toEqual(['totals', 1234.5678, 1]);
    for (const ws of clients) ws.terminate();
    expect(uncaught).toEqual([]);
  });

  it('refuses a bad handshake and an upgrade with parameters, counting the handshake', async () => {
    const { url } = await start();
    const badVersion = await rawClient(url, upgradeRequest().replace('Sec-WebSocket-Version: 13', 'Sec-WebSocket-Version: 99'), 2_000);
    expect(badVersion.received.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expect(sampleValue(await scrape(url), 'liqstream_api_client_errors_total', { reason: 'handshake' })).toBe(1);
    const withQuery = await rawClient(url, upgradeRequest('/api/stream?x=1'), 2_000);
    expect(withQuery.received.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expect(sampleValue(await scrape(url), 'liqstream_api_client_errors_total', { reason: 'stream_query' })).toBe(1);
    expect(uncaught).toEqual([]);
  });

  it('drops a stream client that answers no ping even though it sends pongs unasked, and keeps one that answers', async () => {
    const { url } = await start();
    // autoPong off: the server's pings go unanswered; pongs of its own every 50 ms (they kept the slot before).
    const unasked = new WebSocket(`${url.replace('http', 'ws')}/api/stream`, { autoPong: false });
    unasked.on('error', () => {});
    await new Promise((r) => unasked.once('open', r));
    const pongs = setInterval(() => unasked.readyState === unasked.OPEN && unasked.pong(Buffer.from('unasked')), 50);
    const honest = await streamClient(url);
    try {
      // Pinged every 300 ms: dropped at the second round.
      await until(() => unasked.readyState === unasked.CLOSED, 'the client sending pongs unasked dropped', 5_000);
      await new Promise((r) => setTimeout(r, 1_000));
      expect(honest.readyState).toBe(honest.OPEN);
    } finally {
      clearInterval(pongs);
      honest.terminate();
    }
  });

  it('streams backstop liquidations, which totals count, and not ADL or vault fills', async () => {
    const { url, aggregator } = await start();
    const ws = await streamClient(url);
    const streamed: string[] = [];
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString()) as { type: string; events?: { id: string }[] };
      if (m.type === 'liquidations') streamed.push(...m.events!.map((e) => e.id));
    });
    const t = Date.UTC(2025, 9, 10, 20, 0);
    for (const [i, kind] of (['liquidation', 'backstop', 'adl', 'vault'] as const).entries()) {
      const event = liquidation(kind, t + i, 1_000 + i, { kind });
      aggregator.apply(event);
      api!.onEvent(event);
    }
    await until(() => streamed.length >= 2, 'two liquidations streamed', 5_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(streamed).toEqual(['liquidation', 'backstop']);
    ws.terminate();
  });


  it('logs at most 5 lines per reason every 10 s, with the client, and counts every one', async () => {
    const { url, logLines } = await start();
    // Present from the start, at 0: Prometheus's increase() then sees the first one.
    expect(sampleValue(await scrape(url), 'liqstream_api_client_errors_total', { reason: 'invalid_utf8' })).toBe(0);
    await Promise.all(Array.from({ length: 30 }, () => hostileClient(url, HOSTILE_FRAMES.invalid_utf8)));
    expect(sampleValue(await scrape(url), 'liqstream_api_client_errors_total', { reason: 'invalid_utf8' })).toBe(30);
    const logged = logLines().filter((l) => l.msg === 'API client error');
    expect(logged.length).toBe(5);
    expect(logged[0]).toMatchObject({ level: 40, reason: 'invalid_utf8', remote: '127.0.0.1', path: '/api/stream', err: 'Invalid WebSocket frame: invalid UTF-8 sequence' });
  });
});
