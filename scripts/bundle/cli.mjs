// The CLI bundled into a few files (dist/bundle/cli), from tsc's output in dist/src: see docs/architecture.md,
// "The CLI's bundle". Run by `npm run build` and by the test suite's build (after tsc).
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = join(root, 'dist/bundle/cli');

/**
 * Left to node at run time: native addons (DuckDB, lz4-napi), packages that start worker threads from files of
 * their own (pino's transports: thread-stream), those loaded on demand with createRequire (viem, pino-pretty),
 * and the database clients (QuestDB, pg) with optional native parts.
 */
const EXTERNAL = /^(?:@duckdb\/|@questdb\/|(?:pino|pino-pretty|thread-stream|lz4-napi|pg|viem|bufferutil|utf-8-validate)(?:\/|$))/;
const BUILTIN = new Set(builtinModules);

// Bundled in memory (write: false), then written below: rolldown's own write empties the folder first and leaves it
// partly written for ≈ 0.6 s, and a `liqstream` started then (a test, while another vitest process's build setup
// bundles again) failed to load.
const { output } = await build({
  cwd: root,
  // The worker threads' entries sit beside the chunks: new URL('./replay-worker.js', import.meta.url) finds them.
  input: { main: 'dist/src/cli/main.js', 'replay-worker': 'dist/src/replay/replay-worker.js', 'store-worker': 'dist/src/sinks/store/store-worker.js' },
  platform: 'node',
  external: (id) => id.startsWith('node:') || BUILTIN.has(id) || EXTERNAL.test(id),
  logLevel: 'warn',
  // A bare import rolldown cannot resolve (a package missing from node_modules) fails the build: rolldown would leave it
  // to node with a warning, and `liqstream` would fail only when a command reached that import. Packages left to node
  // are named in EXTERNAL.
  onLog: (level, log, handler) => handler(log.code === 'UNRESOLVED_IMPORT' ? 'error' : level, log),
  write: false,
  // Three levels below the package root, as dist/src/cli is: the paths made from import.meta.url (package.json,
  // the live page's files) hold in both.
  output: { dir: 'dist/bundle/cli', format: 'esm' },
});

// Which modules each file holds (paths from the package root): test/cli/startup.cli.test.ts reads what a command
// loaded through it, as it read module files before the bundle.
const modules = Object.fromEntries(output.filter((o) => o.type === 'chunk').map((c) => [c.fileName, c.moduleIds.filter((id) => !id.startsWith('\0')).map((id) => relative(root, id))]));
// The entries (fixed names) last: a main.js read while this build writes finds every chunk it names (chunks are named by
// a hash of their content, so a changed one is a new file beside the old).
const ordered = [...output.filter((o) => o.type !== 'chunk' || !o.isEntry), ...output.filter((o) => o.type === 'chunk' && o.isEntry)];
const files = new Map(ordered.map((o) => [o.fileName, o.type === 'chunk' ? o.code : o.source]));
files.set('modules.json', `${JSON.stringify(modules, null, 1)}\n`);

/**
 * Each file that changed is written beside its place and renamed over it (a reader sees the old file or the new, never
 * part of one); one that did not is left alone, so a build with nothing new (the test suite's, after npm test's own)
 * touches nothing. Then the files of an earlier build that this one has not are removed.
 */
mkdirSync(dir, { recursive: true });
const unchanged = (file, content) => {
  try {
    return readFileSync(file).equals(Buffer.from(content));
  } catch {
    return false;
  }
};
for (const [name, content] of files) {
  const file = join(dir, name);
  if (unchanged(file, content)) continue;
  const part = `${file}.${process.pid}.part`;
  writeFileSync(part, content);
  renameSync(part, file);
}
/** A build's file being written (NAME.PID.part) is its own to rename while that build runs; one a killed build left goes. */
const partOfRunningBuild = (name) => {
  const pid = Number(/\.(\d+)\.part$/.exec(name)?.[1]);
  if (!Number.isInteger(pid)) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
};
for (const name of readdirSync(dir)) if (!files.has(name) && !partOfRunningBuild(name)) rmSync(join(dir, name), { force: true, recursive: true });
