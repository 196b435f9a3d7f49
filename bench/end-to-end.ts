/**
 * One end-to-end pipeline, several times, in this process: `end-to-end.js embedded|kafka [brokers]`
 * on the Binance-only frames, `end-to-end.js embedded-mix|kafka-mix [brokers]` on the venue mix of the
 * simulated 10 October (every perps venue's frames of the window, in receive order, open interest included;
 * the lending protocols' on-chain logs are left out: they are kept apart from the perps' figures and parse
 * only with their discovered metadata). The mix's window is the cascade's two hours (BENCH_E2E_WINDOW,
 * default MIX_WINDOW); `embedded-mix-short|kafka-mix-short` take two minutes of it (SHORT_MIX_WINDOW), whose
 * runs last a tenth of a second on the embedded bus. Started by run.ts in a fresh process per pipeline.
 *
 * `kafka-mix-apart <brokers>`: the mix through Kafka as docker-compose deploys it, `liqstream connect` and
 * `liqstream aggregate` in two processes: this one is the aggregator side, a child of it (`connect-side`, the
 * same script) parses and publishes. The other modes run both sides in one process, as `liqstream run` does.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaBus } from '../src/bus/kafka-bus.js';
import { MemoryBus } from '../src/bus/memory-bus.js';
import { allTopics, defaultTopics, TopicNames } from '../src/bus/topics.js';
import { silentLogger } from '../src/log.js';
import type { RawFrame } from '../src/schema/events.js';
import { createBinanceParser } from '../src/venues/binance/parse.js';
import { venueAbout, venueModule } from '../src/venues/registry.js';
import { binanceBenchFrames } from './frames.js';
import { aggregatorSide, connectSide, figuresOf, hostNow, runPipeline, type ConnectFigures, type PipelineFigures, type PipelineOptions, type Sample } from './pipeline.js';
import { fmt, peakRssMiB, throughput } from './stats.js';
import { childFigures } from './targets.js';
import { MIX_WINDOW, SHORT_MIX_WINDOW, minuteOfDay, simulatedWindow } from './window.js';

const N = Number(process.env.BENCH_FRAMES ?? 200_000);
const out = (line: string) => process.stdout.write(`${line}\n`);

/**
 * This machine's neighbours make single runs vary by ±15%: after one uncounted warm-up run (V8's and
 * the broker JVM's JIT), the pipeline runs several times and the run with the median rate is
 * reported, with the range. One more run forces a full GC before each memory sample.
 */
async function report(id: string, name: string, runs: number, control: () => Promise<number>, once: (settleMemory: boolean) => Promise<PipelineFigures>): Promise<void> {
  await once(false);
  const before = await control();
  const all: PipelineFigures[] = [];
  for (let r = 0; r < runs; r++) all.push(await once(false));
  const after = await control();
  all.sort((a, b) => a.liquidationsPerSecond - b.liquidationsPerSecond);
  const f = all[Math.floor((runs - 1) / 2)]!;
  const settled = await once(true);
  const series = (v: number[]) => v.map((r) => fmt(r)).join(' / ');
  // One markdown row under the header run.ts prints (README, Benchmarks).
  out(
    `| ${name} | ${fmt(f.frames)} frames, ${fmt(f.liquidations)} liquidations | ${fmt(f.liquidationsPerSecond)} (${runs} runs: ${fmt(all[0]!.liquidationsPerSecond)}–${fmt(all[runs - 1]!.liquidationsPerSecond)}) | ${fmt(f.framesPerSecond)} | ${fmt(f.latencyMs.p50, 2)} ms | ${fmt(f.latencyMs.p99, 2)} ms | ${fmt(before)} / ${fmt(after)} frames/s | ${series(settled.rssMiB)} MiB | ${series(settled.heapMiB)} MiB | ${fmt(peakRssMiB())} MiB |`,
  );
  // To run.ts's targets table (BENCH_FIGURES), typed: the same median run as the row.
  childFigures().record(id, {
    value: f.liquidationsPerSecond,
    note: `median of ${runs} runs, ${fmt(all[0]!.liquidationsPerSecond)}–${fmt(all[runs - 1]!.liquidationsPerSecond)}; p99 ${fmt(f.latencyMs.p99, 2)} ms`,
    control: `\`JSON.parse\` ${fmt(before)} / ${fmt(after)} frames/s before / after`,
  });
}

/**
 * The host's speed while the runs ran, measured on work liqstream does not touch: when this is low, a low rate says
 * more about the neighbours than about liqstream.
 */
