import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGunzip, createGzip } from 'node:zlib';
import { silentLogger } from '../src/log.js';
import { splitLineBatches } from '../src/replay/lines.js';
import { replay } from '../src/replay/replay.js';
import { OCT10 } from '../src/simulate/oct10-profile.js';
import { writeOct10 } from '../src/simulate/write.js';
import { fmt } from './stats.js';
import { NO_FIGURES, type Recorder } from './targets.js';
import { minuteOfDay } from './window.js';

/**
 * `replay --speed max` of the simulated 10 October against its JSON floor: gunzip + JSON.parse of
 * every line and of every frame in it, which any replay of that file must at least do if it parses
 * the way a reader of the recording would. Both in fresh processes, in the same run (the machine may
 * be shared: CPU seconds are shown beside wall seconds, and BENCH_REPLAY_ROUNDS, default 2, interleaved
 * rounds keep the fastest of each). BENCH_REPLAY_FROM / BENCH_REPLAY_TO (HH:MM, default the whole day)
 * narrow the simulated span. BENCH_REPLAY_VENUES (default the five big venues) names the venues whose own
 * lines are replayed apart too, each against its own floor; BENCH_REPLAY_BASELINE (the path of another build's
 * dist/src/replay/replay.js) adds that build's replay to every pair: before and after in one run.
 */

interface Figure {
  wall: number;
  cpu: number;
  frames: number;
}

async function floor(file: string): Promise<Figure> {
  const wall0 = performance.now();
  const cpu0 = process.cpuUsage();
  let frames = 0;
  // The lines a chunk at a time, as the replay reads them: the floor pays no per-line async hand-over either.
  for await (const lines of splitLineBatches(createReadStream(file, { highWaterMark: 1 << 20 }).pipe(createGunzip({ chunkSize: 1 << 20 }))))
    for (const line of lines) {
      if (line === '') continue;
      const { frame } = JSON.parse(line) as { frame: string };
      JSON.parse(frame);
      frames += 1;
    }
  return done(wall0, cpu0, frames);
}

/** `baseline`: the replay of another build (BENCH_REPLAY_BASELINE, its dist/src/replay/replay.js), for a before/after in one run. */
async function replayOnce(file: string, baseline = false): Promise<Figure> {
  const replayOf = baseline ? ((await import(process.env.BENCH_REPLAY_BASELINE!)) as { replay: typeof replay }).replay : replay;
  const wall0 = performance.now();
  const cpu0 = process.cpuUsage();
  const { report } = await replayOf({ files: [file], speed: 'max', log: silentLogger() });
  return done(wall0, cpu0, report.input.frames);
}

function done(wall0: number, cpu0: NodeJS.CpuUsage, frames: number): Figure {
  const cpu = process.cpuUsage(cpu0);
  return { wall: (performance.now() - wall0) / 1000, cpu: (cpu.user + cpu.system) / 1e6, frames };
}

