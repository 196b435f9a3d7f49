import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Aggregator } from '../../src/aggregate/aggregator.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { startMetricsServer, type MetricsServer } from '../../src/service/http-server.js';
import { liveApi, type LiveApi } from '../../src/web/live-api.js';
import { MarketFeed } from '../../src/web/market-feed.js';
import { sampleValue, scrape } from '../support/prom-text.js';

let server: MetricsServer | undefined;
let api: LiveApi | undefined;
afterEach(async () => {
  api?.close();
  await server?.close();
  server = undefined;
  api = undefined;
});

async function start(): Promise<string> {
  const metrics = createMetrics();
  api = liveApi({ aggregator: new Aggregator(), feed: new MarketFeed(), cascades: () => ({ signals: [], produced: 0 }), status: () => ({}), now: Date.now });
  server = await startMetricsServer(metrics.registry, { host: '127.0.0.1', port: 0, routes: api });
  return server.url;
}

/** Sends raw bytes; what came back, and whether the server closed the socket within 2 s. */
function raw(url: string, request: string): Promise<{ out: string; closed: boolean }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(request));
    let out = '';
    socket.on('data', (d) => (out += d.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve({ out, closed: true }));
    setTimeout(() => {
      resolve({ out, closed: false });
      socket.destroy();
    }, 2_000).unref();
  });
}

describe('live API against malformed requests', () => {
  // The http parser accepts an absolute-form target that WHATWG URL rejects; `new URL(req.url, base)`
  // threw inside the server's request / upgrade listener: an uncaught exception, which ends the
  // process (aggregate or run) from one unauthenticated request.
  it('answers 400 to a request target URL cannot parse, and keeps serving', async () => {
    const url = await start();
    const reply = await raw(url, 'GET http://[ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(reply.out.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expect((await fetch(`${url}/api/cascades`)).status).toBe(200);
  });

  it('answers 400 to an upgrade whose target URL cannot parse, closes it, and keeps serving', async () => {
    const url = await start();
    const reply = await raw(url, 'GET http://[ HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n');
    // An upgrade no route takes is answered as the plain request it also is, then closed (before: closed with no answer,
    // and before that left hanging).
    expect(reply.closed).toBe(true);
    expect(reply.out.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expect(reply.out).toContain('malformed request target');
    expect((await fetch(`${url}/api/cascades`)).status).toBe(200);
  });
});

describe('live API stream clients', () => {
  it('refuses stream clients past maxClients with 503, and takes one again when a client leaves', async () => {
    const { WebSocket } = await import('ws');
    const metrics = createMetrics();
    api = liveApi({ aggregator: new Aggregator(), feed: new MarketFeed(), cascades: () => ({ signals: [], produced: 0 }), status: () => ({}), now: Date.now, maxClients: 2 });
    server = await startMetricsServer(metrics.registry, { host: '127.0.0.1', port: 0, routes: api });
    const wsUrl = `${server.url.replace('http', 'ws')}/api/stream`;
    const open = () =>
      new Promise<{ ws: InstanceType<typeof WebSocket>; status: number }>((resolve) => {
        const ws = new WebSocket(wsUrl);
        ws.on('open', () => resolve({ ws, status: 101 }));
        ws.on('unexpected-response', (_req, res) => resolve({ ws, status: res.statusCode ?? 0 }));
        ws.on('error', () => {});
      });
    const a = await open();
    const b = await open();
    // Before the fix every upgrade was taken: no bound on clients, each holding up to 4 MiB unsent.
    const c = await open();
    expect([a.status, b.status, c.status]).toEqual([101, 101, 503]);
    // Counted and logged like any refused client (it was neither).
    expect(sampleValue(await scrape(server.url), 'liqstream_api_client_errors_total', { reason: 'stream_full' })).toBe(1);
    // Taken again once the server has seen the client leave: after the close handshake (not a fixed 200 ms, which a
    // loaded host can outlast); the server's own close event can still come a moment after the client's, so a
    // refusal in that moment is asked again.
    await new Promise((r) => {
      a.ws.once('close', r);
      a.ws.close();
    });
    let d = await open();
    for (const deadline = Date.now() + 10_000; d.status === 503 && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 20));
      d = await open();
    }
    expect(d.status).toBe(101);
    b.ws.close();
    d.ws.close();
  });
});
