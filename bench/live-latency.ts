/**
 * Live latency, as a trader sees it: `live-latency.js <brokers>`, started by run.ts in a fresh process.
 * A local server speaking Binance's combined-stream protocol sends forceOrder frames at a steady rate
 * to a real `liqstream connect` process, which publishes to Kafka; a real `liqstream aggregate` process
 * consumes them. Two paths are timed from the moment the bench hands a frame to its socket:
 * - /metrics: the bench scrapes the aggregate process every BENCH_SCRAPE_MS (20 ms); the n-th frame is
 *   visible at the first scrape whose liqstream_liquidations_total (binance-usdm, all sides) is ≥ n
 *   (Kafka partitions deliver in any order across symbols, so this times the count, not one event).
 * - the live page: a WebSocket client on /api/stream, the stream the page follows; each liquidation is
 *   matched to its frame by its id (every frame is unique), so this is per event.
 * Both clocks are this process's: no cross-process clock skew. Knobs: BENCH_LIVE_RATE (2,000 frames/s),
 * BENCH_LIVE_SECONDS (30), BENCH_LIVE_WARMUP_SECONDS (5), BENCH_SCRAPE_MS (20); BENCH_LIVE_TRACE=1 prints
 * the p50, p99 and max of each second (a queue that grows shows as a rising p50; a pause, as one second's max).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket, WebSocketServer } from 'ws';
import { stringify } from 'yaml';
import { defaultTopics } from '../src/bus/topics.js';
import { VENUES } from '../src/venues/registry.js';
import { fmt, percentile } from './stats.js';
import { childFigures } from './targets.js';

const RATE = Number(process.env.BENCH_LIVE_RATE ?? 2_000);
const SECONDS = Number(process.env.BENCH_LIVE_SECONDS ?? 30);
const SCRAPE_MS = Number(process.env.BENCH_SCRAPE_MS ?? 20);
/** Untimed seconds at the full rate first: a live service has warm JITs (three processes and the broker's JVM). */
const WARMUP_SECONDS = Number(process.env.BENCH_LIVE_WARMUP_SECONDS ?? 5);
const CLI = fileURLToPath(new URL('../bundle/cli/main.js', import.meta.url));
const out = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Service {
  child: ChildProcess;
  url: string;
  logs: () => string;
  stop: () => Promise<void>;
}

/** `liqstream <mode> --config FILE`, resolved once its "liqstream started" line names the metrics URL. */
function startService(mode: 'connect' | 'aggregate', config: string): Promise<Service> {
  const child = spawn(process.execPath, ['--max-semi-space-size=64', CLI, mode, '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let logs = '';
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`liqstream ${mode} did not start:\n${logs}`)), 90_000);
    child.stdout!.on('data', (d: Buffer) => (logs += d.toString()));
    child.stderr!.on('data', (d: Buffer) => {
      logs += d.toString();
      const m = /"metrics":"(http:\/\/[^"]+)\/metrics".*"msg":"liqstream started"/.exec(logs);
      if (!m) return;
      clearTimeout(timer);
      resolve({
        child,
        url: m[1]!,
        logs: () => logs,
        stop: async () => {
          if (child.exitCode === null) child.kill('SIGTERM');
          const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
          await exited;
          clearTimeout(killer);
        },
      });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`liqstream ${mode} exited with ${code}:\n${logs}`));
    });
  });
}

