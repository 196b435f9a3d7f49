import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { runCli } from './cli.js';
import { madeOnce } from './made-once.js';
import { tempDir } from './recording.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const CACHE = join(ROOT, '.cache', 'simulated');

/** What the simulator's output depends on: its own sources and the few modules it imports. */
const SOURCES = ['src/simulate', 'src/replay/recording.ts', 'src/aggregate/fixed-point.ts', 'src/schema/events.ts', 'src/cli/main.ts'];

function sourceHash(): string {
  const hash = createHash('sha256');
  const add = (path: string): void => {
    if (statSync(path).isDirectory()) for (const name of readdirSync(path).sort()) add(join(path, name));
    else hash.update(relative(ROOT, path)).update('\0').update(readFileSync(path)).update('\0');
  };
  for (const s of SOURCES) add(join(ROOT, s));
  return hash.digest('hex');
}

/**
 * `liqstream simulate oct-10 --out <dir>/<name> <args>`, made once and kept in .cache/simulated under a
 * key of the simulator's sources and the arguments, so the test files that replay the same simulated day
 * (in any project, in this run or a later one) share one simulation instead of each making its own. Each
 * caller gets its own directory with copies of the files (recording, ground truth, metadata.json), so it may
 * write beside them, and what the command printed (naming the file `<name>`). The simulation is
 * deterministic (test/simulate/oct10-determinism.test.ts), so a cached file is the file the command would
 * write now.
 */
export async function simulated(args: string[], name = 'oct10.ndjson.gz'): Promise<{ dir: string; recording: string; stdout: string }> {
  // v2: entries keep the command's output beside them (`<key>.stdout`); older entries lack it.
  const key = createHash('sha256').update('v2').update(sourceHash()).update(JSON.stringify([name, ...args])).digest('hex').slice(0, 24);
  const done = await madeOnce(CACHE, key, async (work, done) => {
    // Run from the work folder, so that what it prints names the file as given (`<name>: … frames`).
    const r = await runCli(['simulate', 'oct-10', '--out', name, ...args], {}, work);
    if (r.code !== 0) throw new Error(`liqstream simulate failed (${r.code}):\n${r.stderr}`);
    if (!existsSync(join(work, name))) throw new Error(`liqstream simulate wrote no ${name} in ${work}:\n${r.stdout}`);
    writeFileSync(`${done}.stdout`, r.stdout);
  });
  const dir = tempDir('liqstream-sim-');
  for (const file of readdirSync(done)) copyFileSync(join(done, file), join(dir, file));
  return { dir, recording: join(dir, name), stdout: readFileSync(`${done}.stdout`, 'utf8') };
}
