/**
 * Two builds' embedded pipelines on the same frames in one process, in turn: the change between them measured
 * paired, round by round, where the end-to-end bench's separate processes move by ±7% between runs of one build
 * on this host (docs/benchmarks.md, sixteenth session).
 *
 *   node --expose-gc --max-semi-space-size=64 dist/bench/pipeline-ab.js <dist of build A> <dist of build B> [rounds] [window]
 *
 * A build's dist is a copy of `dist/` made before a change (node_modules must be found from it: copy it inside the
 * repository, or link node_modules beside it). Rounds default to 7 (the first of each build uncounted), the window to
 * the end-to-end mix's (20:30-22:30). Prints each build's median rate and CPU, and B ÷ A per round.
 */
import { resolve } from 'node:path';
import type { MemoryBus } from '../src/bus/memory-bus.js';
import type { TopicNames } from '../src/bus/topics.js';
import type { RawFrame, VenueId } from '../src/schema/events.js';
import type { FrameParser } from '../src/venues/venue.js';
import type { PipelineFigures, PipelineOptions } from './pipeline.js';
import { MIX_WINDOW, minuteOfDay, simulatedWindow } from './window.js';

interface Build {
  runPipeline(bus: MemoryBus, topics: TopicNames, frames: readonly RawFrame[], opts: PipelineOptions): Promise<PipelineFigures>;
  bus(): MemoryBus;
  topics(): TopicNames;
  parserOf(venue: VenueId): FrameParser;
  lending(venue: VenueId): boolean;
}

async function load(dist: string): Promise<Build> {
  const at = (path: string) => import(resolve(dist, path));
  const [pipeline, memoryBus, topics, registry, log] = await Promise.all([
    at('bench/pipeline.js'),
    at('src/bus/memory-bus.js'),
    at('src/bus/topics.js'),
    at('src/venues/registry.js'),
    at('src/log.js'),
  ]);
  return {
    runPipeline: pipeline.runPipeline,
    bus: () => new memoryBus.MemoryBus(),
    topics: topics.defaultTopics,
    parserOf: (venue) => registry.venueModule(venue).parser({}, { log: log.silentLogger() }),
    lending: (venue) => registry.venueAbout(venue).market === 'lending',
  };
}

const median = (xs: number[]): number => xs.slice().sort((a, b) => a - b)[xs.length >> 1]!;

async function main(): Promise<void> {
  const [a, b, rounds = '7', window = MIX_WINDOW] = process.argv.slice(2);
  if (!a || !b) throw new Error('usage: pipeline-ab.js <dist A> <dist B> [rounds] [window]');
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  const builds = { A: await load(a), B: await load(b) };
  const [from, to] = window.split('-').map(minuteOfDay);
  const frames = simulatedWindow(from!, to!).frames.filter((f) => !builds.A.lending(f.venue));
  const figures: Record<'A' | 'B', { rate: number; cpuMs: number }[]> = { A: [], B: [] };
  for (let r = 0; r < Number(rounds); r++)
    for (const k of r % 2 ? (['B', 'A'] as const) : (['A', 'B'] as const)) {
      const build = builds[k];
      gc();
      const cpu0 = process.cpuUsage();
      const f = await build.runPipeline(build.bus(), build.topics(), frames, { parserOf: build.parserOf, batchSize: 1_000, maxBuffered: 1_000 });
      const cpu = process.cpuUsage(cpu0);
      // The first round warms each build's code up: not counted.
      if (r > 0) figures[k].push({ rate: f.liquidationsPerSecond, cpuMs: (cpu.user + cpu.system) / 1_000 });
    }
  for (const k of ['A', 'B'] as const)
    console.log(`${k}: ${Math.round(median(figures[k].map((x) => x.rate)))} liquidations/s, ${Math.round(median(figures[k].map((x) => x.cpuMs)))} CPU ms a run (medians)`);
  const ratios = figures.A.map((x, i) => figures.B[i]!.rate / x.rate);
  console.log(`B ÷ A per round: ${ratios.map((x) => x.toFixed(3)).join(' ')}; median ${median(ratios).toFixed(3)}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`pipeline-ab failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
