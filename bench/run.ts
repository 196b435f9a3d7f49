/**
 * `npm run bench`: throughput and latency figures on one set of recorded-shape frames.
 * Not a test: it prints what this machine does. Kafka figures need a broker: KAFKA_BROKERS,
 * or one is started with scripts/kafka/kafka.sh (set BENCH_KAFKA=0 to skip).
 * BENCH_ONLY=startup,node-fills,replay-day runs only those sections (comma-separated).
 */
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import ccxt from 'ccxt';
import { createBinanceParser } from '../src/venues/binance/parse.js';
import { binanceBenchFrames } from './frames.js';
import { benchNodeFills } from './node-fills.js';
import { benchReplayDay } from './replay-day.js';
import { benchSpill } from './spill.js';
import { benchStartup } from './startup.js';
import { benchVenues } from './venues.js';
import type { NormalizedEvent } from '../src/schema/events.js';
import { fmt, rssMiB, throughput } from './stats.js';

const N = Number(process.env.BENCH_FRAMES ?? 200_000);
const out = (line: string) => process.stdout.write(`${line}\n`);

const ONLY = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());

async function main(): Promise<void> {
  out(`liqstream bench — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${fmt(totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
  const run = (section: string) => ONLY === undefined || ONLY.includes(section);
  if (run('startup')) benchStartup(out);
  if (run('node-fills')) benchNodeFills(out);
  if (run('replay-day')) await benchReplayDay(out);
  if (ONLY !== undefined) return;
  const frames = binanceBenchFrames(N);
  out(`frames: ${fmt(N)} Binance USD-M forceOrder frames (${fmt(frames.reduce((s, f) => s + f.length, 0) / N)} bytes each)\n`);

  const parser = createBinanceParser({ venue: 'binance-usdm' });
  const jsonOnly = throughput(frames, (f) => JSON.parse(f));
  const ours = throughput(frames, (f) => parser(f, 0).ok);
  const exchange = new ccxt.pro.binanceusdm();
  const ccxtRate = throughput(frames, (f) => {
    const msg = JSON.parse(f) as { data: { o: unknown } };
    return exchange.parseWsLiquidation(msg.data.o);
  });
  out('parse (single core)                 frames/s   vs JSON.parse');
  out(`  JSON.parse alone              ${fmt(jsonOnly).padStart(12)}        1.00`);
  out(`  liqstream normalize+validate  ${fmt(ours).padStart(12)}        ${fmt(ours / jsonOnly, 2)}`);
  out(`  ccxt parseWsLiquidation       ${fmt(ccxtRate).padStart(12)}        ${fmt(ccxtRate / jsonOnly, 2)}`);
  out(`  liqstream / ccxt: ${fmt(ours / ccxtRate, 2)}\n`);

  await benchVenues(out);
  benchSpill(frames.flatMap((f) => { const r = parser(f, 0); return r.ok ? (r.events as NormalizedEvent[]) : []; }), out);

  out('end to end: frames → parse → bus → aggregator, each in a fresh process');
  // A fresh process per pipeline: the parse section above leaves ccxt's heap and garbage behind,
  // which cost the embedded pipeline 15-25% when it ran in the same process.
  const endToEnd = (args: string[]) =>
    execFileSync(process.execPath, [...process.execArgv, fileURLToPath(new URL('./end-to-end.js', import.meta.url)), ...args], { stdio: 'inherit' });
  endToEnd(['embedded']);

  if (process.env.BENCH_KAFKA !== '0') {
    let brokers = process.env.KAFKA_BROKERS;
    let started = false;
    if (!brokers) {
      execFileSync('bash', ['scripts/kafka/kafka.sh', 'start'], { stdio: 'inherit', env: { ...process.env, KAFKA_PORT: '19192' } });
      brokers = '127.0.0.1:19192';
      started = true;
    }
    try {
      endToEnd(['kafka', brokers]);
    } finally {
      if (started) execFileSync('bash', ['scripts/kafka/kafka.sh', 'stop'], { stdio: 'inherit', env: { ...process.env, KAFKA_PORT: '19192' } });
    }
  }
  out(`\npeak RSS of the parse section ${fmt(process.resourceUsage().maxRSS / 1024)} MiB (now ${fmt(rssMiB())} MiB)`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
