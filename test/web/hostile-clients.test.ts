import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log.js';
import { startService, type RunningService } from '../../src/service/service.js';
import { StreamMessage } from '../../src/web/live-api.js';
import { BinanceServer } from '../support/binance-server.js';
import { writeTestConfig } from '../support/config-file.js';
import { prng } from '../../src/simulate/prng.js';
import { HOSTILE_FRAMES, hostileClient, randomFrames, type HostileKind } from '../support/hostile-ws.js';
import { sampleValue, scrape } from '../support/prom-text.js';
import { until } from '../support/until.js';

/** A USD-M forceOrder of qty × 100 USD with its own trade time (so its own id). */
const order = (t: number, qty: number) =>
  `{"stream":"!forceOrder@arr","data":{"e":"forceOrder","E":${t},"o":{"s":"ETHUSDT","S":"BUY","o":"LIMIT","f":"IOC","q":"${qty}","p":"100","ap":"100","X":"FILLED","l":"${qty}","z":"${qty}","T":${t}}}}`;

const KINDS = Object.keys(HOSTILE_FRAMES) as HostileKind[];
const uncaught: unknown[] = [];
const onUncaught = (err: unknown) => uncaught.push(err);
let venue: BinanceServer;
let service: RunningService;

beforeAll(async () => {
  process.on('uncaughtException', onUncaught);
  venue = await BinanceServer.start();
  // The service `run` starts (embedded bus, connectors, aggregator, live API on the metrics port).
  service = await startService(loadConfig({ file: writeTestConfig({ 'binance-usdm': { url: venue.url } }), env: {} }), 'run', silentLogger());
  await venue.subscriptions(1);
});
afterAll(async () => {
  await service?.stop();
  await venue?.close();
  process.off('uncaughtException', onUncaught);
});

async function counted(): Promise<{ liquidations: number; usd: number; errors: Record<string, number | undefined> }> {
  const samples = await scrape(service.metricsUrl);
  const liquidations = samples.filter((s) => s.name === 'liqstream_liquidations_total').reduce((a, s) => a + s.value, 0);
  const totals = (await (await fetch(`${service.metricsUrl}/api/totals`)).json()) as { usd: number; count: number };
  // /metrics and /api/totals are two reads: equal once the events in flight have been applied.
  if (totals.count !== liquidations) return { liquidations: Number.NaN, usd: Number.NaN, errors: {} };
  return { liquidations, usd: totals.usd, errors: Object.fromEntries(KINDS.map((k) => [k, sampleValue(samples, 'liqstream_api_client_errors_total', { reason: k })])) };
}

describe('hostile /api/stream clients against the service `run` builds (issue 18 §1)', () => {
  it('closes each hostile client, counts it by reason, and keeps counting liquidations exactly', async () => {
    const t0 = 1_760_000_000_000;
    for (let i = 0; i < 10; i++) venue.sendRaw(order(t0 + i, 1));
    await until(async () => (await counted()).liquidations === 10, '10 liquidations');

    // Each of the three messages, after the handshake and inside the upgrade request itself.
    // Before: the first one ended the process (an 'error' event on a socket nobody listened to).
    for (const kind of KINDS) {
      expect(await hostileClient(service.metricsUrl, HOSTILE_FRAMES[kind]), kind).toEqual({ status: 'HTTP/1.1 101 Switching Protocols', closed: true });
      expect(await hostileClient(service.metricsUrl, HOSTILE_FRAMES[kind], { inHead: true }), `${kind} in head`).toEqual({ status: 'HTTP/1.1 101 Switching Protocols', closed: true });
    }
    // A burst: 50 clients of each kind at once, while liquidations keep arriving.
    const burst = Promise.all(KINDS.flatMap((kind) => Array.from({ length: 50 }, () => hostileClient(service.metricsUrl, HOSTILE_FRAMES[kind]))));
    for (let i = 10; i < 20; i++) venue.sendRaw(order(t0 + i, 2));
    const replies = await burst;
    expect(replies.filter((r) => r.closed).length).toBe(150);
    expect(uncaught).toEqual([]);

    await until(async () => (await counted()).liquidations === 20, '20 liquidations');
    const after = await counted();
    expect(after.usd).toBe(10 * 100 + 10 * 200); // exact: nothing lost, nothing doubled
    expect((await counted()).errors).toEqual(Object.fromEntries(KINDS.map((k) => [k, 52])));

    // A well-behaved client still connects and is served.
    const ws = new WebSocket(`${service.metricsUrl.replace('http', 'ws')}/api/stream`);
    const first = await new Promise<StreamMessage>((resolve, reject) => {
      ws.once('message', (d) => resolve(StreamMessage.parse(JSON.parse(d.toString()))));
      ws.once('error', reject);
    });
    ws.close();
    expect(first.type === 'totals' && first.totals.count).toBe(20);
    expect(uncaught).toEqual([]);
  });

  it('fuzz: 200 clients sending random frames (bad opcodes, RSV bits, lengths up to 2^64) never stop the counting', async () => {
    const seed = Number(process.env.FUZZ_SEED ?? 18);
    const rng = prng(seed);
    const before = (await counted()).liquidations;
    const t0 = 1_761_000_000_000;
    const clients = Array.from({ length: 200 }, () => hostileClient(service.metricsUrl, randomFrames(rng), { timeoutMs: 1_500 }));
    for (let i = 0; i < 10; i++) venue.sendRaw(order(t0 + i, 3));
    const replies = await Promise.all(clients);
    expect([...new Set(replies.map((r) => r.status))], `seed ${seed}`).toEqual(['HTTP/1.1 101 Switching Protocols']);
    expect(uncaught, `seed ${seed}`).toEqual([]);
    await until(async () => (await counted()).liquidations === before + 10, `10 more liquidations (seed ${seed})`);
    expect((await counted()).usd).toBe(10 * 100 + 10 * 200 + 10 * 300);
    expect((await fetch(`${service.metricsUrl}/livez`)).status).toBe(200);
  });
});
