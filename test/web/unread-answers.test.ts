import { connect, type Socket } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { Gauge } from 'prom-client';
import { createMetrics } from '../../src/metrics/metrics.js';
import { startMetricsServer, type MetricsServer } from '../../src/service/http-server.js';
import { json } from '../../src/web/http-answers.js';
import { sampleValue, scrape } from '../support/prom-text.js';
import { until } from '../support/until.js';

/*
 * Clients that ask and never read (src/service/answer-budget.ts). Before, twelve connections pipelining 1,400
 * requests each and reading nothing held 4 GB of answers and ended the process; one connection that never read a
 * large answer held it for ever.
 */

let server: MetricsServer | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await server?.close();
  server = undefined;
});

/** A server whose `/big` answers `size` characters of JSON and counts how often it was asked. */
async function start(o: { size: number; bytes?: number; perConnection?: number; stallTimeoutMs?: number; metricsChars?: number }) {
  const metrics = createMetrics();
  // A /metrics answer of about `metricsChars`, by one gauge's help text.
  if (o.metricsChars) new Gauge({ name: 'test_wide_gauge', help: 'x'.repeat(o.metricsChars), registers: [metrics.registry] }).set(1);
  const asked = { big: 0 };
  const routes = {
    handle(req: IncomingMessage, res: ServerResponse): boolean {
      if (req.url !== '/big') return false;
      asked.big += 1;
      json(res, 200, 'x'.repeat(o.size));
      return true;
    },
  };
  server = await startMetricsServer(metrics.registry, {
    host: '127.0.0.1',
    port: 0,
    routes,
    stallTimeoutMs: o.stallTimeoutMs,
    answerLimits: { perConnection: o.perConnection ?? 16, bytes: o.bytes ?? 64 << 20 },
  });
  return { url: server.url, asked };
}

/** A connection that sends `requests` GETs of `path` in one write (with `headers`) and never reads what comes back. */
function unreadRequests(url: string, path: string, requests: number, headers = ''): Socket {
  const { hostname, port } = new URL(url);
  const s = connect(Number(port), hostname, () => {
    s.pause();
    s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n${headers}\r\n`.repeat(requests));
  });
  s.on('error', () => {});
  sockets.push(s);
  return s;
}

const errors = async (url: string, reason: string) => sampleValue(await scrape(url), 'liqstream_api_client_errors_total', { reason });

/** The status of a GET whose answer is read whole (an answer left unread would itself be held). */
const status = async (url: string): Promise<number> => {
  const r = await fetch(url);
  await r.arrayBuffer();
  return r.status;
};

describe('answers that clients leave unread', () => {
  it('closes a connection with more than perConnection requests unanswered, builds no more answers for it, and counts it once', async () => {
    const { url, asked } = await start({ size: 60_000, perConnection: 16 });
    Array.from({ length: 12 }, () => unreadRequests(url, '/big', 1_400));
    await until(async () => (await errors(url, 'pipelined_flood')) === 12, 'every flooding connection closed', 10_000);
    // At most 16 answers built per connection (not 1,400), and each connection counted once.
    expect(asked.big).toBeLessThanOrEqual(12 * 16);
    expect(await errors(url, 'pipelined_flood')).toBe(12);
    // Nothing else counted for the answers that failed with their connection.
    expect(await errors(url, 'econnreset')).toBeUndefined();
    expect((await fetch(`${url}/big`)).status).toBe(200);
  });

  it('answers 503 once answers left unread hold `bytes`, but never to /metrics or the probes, and serves again when they are taken', async () => {
    // 16 MB answers: more than loopback's socket buffers take, so a client that does not read leaves them held.
    const { url } = await start({ size: 16e6, bytes: 20e6 });
    const stalled = [unreadRequests(url, '/big', 1), unreadRequests(url, '/big', 1)];
    await until(async () => (await status(`${url}/big`)) === 503, 'a 503 while 32 MB are held', 10_000);
    expect(await errors(url, 'answers_held')).toBeGreaterThanOrEqual(1);
    expect((await fetch(`${url}/metrics`)).status).toBe(200);
    expect((await fetch(`${url}/livez`)).status).toBe(200);
    // The stalled clients go: what they held is released.
    for (const s of stalled) s.destroy();
    await until(async () => (await status(`${url}/big`)) === 200, 'served again', 10_000);
  });

  it('closes a connection that takes nothing of its answer for stallTimeoutMs, counted as stalled', async () => {
    const { url } = await start({ size: 16e6, bytes: 20e6, stallTimeoutMs: 500 });
    unreadRequests(url, '/big', 1);
    // Closed by the server: the client, not reading, would not see it.
    await until(async () => (await errors(url, 'stalled')) === 1, 'the stalled connection closed and counted', 10_000);
    // What it held is released: a 20 MB budget would refuse the next answer otherwise.
    expect(await status(`${url}/big`)).toBe(200);
  });

  it('counts no byte of /metrics answers left unread against the others: the other routes stay served', async () => {
    const { url } = await start({ size: 10, bytes: 20e6, metricsChars: 16e6 });
    for (let i = 0; i < 3; i++) unreadRequests(url, '/metrics', 1);
    await new Promise((r) => setTimeout(r, 500));
    // Before: 48 MB of unread /metrics answers held a 20 MB budget, and every other route answered 503.
    expect(await status(`${url}/big`)).toBe(200);
    expect(await errors(url, 'answers_held')).toBeUndefined();
  });

  it('closes an upgrade it answers as a plain request (h2c) when its client takes nothing for stallTimeoutMs', async () => {
    const { url } = await start({ size: 16e6, bytes: 20e6, stallTimeoutMs: 500 });
    unreadRequests(url, '/big', 1, 'Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n');
    // Node takes its timeout off a socket it hands over for an upgrade: before, such a client held its answer for ever.
    await until(async () => (await errors(url, 'stalled')) === 1, 'the upgraded connection closed and counted', 10_000);
    expect(await status(`${url}/big`)).toBe(200);
  });

  it('answers an upgrade it does not serve (h2c) as the plain request, and counts refusals by status', async () => {
    const { url } = await start({ size: 10 });
    const { hostname, port } = new URL(url);
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      const s = connect(Number(port), hostname, () => s.write('GET /livez HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n'));
      sockets.push(s);
      s.on('data', (d) => (text += d.toString('latin1')));
      s.on('error', () => {});
      s.on('close', () => resolve(text));
    });
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    expect(answer).toContain('"status":"ok"');
    expect((await fetch(`${url}/nowhere`)).status).toBe(404);
    expect((await fetch(`${url}/metrics?x=1`)).status).toBe(400);
    expect(await errors(url, 'http_404')).toBe(1);
    expect(await errors(url, 'http_400')).toBe(1);
  });
});
