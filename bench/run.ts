/**
 * `npm run bench`: throughput and latency figures, printed as markdown rows for the README.
 * Not a test: it prints what this machine does. Kafka figures need a broker: KAFKA_BROKERS,
 * or one is started with scripts/kafka/kafka.sh on KAFKA_PORT (default 19192; BENCH_KAFKA=0 skips them).
 * BENCH_ONLY=parse,venues,mixed,startup,node-fills,replay-day,replay-workers,warning,spill,store,store-days,store-live,e2e,live runs only the sections named; BENCH_QUICK=1 shrinks every
 * section (a smoke run in under two minutes, figures not for the README).
 * At the end, one table "Targets (issue 22 and 19)": each target against this run's figure (bench/targets.ts), which
 * the sections hand over typed, the child processes through the file BENCH_FIGURES names. A section that fails is
 * reported in that table and the bench goes on with the next; it exits 1 at the end.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBinanceParser } from '../src/venues/binance/parse.js';
import { binanceBenchFrames } from './frames.js';
import { benchEarlyWarning } from './early-warning.js';
import { benchNodeFills, nodeFillsSizes } from './node-fills.js';
import { peersOf } from './peers.js';
import { benchReplayDay, BIG_VENUES } from './replay-day.js';
import { benchReplayWorkers } from './replay-workers.js';
import { benchSpill } from './spill.js';
import { benchStore } from './store.js';
import { benchStoreDays } from './store-days.js';
import { benchStoreLive } from './store-live.js';
import { benchStartup } from './startup.js';
import { benchMixedDay, benchVenues } from './venues.js';
import { simulatedWindow, type SimulatedWindow } from './window.js';
import type { NormalizedEvent } from '../src/schema/events.js';
import { compareThroughput, fmt, rssMiB } from './stats.js';
import { Figures, issueTargets, targetsTable } from './targets.js';
import { VENUES, venueAbout } from '../src/venues/registry.js';

const QUICK = process.env.BENCH_QUICK === '1';
if (QUICK) {
  process.env.BENCH_FRAMES ??= '20000';
  process.env.BENCH_LIVE_SECONDS ??= '5';
  process.env.BENCH_LIVE_WARMUP_SECONDS ??= '2';
  process.env.BENCH_NODE_FILLS_MB ??= '20';
  process.env.BENCH_NODE_FILLS_ROUNDS ??= '1';
  process.env.BENCH_REPLAY_FROM ??= '21:00';
  process.env.BENCH_REPLAY_TO ??= '21:20';
  process.env.BENCH_REPLAY_ROUNDS ??= '1';
  process.env.BENCH_STORE_ROUNDS ??= '1';
}
const N = Number(process.env.BENCH_FRAMES ?? 200_000);
/** Minutes of the simulated day for the per-venue and mixed-day sections: the cascade, 20:30–22:30 UTC. */
const WINDOW = (process.env.BENCH_WINDOW ?? (QUICK ? '21:00-21:02' : '20:30-22:30')).split('-').map((t) => {
  const [h, m] = t.split(':').map(Number);
  return h! * 60 + m!;
});
const PER_VENUE = Number(process.env.BENCH_VENUE_FRAMES ?? (QUICK ? 300 : 50_000));
const SECTIONS = new Set((process.env.BENCH_ONLY ?? 'parse,venues,mixed,startup,node-fills,replay-day,replay-workers,warning,spill,store,store-days,store-live,e2e,live').split(',').map((x) => x.trim()));
const out = (line: string) => process.stdout.write(`${line}\n`);
const figures = new Figures();

/**
 * Runs one section when BENCH_ONLY names it (`why` it does not run otherwise), with the load average at its start
 * and end for the targets table. A section that throws is logged, marked failed there, and the bench goes on.
 */