/** Binance's combined-stream protocol, as much as the connector uses: SUBSCRIBE answered, frames pushed. */
async function binanceServer(): Promise<{ url: string; subscribed: Promise<WebSocket>; close: () => Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/stream' });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const subscribed = new Promise<WebSocket>((resolve) =>
    wss.on('connection', (ws) =>
      ws.on('message', (data) => {
        const msg = JSON.parse(data.toString()) as { method?: string; id?: number };
        if (msg.method !== 'SUBSCRIBE') return;
        ws.send(JSON.stringify({ result: null, id: msg.id }));
        resolve(ws);
      }),
    ),
  );
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/stream`,
    subscribed,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
    },
  };
}

/** liqstream_liquidations_total of binance-usdm, every side and fidelity added. */
async function visibleCount(metricsUrl: string): Promise<number> {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  let n = 0;
  for (const line of text.split('\n'))
    if (line.startsWith('liqstream_liquidations_total{') && line.includes('venue="binance-usdm"')) n += Number(line.slice(line.lastIndexOf(' ') + 1));
  return n;
}

const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'XRPUSDT', 'DOGEUSDT', 'BNBUSDT'];
const PRICES = ['112000.5', '3800.25', '180.125', '2.4567', '0.19876', '1100.5'];

/** The i-th frame: a unique quantity makes its liquidation id (venue:symbol:T:side:z:ap) unique. */
function frame(i: number, time: number): { text: string; id: string } {
  const k = i % SYMBOLS.length;
  const z = ((i + 1) / 1000).toFixed(3);
  const S = i % 5 === 0 ? 'BUY' : 'SELL';
  const o = `{"s":"${SYMBOLS[k]}","S":"${S}","o":"LIMIT","f":"IOC","q":"${z}","p":"${PRICES[k]}","ap":"${PRICES[k]}","X":"FILLED","l":"${z}","z":"${z}","T":${time}}`;
  return { text: `{"stream":"!forceOrder@arr","data":{"e":"forceOrder","E":${time + 1},"o":${o}}}`, id: ['binance-usdm', SYMBOLS[k], time, S, z, PRICES[k]].join(':') };
}

/** Calls send(0..count-1) at RATE a second, paced by the clock, not by timers: each turn sends what the rate owes by now. */
async function pace(count: number, send: (i: number) => void): Promise<void> {
  const start = performance.now();
  for (let i = 0; i < count; ) {
    const due = Math.min(count, Math.floor(((performance.now() - start) / 1000) * RATE));
    for (; i < due; i++) send(i);
    await sleep(1);
  }
}

function summary(name: string, ms: number[], seen: number, n: number): string {
  const s = [...ms].sort((a, b) => a - b);
  return `| ${name} | ${fmt(percentile(s, 50), 1)} | ${fmt(percentile(s, 99), 1)} | ${fmt(s[s.length - 1] ?? NaN, 1)} | ${fmt(n - seen)} |`;
}

async function main(): Promise<void> {
  const brokers = process.argv[2];
  if (!brokers) throw new Error('usage: live-latency.js <brokers>');
  const dir = mkdtempSync(join(tmpdir(), 'liqstream-bench-live-'));
  const cleanup: (() => Promise<void>)[] = [];
  try {
    const server = await binanceServer();
    cleanup.push(server.close);
    const run = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
    const config = join(dir, 'config.yaml');
    // The built-in defaults (the config schema's) but for what a bench must set: its own topics, group, ports and spill.
    writeFileSync(
      config,
      stringify({
        log: { level: 'info' },
        bus: {
          kind: 'kafka',
          kafka: { brokers: brokers.split(',') },
          topics: Object.fromEntries(Object.keys(defaultTopics()).map((k) => [k, `bench-live-${run}.${k}`])),
          spill: { dir: join(dir, 'spill') },
        },
        metrics: { port: 0 },
        aggregator: { groupId: `bench-live-${run}` },
        venues: Object.fromEntries(VENUES.map((v) => [v, v === 'binance-usdm' ? { enabled: true, url: server.url, discover: false, oiPollMs: 0 } : { enabled: false }])),
      }),
    );
    const aggregate = await startService('aggregate', config);
    cleanup.push(aggregate.stop);
    const connect = await startService('connect', config);
    cleanup.push(connect.stop);
    const upstream = await server.subscribed;

    const n = Math.round(RATE * SECONDS);
    const sentAt = new Float64Array(n);
    const streamAt = new Float64Array(n).fill(NaN);
    const metricsAt = new Float64Array(n).fill(NaN);
    const index = new Map<string, number>();
    let sent = 0;
    let onStream = 0;
    let onMetrics = 0;

    const page = new WebSocket(`${aggregate.url.replace(/^http/, 'ws')}/api/stream`);
    await new Promise<void>((resolve, reject) => page.once('open', () => resolve()).once('error', reject));
    const warmIds = new Set<string>();
    let warmSeen = false;
    page.on('message', (data) => {
      const now = performance.now();
      const msg = JSON.parse(data.toString()) as { type: string; events?: { id: string }[] };
      if (msg.type !== 'liquidations') return;
      for (const e of msg.events ?? []) {
        if (warmIds.has(e.id)) warmSeen = true;
        const i = index.get(e.id);
        if (i !== undefined && Number.isNaN(streamAt[i]!)) {
          streamAt[i] = now;
          onStream += 1;
        }
      }
    });

    // Warm-up, not timed: topics are created, the aggregator joins its group and gets its partitions
    // in the first seconds. One frame every 100 ms until one shows on both paths.
    const warmDeadline = performance.now() + 120_000;
    for (let k = 0; !(warmSeen && (await visibleCount(aggregate.url)) > 0); k++) {
      if (performance.now() > warmDeadline) throw new Error(`nothing visible 120 s after the first warm-up frame\nconnect:\n${connect.logs()}\naggregate:\n${aggregate.logs()}`);
      const f = frame(n + k, Date.now());
      warmIds.add(f.id);
      upstream.send(f.text);
      await sleep(100);
    }
    let warmSent = warmIds.size;
    await pace(Math.round(RATE * WARMUP_SECONDS), (j) => {
      upstream.send(frame(n + warmSent + j, Date.now()).text);
    });
    warmSent += Math.round(RATE * WARMUP_SECONDS);
    while ((await visibleCount(aggregate.url)) < warmSent) {
      if (performance.now() > warmDeadline) throw new Error('the warm-up frames were not all counted within 120 s');
      await sleep(100);
    }
    const base = await visibleCount(aggregate.url);
    let scraping = true;
    const scraper = (async () => {
      while (scraping) {
        const t0 = performance.now();
        const count = (await visibleCount(aggregate.url)) - base;
        const now = performance.now();
        for (; onMetrics < Math.min(count, sent); onMetrics++) metricsAt[onMetrics] = now;
        await sleep(Math.max(0, SCRAPE_MS - (now - t0)));
      }
    })();

    const wallStart = Date.now();
    await pace(n, (i) => {
      const f = frame(i, wallStart + Math.floor((i * 1000) / RATE));
      index.set(f.id, i);
      sentAt[i] = performance.now();
      upstream.send(f.text);
      sent = i + 1;
    });
    const sendSeconds = (sentAt[n - 1]! - sentAt[0]!) / 1000;
    const deadline = performance.now() + 60_000;
    while ((onMetrics < n || onStream < n) && performance.now() < deadline) await sleep(50);
    scraping = false;
    await scraper;
    page.close();

    if (process.env.BENCH_LIVE_TRACE === '1') {
      for (let sec = 0; sec * RATE < n; sec++) {
        const slice = (at: Float64Array) => Array.from(at.subarray(sec * RATE, (sec + 1) * RATE), (t, j) => t - sentAt[sec * RATE + j]!).sort((a, b) => a - b);
        const metrics = slice(metricsAt);
        out(`  second ${sec}: /metrics p50 ${fmt(percentile(metrics, 50))} / p99 ${fmt(percentile(metrics, 99))} / max ${fmt(metrics.at(-1)!)} ms, stream p50 ${fmt(percentile(slice(streamAt), 50))} ms`);
      }
    }
    const latencies = (at: Float64Array) => Array.from(at, (t, i) => t - sentAt[i]!).filter((x) => !Number.isNaN(x));
    out(
      `live latency (${fmt(n)} Binance frames at ${fmt(RATE)} frames/s for ${SECONDS} s, after ${WARMUP_SECONDS} s untimed at that rate; achieved ${fmt((n - 1) / sendSeconds)} frames/s): local Binance-protocol server → liqstream connect → Kafka → liqstream aggregate\n`,
    );
    out('| frame sent → visible on | p50 ms | p99 ms | max ms | lost |');
    out('|---|--:|--:|--:|--:|');
    out(summary(`/metrics (scraped every ${SCRAPE_MS} ms; n-th frame when the counter reaches n)`, latencies(metricsAt), onMetrics, n));
    out(summary('live page stream /api/stream (per event, batched every 250 ms by the server)', latencies(streamAt), onStream, n));
    out('');
    const onMetricsMs = latencies(metricsAt).sort((a, b) => a - b);
    childFigures().record('live:p99', {
      value: percentile(onMetricsMs, 99),
      note: `p50 ${fmt(percentile(onMetricsMs, 50), 1)} ms; ${fmt((n - 1) / sendSeconds)} frames/s achieved; scraped every ${SCRAPE_MS} ms`,
      ...(onMetrics < n ? { broken: `${fmt(n - onMetrics)} frames never counted on /metrics` } : {}),
    });
    if (onMetrics < n || onStream < n) throw new Error(`lost frames: ${n - onMetrics} not counted on /metrics, ${n - onStream} not on the stream, 60 s after the last was sent`);
  } finally {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
