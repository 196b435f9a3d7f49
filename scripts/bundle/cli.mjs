// The CLI bundled into a few files (dist/bundle/cli), from tsc's output in dist/src: see docs/architecture.md,
// "The CLI's bundle". Run by `npm run build` and by the test suite's build (after tsc).
import { builtinModules } from 'node:module';
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

await build({
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
