/**
 * `npm run bench`: throughput and latency figures on one set of recorded-shape frames.
 * Not a test: it prints what this machine does. Kafka figures need a broker: KAFKA_BROKERS,
 * or one is started with scripts/kafka/kafka.sh (set BENCH_KAFKA=0 to skip).
 */
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import ccxt from 'ccxt';
import { KafkaBus } from '../src/bus/kafka-bus.js';
import { MemoryBus } from '../src/bus/memory-bus.js';
import { defaultTopics, TopicNames } from '../src/bus/topics.js';
import { createBinanceParser } from '../src/venues/binance/parse.js';
import { binanceBenchFrames } from './frames.js';
import { runPipeline, type PipelineFigures } from './pipeline.js';
import { fmt, rssMiB, throughput } from './stats.js';

const N = Number(process.env.BENCH_FRAMES ?? 200_000);
const out = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  out(`liqstream bench — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${fmt(totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
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

  // This machine's neighbours make single runs vary by ±15%: after one uncounted warm-up run (V8's
  // and the broker JVM's JIT), each pipeline runs several times and the run with the median rate is
  // reported, with the range. One more run forces a full GC before each RSS sample, for the memory line.
  const report = async (name: string, runs: number, once: (settleMemory: boolean) => Promise<PipelineFigures>) => {
    await once(false);
    const all: PipelineFigures[] = [];
    for (let r = 0; r < runs; r++) all.push(await once(false));
    all.sort((a, b) => a.eventsPerSecond - b.eventsPerSecond);
    const f = all[Math.floor((runs - 1) / 2)]!;
    out(
      `  ${name.padEnd(14)} ${fmt(f.eventsPerSecond).padStart(10)} events/s (${runs} runs: ${fmt(all[0]!.eventsPerSecond)}–${fmt(all[runs - 1]!.eventsPerSecond)})   p50 ${fmt(f.latencyMs.p50, 2)} ms   p99 ${fmt(f.latencyMs.p99, 2)} ms`,
    );
    const settled = await once(true);
    const series = (v: number[]) => v.map((r) => fmt(r)).join(' / ');
    out(`  ${''.padEnd(14)} after a full GC at 25/50/75/100% of the events: RSS ${series(settled.rssMiB)} MiB, live heap ${series(settled.heapMiB)} MiB`);
  };
  out('end to end: frames → parse → bus → aggregator');
  // The embedded bus delivers synchronously, so buffering beyond one batch only ages events (and
  // their promotion to the old generation costs GC time): maxBuffered = batchSize.
  await report('embedded bus', 5, (settleMemory) =>
    runPipeline(new MemoryBus(), defaultTopics(), frames, { batchSize: 1_000, maxBuffered: 1_000, settleMemory }),
  );

  if (process.env.BENCH_KAFKA !== '0') {
    let brokers = process.env.KAFKA_BROKERS;
    let started = false;
    if (!brokers) {
      execFileSync('bash', ['scripts/kafka/kafka.sh', 'start'], { stdio: 'inherit', env: { ...process.env, KAFKA_PORT: '19192' } });
      brokers = '127.0.0.1:19192';
      started = true;
    }
    try {
      const kafka = brokers.split(',');
      await report('real Kafka', 3, (settleMemory) => {
        const run = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
        const topics = TopicNames.parse(Object.fromEntries(Object.keys(defaultTopics()).map((k) => [k, `bench-${run}.${k}`])));
        const bus = new KafkaBus({ brokers: kafka, clientId: 'liqstream-bench', partitions: 6, replicationFactor: 1 });
        // The defaults of config/default.yaml.
        return runPipeline(bus, topics, frames, { batchSize: 1_000, maxBuffered: 50_000, settleMemory });
      });
    } finally {
      if (started) execFileSync('bash', ['scripts/kafka/kafka.sh', 'stop'], { stdio: 'inherit', env: { ...process.env, KAFKA_PORT: '19192' } });
    }
  }
  out(`\npeak RSS ${fmt(process.resourceUsage().maxRSS / 1024)} MiB (now ${fmt(rssMiB())} MiB)`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
