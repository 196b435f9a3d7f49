/**
 * One end-to-end pipeline, several times, in this process: `end-to-end.js embedded` or
 * `end-to-end.js kafka <brokers>`. Started by run.ts in a fresh process per pipeline.
 */
import { KafkaBus } from '../src/bus/kafka-bus.js';
import { MemoryBus } from '../src/bus/memory-bus.js';
import { defaultTopics, TopicNames } from '../src/bus/topics.js';
import { binanceBenchFrames } from './frames.js';
import { runPipeline, type PipelineFigures } from './pipeline.js';
import { fmt, throughput } from './stats.js';

const N = Number(process.env.BENCH_FRAMES ?? 200_000);
const out = (line: string) => process.stdout.write(`${line}\n`);

/**
 * This machine's neighbours make single runs vary by ±15%: after one uncounted warm-up run (V8's and
 * the broker JVM's JIT), the pipeline runs several times and the run with the median rate is
 * reported, with the range. One more run forces a full GC before each memory sample.
 */
async function report(name: string, runs: number, frames: string[], once: (settleMemory: boolean) => Promise<PipelineFigures>): Promise<void> {
  await once(false);
  // The host's speed while the runs ran, measured on work liqstream does not touch: when this is
  // low, a low rate says more about the neighbours than about liqstream.
  const control = () => {
    globalThis.gc?.();
    return throughput(frames.slice(0, 50_000), (f) => JSON.parse(f), 3);
  };
  const before = control();
  const all: PipelineFigures[] = [];
  for (let r = 0; r < runs; r++) all.push(await once(false));
  const after = control();
  all.sort((a, b) => a.eventsPerSecond - b.eventsPerSecond);
  const f = all[Math.floor((runs - 1) / 2)]!;
  const settled = await once(true);
  const series = (v: number[]) => v.map((r) => fmt(r)).join(' / ');
  // One markdown row under the header run.ts prints (README, Benchmarks).
  out(
    `| ${name} | ${fmt(f.eventsPerSecond)} (${runs} runs: ${fmt(all[0]!.eventsPerSecond)}–${fmt(all[runs - 1]!.eventsPerSecond)}) | ${fmt(f.latencyMs.p50, 2)} ms | ${fmt(f.latencyMs.p99, 2)} ms | ${fmt(before)} / ${fmt(after)} frames/s | ${series(settled.rssMiB)} MiB | ${series(settled.heapMiB)} MiB | ${fmt(process.resourceUsage().maxRSS / 1024)} MiB |`,
  );
}

async function main(): Promise<void> {
  const [kind, brokers] = process.argv.slice(2);
  const frames = binanceBenchFrames(N);
  if (kind === 'embedded') {
    // The embedded bus delivers synchronously, so buffering beyond one batch only ages events (and
    // their promotion to the old generation costs GC time): maxBuffered = batchSize.
    await report('embedded bus', 5, frames, (settleMemory) =>
      runPipeline(new MemoryBus(), defaultTopics(), frames, { batchSize: 1_000, maxBuffered: 1_000, settleMemory }),
    );
  } else if (kind === 'kafka' && brokers) {
    await report('real Kafka', 3, frames, (settleMemory) => {
      const run = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
      const topics = TopicNames.parse(Object.fromEntries(Object.keys(defaultTopics()).map((k) => [k, `bench-${run}.${k}`])));
      const bus = new KafkaBus({ brokers: brokers.split(','), clientId: 'liqstream-bench', partitions: 6, replicationFactor: 1 });
      // The built-in defaults (the config schema's).
      return runPipeline(bus, topics, frames, { batchSize: 1_000, maxBuffered: 10_000, settleMemory });
    });
  } else {
    throw new Error('usage: end-to-end.js embedded | kafka <brokers>');
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
