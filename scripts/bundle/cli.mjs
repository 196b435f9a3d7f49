// The CLI bundled into a few files (dist/bundle/cli), from tsc's output in dist/src: see docs/architecture.md,
// "The CLI's bundle". Run by `npm run build` and by the test suite's build (after tsc).
import { writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Left to node at run time: native addons (DuckDB, lz4-napi), packages that start worker threads from files of
 * their own (pino's transports: thread-stream), those loaded on demand with createRequire (viem, pino-pretty),
 * and the database clients (QuestDB, pg) with optional native parts.
 */
const EXTERNAL = /^(?:@duckdb\/|@questdb\/|(?:pino|pino-pretty|thread-stream|lz4-napi|pg|viem|bufferutil|utf-8-validate)(?:\/|$))/;
const BUILTIN = new Set(builtinModules);

const { output } = await build({
  cwd: root,
  // The worker threads' entries sit beside the chunks: new URL('./replay-worker.js', import.meta.url) finds them.
  input: { main: 'dist/src/cli/main.js', 'replay-worker': 'dist/src/replay/replay-worker.js', 'store-worker': 'dist/src/sinks/store/store-worker.js' },
  platform: 'node',
  external: (id) => id.startsWith('node:') || BUILTIN.has(id) || EXTERNAL.test(id),
  logLevel: 'warn',
  // Three levels below the package root, as dist/src/cli is: the paths made from import.meta.url (package.json,
  // the live page's files) hold in both.
  output: { dir: 'dist/bundle/cli', format: 'esm', cleanDir: true },
});

// Which modules each file holds (paths from the package root): test/cli/startup.cli.test.ts reads what a command
// loaded through it, as it read module files before the bundle.
const modules = Object.fromEntries(output.filter((o) => o.type === 'chunk').map((c) => [c.fileName, c.moduleIds.filter((id) => !id.startsWith('\0')).map((id) => relative(root, id))]));
writeFileSync(`${root}/dist/bundle/cli/modules.json`, `${JSON.stringify(modules, null, 1)}\n`);
