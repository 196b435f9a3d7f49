import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../src/log.js';
import type { VenueId } from '../src/schema/events.js';
import { venueAbout, venueModule } from '../src/venues/registry.js';
import { fmt, median } from './stats.js';
import { NO_FIGURES, type Recorder } from './targets.js';

/**
 * Cold figures (issue 22 §6): a short CLI replay sees each parser's first pass, before V8 has optimised it,
 * where the venue table's best-of-5 rounds show it warm. Here each venue's first BENCH_COLD_FRAMES (2,000)
 * frames are read once in a fresh process: JSON.parse in one, the venue's parser in another (built before
 * the clock starts: module loading is start-up, `startup` times it), the median of BENCH_COLD_ROUNDS (3)
 * processes each.
 */
export interface ColdRow {
  label: string;
  venue: VenueId;
  frames: string[];
  /** liqstream ÷ JSON.parse of the warm table. */
  warm: number;
}

export function benchColdVenues(rows: ColdRow[], out: (line: string) => void, figures: Recorder = NO_FIGURES): void {
  const n = Number(process.env.BENCH_COLD_FRAMES ?? 2_000);
  const rounds = Number(process.env.BENCH_COLD_ROUNDS ?? 3);
  const dir = mkdtempSync(join(tmpdir(), 'liqstream-bench-cold-'));
  const self = fileURLToPath(import.meta.url);
  try {
    out(`first pass in a fresh process (cold): each venue's first ${fmt(n)} frames above, read once, JSON.parse and liqstream each in processes of their own, median of ${rounds}:\n`);
    out('| venue | frames | JSON.parse first pass ms | liqstream first pass ms | of which its first frame ms | cold: liqstream ÷ JSON.parse | warm (table above) |');
    out('|---|--:|--:|--:|--:|--:|--:|');
    const colds: number[] = [];
    for (const row of rows) {
      const file = join(dir, `${row.venue}.json`);
      const frames = row.frames.slice(0, n);
      writeFileSync(file, JSON.stringify(frames));
      const time = (contender: string): Pass => {
        const runs = Array.from({ length: rounds }, () => JSON.parse(execFileSync(process.execPath, ['--max-semi-space-size=64', self, 'cold-pass', row.venue, contender, file], { encoding: 'utf8' })) as Pass);
        return runs.sort((a, b) => a.ms - b.ms)[Math.floor(runs.length / 2)]!;
      };
      const json = time('json');
      const ours = time('liqstream');
      out(`| ${row.label} | ${fmt(frames.length)} | ${fmt(json.ms, 2)} | ${fmt(ours.ms, 2)} | ${fmt(ours.firstMs, 2)} | ${fmt(json.ms / ours.ms, 2)} | ${fmt(row.warm, 2)} |`);
      // The target's figure is the perps venues' (a lending protocol's first frame compiles its ABI decoder: another matter).
      if (venueAbout(row.venue).market !== 'lending') colds.push(json.ms / ours.ms);
    }
    if (colds.length === 0) figures.without('cold:venues', 'no perps venue was timed');
    else
      figures.record('cold:venues', {
        value: median(colds),
        note: `${colds.length} perps venues, ${fmt(Math.min(...colds), 2)}–${fmt(Math.max(...colds), 2)}; warm, the table above: median ${fmt(median(rows.filter((r) => venueAbout(r.venue).market !== 'lending').map((r) => r.warm)), 2)}×`,
      });
    out('');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A first pass: all of it, and its first frame alone (schemas compiled on first use land there). */
interface Pass {
  ms: number;
  firstMs: number;
}

/** One first pass, in this (fresh) process. */
function coldPass(venue: VenueId, contender: string, file: string): Pass {
  const frames = JSON.parse(readFileSync(file, 'utf8')) as string[];
  const parser = contender === 'liqstream' ? venueModule(venue).parser({}, { log: silentLogger() }) : undefined;
  const read = parser ? (f: string) => parser(f, 0) : (f: string) => JSON.parse(f) as unknown;
  const t0 = performance.now();
  let firstMs = 0;
  for (let i = 0; i < frames.length; i++) {
    read(frames[i]!);
    if (i === 0) firstMs = performance.now() - t0;
  }
  return { ms: performance.now() - t0, firstMs };
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === 'cold-pass') {
  const [venue, contender, file] = process.argv.slice(3) as [VenueId, string, string];
  process.stdout.write(JSON.stringify(coldPass(venue, contender, file)));
}