/** Each venue's lines of `file` in a file of its own (gzip), beside it: [venue, path] for those with any line. */
async function venueSlices(file: string, venues: string[], dir: string): Promise<[string, string][]> {
  const outs = new Map(venues.map((v) => [v, { path: join(dir, `${v}.ndjson.gz`), gzip: createGzip({ level: 1 }), file: createWriteStream(join(dir, `${v}.ndjson.gz`)), lines: 0 }]));
  for (const o of outs.values()) o.gzip.pipe(o.file);
  for await (const lines of splitLineBatches(createReadStream(file).pipe(createGunzip()))) {
    for (const line of lines) {
      const o = outs.get(/^\{"recv":\d+,"venue":"([a-z0-9-]+)"/.exec(line)?.[1] ?? '');
      if (!o) continue;
      o.lines += 1;
      if (!o.gzip.write(`${line}\n`)) await once(o.gzip, 'drain');
    }
  }
  await Promise.all(
    [...outs.values()].map(async (o) => {
      const written = once(o.file, 'close');
      o.gzip.end();
      await written;
    }),
  );
  return [...outs].filter(([, o]) => o.lines > 0).map(([v, o]) => [v, o.path]);
}


/** The big venues whose slices issue 22 §2 bounds (≤ 1.2× their floor). */
export const BIG_VENUES = ['hyperliquid', 'bybit-linear', 'binance-usdm', 'bybit-inverse', 'binance-coinm'];

export async function benchReplayDay(out: (line: string) => void, figures: Recorder = NO_FIGURES): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'liqstream-bench-replay-'));
  try {
    const file = join(dir, 'oct10.ndjson.gz');
    const from = process.env.BENCH_REPLAY_FROM ?? '00:00';
    const to = process.env.BENCH_REPLAY_TO ?? '24:00';
    const sim = await writeOct10(file, { seed: 20251010, accounts: OCT10.accounts, fromMinute: minuteOfDay(from), toMinute: minuteOfDay(to) });
    out(`replay of the simulated 10 October ${from}-${to}: ${fmt(sim.frames)} frames, ${fmt(sim.truth.count)} liquidations, ${fmt(statSync(file).size / 1e6)} MB gzip`);
    const self = fileURLToPath(import.meta.url);
    const run = (mode: string, input: string): Figure =>
      JSON.parse(execFileSync(process.execPath, ['--max-semi-space-size=64', self, mode, input], { encoding: 'utf8' })) as Figure;
    // The day, then each big venue's own lines (its slice: the same frames, alone in a file of their own).
    const venues = (process.env.BENCH_REPLAY_VENUES ?? BIG_VENUES.join(',')).split(',').filter(Boolean);
    const slices = await venueSlices(file, venues, dir);
    for (const v of BIG_VENUES)
      if (!venues.includes(v)) figures.without(`replay:slice:${v}`, `not in BENCH_REPLAY_VENUES=${process.env.BENCH_REPLAY_VENUES}`);
      else if (!slices.some(([name]) => name === v)) figures.without(`replay:slice:${v}`, `no line of it in ${from}-${to}`);
    const W = 84;
    out(`  ${'(one core, fresh process each; fastest of interleaved rounds)'.padEnd(W)}   wall s    CPU s   replay ÷ floor (wall, CPU)`);
    for (const [name, input] of [['day', file] as const, ...slices]) {
      const fastest = (a: Figure | undefined, b: Figure): Figure => (a === undefined || b.wall < a.wall ? b : a);
      let json: Figure | undefined;
      let ours: Figure | undefined;
      let before: Figure | undefined;
      for (let round = 0; round < Number(process.env.BENCH_REPLAY_ROUNDS ?? 2); round++) {
        json = fastest(json, run('floor', input));
        ours = fastest(ours, run('replay', input));
        if (process.env.BENCH_REPLAY_BASELINE) before = fastest(before, run('baseline', input));
      }
      if (!json || !ours) return;
      const label = name === 'day' ? 'the day' : `${name} alone (${fmt(json.frames)} frames)`;
      out(`  ${`floor (gunzip + JSON.parse of lines and frames), ${label}`.padEnd(W)} ${fmt(json.wall, 2).padStart(8)} ${fmt(json.cpu, 2).padStart(8)}`);
      out(
        `  ${`liqstream replay --speed max, ${label}`.padEnd(W)} ${fmt(ours.wall, 2).padStart(8)} ${fmt(ours.cpu, 2).padStart(8)} ${fmt(ours.wall / json.wall, 2).padStart(8)}× ${fmt(ours.cpu / json.cpu, 2).padStart(6)}×`,
      );
      figures.record(name === 'day' ? 'replay:day' : `replay:slice:${name}`, {
        value: ours.wall / json.wall,
        note: `${fmt(ours.wall, 2)} s; CPU time ${fmt(ours.cpu / json.cpu, 2)}×${from === '00:00' && to === '24:00' ? '' : `; ${from}-${to} only`}`,
        control: `floor ${fmt(json.wall, 2)} s wall, ${fmt(json.cpu, 2)} s CPU`,
      });
      if (before)
        out(
          `  ${`baseline (BENCH_REPLAY_BASELINE), ${label}`.padEnd(W)} ${fmt(before.wall, 2).padStart(8)} ${fmt(before.cpu, 2).padStart(8)} ${fmt(before.wall / json.wall, 2).padStart(8)}× ${fmt(before.cpu / json.cpu, 2).padStart(6)}×`,
        );
    }
    out('');
    await coldMinute(dir, out, figures);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Cold against warm (issue 22 §6): one busy minute of the day (BENCH_COLD_MINUTE, 21:15), replayed twice in
 * one fresh process (the first pass is what a short CLI replay sees; the second runs warm code) and its floor
 * twice in another, the fastest first pass of BENCH_REPLAY_ROUNDS (2) pairs of processes.
 */
async function coldMinute(dir: string, out: (line: string) => void, figures: Recorder): Promise<void> {
  const file = join(dir, 'minute.ndjson.gz');
  const at = minuteOfDay(process.env.BENCH_COLD_MINUTE ?? '21:15');
  const sim = await writeOct10(file, { seed: 20251010, accounts: OCT10.accounts, fromMinute: at, toMinute: at + 1 });
  const self = fileURLToPath(import.meta.url);
  const run = (mode: string): Figure[] => JSON.parse(execFileSync(process.execPath, ['--max-semi-space-size=64', self, mode, file], { encoding: 'utf8' })) as Figure[];
  let best: { json: Figure[]; ours: Figure[] } | undefined;
  for (let round = 0; round < Number(process.env.BENCH_REPLAY_ROUNDS ?? 2); round++) {
    const json = run('floor-twice');
    const ours = run('replay-twice');
    if (!best || ours[0]!.wall < best.ours[0]!.wall) best = { json, ours };
  }
  if (!best) return;
  const pass = (i: number) => ({ json: best.json[i]!, ours: best.ours[i]! });
  out(`  one minute (${process.env.BENCH_COLD_MINUTE ?? '21:15'}, ${fmt(sim.frames)} frames, ${fmt(sim.truth.count)} liquidations), fresh process: first pass (cold) and second (warm)`);
  // On a shared host the wall time is mostly waiting: CPU seconds say what the pass cost.
  out('                                                         wall s    CPU s   × floor (wall)   × floor (CPU)');
  for (const [name, f] of [['cold', pass(0)], ['warm', pass(1)]] as const) {
    out(`  floor, ${name}                                        ${fmt(f.json.wall, 3).padStart(8)} ${fmt(f.json.cpu, 3).padStart(8)}         1.00            1.00`);
    out(`  liqstream replay, ${name}                             ${fmt(f.ours.wall, 3).padStart(8)} ${fmt(f.ours.cpu, 3).padStart(8)} ${fmt(f.json.wall / f.ours.wall, 2).padStart(12)} ${fmt(f.json.cpu / f.ours.cpu, 2).padStart(15)}`);
  }
  const [cold, warm] = [pass(0), pass(1)];
  figures.record('cold:minute', {
    value: cold.ours.wall / cold.json.wall,
    note: `warm (second pass) ${fmt(warm.ours.wall / warm.json.wall, 2)}×`,
    control: `floor ${fmt(cold.json.wall, 3)} s cold, ${fmt(warm.json.wall, 3)} s warm`,
  });
  out('');
}

const twice = async (pass: (file: string) => Promise<Figure>, file: string): Promise<Figure[]> => [await pass(file), await pass(file)];

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2]) {
  const [mode, file] = process.argv.slice(2) as [string, string];
  const passes: Record<string, () => Promise<Figure | Figure[]>> = {
    floor: () => floor(file),
    replay: () => replayOnce(file),
    baseline: () => replayOnce(file, true),
    'floor-twice': () => twice(floor, file),
    'replay-twice': () => twice((f) => replayOnce(f), file),
  };
  passes[mode]!().then(
    (f) => process.stdout.write(JSON.stringify(f)),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}