function controlOf(frames: readonly RawFrame[]): () => Promise<number> {
  return () => {
    globalThis.gc?.();
    return Promise.resolve(throughput(frames.slice(0, 50_000), (f) => JSON.parse(f.frame), 3));
  };
}



function benchFrames(mix: 'no' | 'long' | 'short'): { frames: RawFrame[]; label: string; parserOf: PipelineOptions['parserOf'] } {
  if (mix === 'no') {
    const frames = binanceBenchFrames(N).map((frame, i): RawFrame => ({ venue: 'binance-usdm', recv: 1_760_130_000_000 + i, frame }));
    return { frames, label: 'Binance USD-M only', parserOf: () => createBinanceParser({ venue: 'binance-usdm' }) };
  }
  const [from, to] = (mix === 'short' ? SHORT_MIX_WINDOW : (process.env.BENCH_E2E_WINDOW ?? MIX_WINDOW)).split('-').map(minuteOfDay);
  const window = simulatedWindow(from!, to!);
  const frames = window.frames.filter((f) => venueAbout(f.venue).market !== 'lending');
  return { frames, label: `${window.label} venue mix`, parserOf: (venue) => venueModule(venue).parser({}, { log: silentLogger() }) };
}

/** Fresh topics for one run through Kafka, and a bus on them (the config schema's defaults). */
function kafkaRun(brokers: string): { topics: TopicNames; bus: KafkaBus } {
  const run = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const topics = TopicNames.parse(Object.fromEntries(Object.keys(defaultTopics()).map((k) => [k, `bench-${run}.${k}`])));
  return { topics, bus: new KafkaBus({ brokers: brokers.split(','), clientId: 'liqstream-bench', partitions: 6, replicationFactor: 1 }) };
}

/**
 * Deletes a finished run's topics. A broker keeps working on every partition it holds: with the topics of the
 * earlier runs left in place (≈ 50 partitions and 170 MB a run of the mix), an idle loopback broker at 2,000
 * partitions took a fifth of the 2 cores from the runs that came after it (the embedded mix: 303k against
 * 225–233k liquidations/s beside it, 2026-12-05).
 */
async function deleteTopics(brokers: string, topics: TopicNames): Promise<void> {
  const admin = new Kafka({ brokers: brokers.split(','), clientId: 'liqstream-bench-cleanup', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: allTopics(topics) });
  } finally {
    await admin.disconnect();
  }
}

// The built-in defaults (the config schema's) through Kafka.
const KAFKA_BATCHES = { batchSize: 1_000, maxBuffered: 10_000 } as const;

/** What the aggregator side (the parent) asks the connect side (its child) to do. */
type ToConnect = { run: { topics: TopicNames; settleMemory: boolean } } | { go: true } | { memory: true } | { control: true } | { exit: true };
/** What the connect side answers. */
type FromConnect = { hello: { label: string } } | { ready: true } | { sample: Sample } | { done: { events: number; frames: number } } | { memory: Pick<ConnectFigures, 'rssMiB' | 'heapMiB'> } | { control: number };

/** The parent's end of the connect side: one request at a time, samples handed over as they come. */
class ConnectChild {
  private waiting: ((m: FromConnect) => void) | undefined;
  onSample: (s: Sample) => void = () => {};
  /** The child's first message, once it has built its frames (asked for at once: it may come before anyone waits). */
  readonly hello: Promise<{ hello: { label: string } }>;

  constructor(private readonly child: ChildProcess) {
    child.on('message', (m: FromConnect) => {
      if ('sample' in m) this.onSample(m.sample);
      else this.waiting?.(m);
    });
    child.on('exit', (code) => {
      if (code !== 0) process.stderr.write(`connect side exited with ${code}\n`);
    });
    this.hello = this.ask(undefined, 'hello');
  }

  /** Sends `m` (unless undefined) and waits for the answer that has the key `answer`. */
  ask<K extends string>(m: ToConnect | undefined, answer: K): Promise<Extract<FromConnect, Record<K, unknown>>> {
    return new Promise((resolve, reject) => {
      const exit = () => reject(new Error('the connect side exited'));
      this.child.once('exit', exit);
      this.waiting = (reply) => {
        if (!(answer in reply)) return;
        this.waiting = undefined;
        this.child.off('exit', exit);
        resolve(reply as Extract<FromConnect, Record<K, unknown>>);
      };
      if (m) this.child.send(m);
    });
  }

  exit(): void {
    this.child.send({ exit: true } satisfies ToConnect);
  }
}