async function section(name: string, run: () => void | Promise<void>, skip?: string): Promise<void> {
  const why = !SECTIONS.has(name) ? 'not in BENCH_ONLY' : skip;
  if (why !== undefined) {
    figures.sections.set(name, { ran: false, why });
    return;
  }
  const start = loadavg()[0]!;
  let failed: string | undefined;
  try {
    await run();
  } catch (err) {
    failed = (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 200);
    process.stderr.write(`bench section ${name} failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  }
  figures.sections.set(name, { ran: true, load: [start, loadavg()[0]!], ...(failed !== undefined ? { failed } : {}) });
}

async function main(): Promise<void> {
  const cpu = cpus();
  out(`liqstream bench — ${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, ${fmt(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}${QUICK ? ' — BENCH_QUICK: small samples, not figures to keep' : ''}\n`);
  const frames = binanceBenchFrames(N);
  const parser = createBinanceParser({ venue: 'binance-usdm' });

  await section('parse', () => {
    const peers = peersOf('binance-usdm', frames[0]);
    const rates = compareThroughput(frames, {
      'JSON.parse alone': () => (f) => JSON.parse(f),
      'liqstream (normalize + validate)': () => (f) => parser(f, 0).ok,
      'ccxt parseWsLiquidation': () => (f) => peers.ccxt!.parse(f).length,
      'tardis-dev normalizeLiquidations': () => (f) => peers.tardis!.parse(f).length,
    });
    out(`the end-to-end benchmark's frames: ${fmt(N)} Binance USD-M forceOrder frames (${fmt(frames.reduce((s, f) => s + f.length, 0) / N)} bytes each), single core, best of 5 interleaved rounds:\n`);
    out('| parser | frames/s | ÷ JSON.parse |');
    out('|---|--:|--:|');
    for (const [name, rate] of Object.entries(rates)) out(`| ${name} | ${fmt(rate)} | ${fmt(rate / rates['JSON.parse alone'], 2)} |`);
    if (peers.tardis?.note) out(`\ntardis-dev: ${peers.tardis.note}`);
    out('');
  });

  if (SECTIONS.has('venues') || SECTIONS.has('mixed')) {
    const window: SimulatedWindow = simulatedWindow(WINDOW[0]!, WINDOW[1]!);
    await section('venues', () => benchVenues(window, out, PER_VENUE, figures));
    await section('mixed', () => benchMixedDay(window, out));
  } else for (const name of ['venues', 'mixed']) await section(name, () => undefined);

  await section('startup', () => benchStartup(out));
  await section('node-fills', () => benchNodeFills(out, figures));
  await section('replay-day', () => benchReplayDay(out, figures));
  await section('replay-workers', () => benchReplayWorkers(out, figures));
  await section('warning', () => benchEarlyWarning(out));
  await section('spill', () =>
    benchSpill(frames.flatMap((f) => { const r = parser(f, 0); return r.ok ? (r.events as NormalizedEvent[]) : []; }), out));

  // The history store (issue 19): storing during a replay, 90 days and their queries, the live store's lag.
  await section('store', () => benchStore(out, figures));
  await section('store-days', () => benchStoreDays(out, figures));
  await section('store-live', () => benchStoreLive(out, figures));

  // Fresh processes: the parse sections leave ccxt's heap and garbage behind, which cost the embedded
  // pipeline 15-25% when it ran in the same process. Their figures come back in the file BENCH_FIGURES names.
  const figureDir = mkdtempSync(join(tmpdir(), 'liqstream-bench-figures-'));
  const figureFile = join(figureDir, 'figures.ndjson');
  const child = (script: string, args: string[]) =>
    execFileSync(process.execPath, [...process.execArgv, fileURLToPath(new URL(script, import.meta.url)), ...args], { stdio: 'inherit', env: { ...process.env, BENCH_FIGURES: figureFile } });
  const kafka = process.env.BENCH_KAFKA !== '0' && (SECTIONS.has('e2e') || SECTIONS.has('live'));
  const port = process.env.KAFKA_PORT ?? '19192';
  const brokers = process.env.KAFKA_BROKERS ?? (kafka ? `127.0.0.1:${port}` : undefined);
  const startBroker = kafka && !process.env.KAFKA_BROKERS;
  const noKafka = 'BENCH_KAFKA=0: no broker';
  try {
    // Started before any table, so that its log line does not land between a table's rows.
    if (startBroker) execFileSync('bash', ['scripts/kafka/kafka.sh', 'start'], { stdio: 'inherit', env: { ...process.env, KAFKA_PORT: port } });
    await section('e2e', () => {
      out('end to end: frames → parse → bus → aggregator, each pipeline in a fresh process\n');
      out('| pipeline | input | liquidations/s (median; range) | frames/s | p50 | p99 | host control (`JSON.parse` alone, before / after) | RSS after a full GC at 25/50/75/100% of the frames | live heap, likewise | peak RSS |');
      out('|---|---|--:|--:|--:|--:|---|---|---|---|');
      // Binance-only frames (one liquidation each), then the simulated 10 October's venue mix (targets: embedded ≥ 300k liquidations/s, Kafka ≥ 150k/s).
      const modes = ['', '-mix', '-mix-short'];
      for (const m of modes) child('./end-to-end.js', [`embedded${m}`]);
      // And the mix through Kafka as deployed: `connect` and `aggregate` in two processes.
      const kafkaModes = [...modes, '-mix-apart'];
      if (kafka) for (const m of kafkaModes) child('./end-to-end.js', [`kafka${m}`, brokers!]);
      else for (const m of kafkaModes) figures.without(`e2e:kafka${m}`, noKafka);
      out('');
    });
    await section('live', () => void child('./live-latency.js', [brokers!]), kafka ? undefined : noKafka);
  } finally {
    if (startBroker) execFileSync('bash', ['scripts/kafka/kafka.sh', 'stop'], { stdio: 'inherit', env: { ...process.env, KAFKA_PORT: port } });
    figures.readFile(figureFile);
    rmSync(figureDir, { recursive: true, force: true });
  }
  out(`\npeak RSS of the in-process sections ${fmt(process.resourceUsage().maxRSS / 1024)} MiB (now ${fmt(rssMiB())} MiB)`);

  const targets = issueTargets({ perpsVenues: VENUES.filter((v) => venueAbout(v).market !== 'lending'), bigVenues: BIG_VENUES, nodeFillsMb: nodeFillsSizes() });
  out(`\n## Targets (issue 22 and 19)${QUICK ? ' — BENCH_QUICK: small samples, not figures to keep' : ''}\n`);
  for (const line of targetsTable(targets, figures)) out(line);
  const failed = [...figures.sections].filter(([, st]) => st.ran && st.failed !== undefined).map(([name]) => name);
  if (failed.length > 0) {
    process.stderr.write(`bench sections failed: ${failed.join(', ')}\n`);
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