/** The aggregator side of `kafka-mix-apart`: a run's topics, its child publishing into them, this process consuming. */
async function apartRun(brokers: string, connect: ConnectChild, settleMemory: boolean): Promise<PipelineFigures> {
  const { topics, bus } = kafkaRun(brokers);
  await bus.start(allTopics(topics));
  const side = await aggregatorSide(bus, topics);
  connect.onSample = (s) => side.expect(s);
  await connect.ask({ run: { topics, settleMemory } }, 'ready');
  const t0 = hostNow();
  const { done } = await connect.ask({ go: true }, 'done');
  const figures = await figuresOf(side, done.events, done.frames, t0);
  const { memory } = await connect.ask({ memory: true }, 'memory');
  await side.close();
  await bus.close();
  await deleteTopics(brokers, topics);
  return { ...figures, ...memory };
}

/** The child of `kafka-mix-apart`: parses and publishes the mix's frames into the topics of each run it is asked for. */
async function connectSideProcess(brokers: string): Promise<void> {
  const { frames, parserOf, label } = benchFrames('long');
  const send = (m: FromConnect) => process.send!(m);
  let run: { bus: KafkaBus; topics: TopicNames; settleMemory: boolean } | undefined;
  let figures: ConnectFigures | undefined;
  const control = controlOf(frames);
  // The aggregator side gone (failed, killed): nothing is left to publish for.
  process.on('disconnect', () => process.exit(0));
  process.on('message', (m: ToConnect) => {
    void (async () => {
      if ('run' in m) {
        const bus = kafkaRun(brokers).bus;
        await bus.start(allTopics(m.run.topics));
        run = { bus, ...m.run };
        send({ ready: true });
      } else if ('go' in m && run) {
        figures = await connectSide(run.bus, run.topics, frames, { parserOf, ...KAFKA_BATCHES, settleMemory: run.settleMemory }, (sample) => send({ sample }));
        send({ done: { events: figures.events, frames: frames.length } });
      } else if ('memory' in m && run && figures) {
        figures.memory();
        await run.bus.close();
        run = undefined;
        send({ memory: { rssMiB: figures.rssMiB, heapMiB: figures.heapMiB } });
      } else if ('control' in m) send({ control: await control() });
      else if ('exit' in m) process.exit(0);
    })().catch((err: unknown) => {
      process.stderr.write(`connect side failed: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    });
  });
  send({ hello: { label } });
}

async function main(): Promise<void> {
  const [mode = '', brokers] = process.argv.slice(2);
  if (mode === 'connect-side' && brokers) return connectSideProcess(brokers);
  const m = /^(embedded|kafka)(-mix(-short|-apart)?)?$/.exec(mode);
  if (!m || (m[1] === 'kafka' && !brokers) || (m[3] === '-apart' && m[1] !== 'kafka'))
    throw new Error('usage: end-to-end.js embedded[-mix[-short]] | kafka[-mix[-short|-apart]] <brokers>');
  // Figure ids: e2e:embedded, e2e:embedded-mix, e2e:embedded-mix-short, the same for kafka, and e2e:kafka-mix-apart (bench/targets.ts).
  const id = `e2e:${mode}`;
  if (m[3] === '-apart') {
    // The child builds the frames; this process holds none, as an aggregator does not.
    const script = fileURLToPath(import.meta.url);
    const child = new ConnectChild(fork(script, ['connect-side', brokers!], { execArgv: process.execArgv }));
    const { hello } = await child.hello;
    const label = `${hello.label}, \`connect\` and \`aggregate\` in two processes (memory: the connect side's)`;
    await report(id, `real Kafka, ${label}`, 3, async () => (await child.ask({ control: true }, 'control')).control, (settleMemory) => apartRun(brokers!, child, settleMemory));
    child.exit();
    return;
  }
  const mix = m[3] ? 'short' : m[2] ? 'long' : 'no';
  const { frames, label, parserOf } = benchFrames(mix);
  if (m[1] === 'embedded') {
    // The embedded bus delivers synchronously, so buffering beyond one batch only ages events (and
    // their promotion to the old generation costs GC time): maxBuffered = batchSize.
    await report(id, `embedded bus, ${label}`, 5, controlOf(frames), (settleMemory) =>
      runPipeline(new MemoryBus(), defaultTopics(), frames, { parserOf, batchSize: 1_000, maxBuffered: 1_000, settleMemory }),
    );
  } else {
    await report(id, `real Kafka, ${label}`, 3, controlOf(frames), async (settleMemory) => {
      const { topics, bus } = kafkaRun(brokers!);
      const figures = await runPipeline(bus, topics, frames, { parserOf, ...KAFKA_BATCHES, settleMemory });
      await deleteTopics(brokers!, topics);
      return figures;
    });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
