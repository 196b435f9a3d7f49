import { spawn } from 'node:child_process';

/**
 * V8 heap flags of `liqstream replay --format hyperliquid-node-fills`. The CLI starts node with
 * `--max-semi-space-size=64` (the simulated day's replay runs faster with it), under which a node-fills replay's
 * peak RSS grows with the file: V8 widens the young generation towards 3 × 64 MiB as a long run goes on, and
 * lets the old generation reach 4× what was live at the last full collection (a cascade block's parse makes
 * that 45 MB), so garbage piles up between the few full collections of a long file: 340 MiB for 1 GB. A
 * 16 MiB semi-space (young generation ≤ 48 MiB) and an old generation let grow by half past its live size keep
 * it near 200 MiB at 200 MB and 1 GB alike, for ~5% more CPU; `.lz4` files too, now that their blocks are
 * decoded into one reused buffer (lz4-frame.ts): docs/benchmarks.md, "Issue 22 §4: heap flags for the
 * node-fills replay" and "Issue 22 §4: the node layout, marked fills and the `.lz4` reader".
 */
export const NODE_FILLS_V8_FLAGS: readonly string[] = ['--max-semi-space-size=16', '--heap-growing-percent=50'];

/** Flags of the process that NODE_FILLS_V8_FLAGS replace (a `=`-less spelling takes the next argument as its value). */
const HEAP_FLAG = /^--(?:max-semi-space-size|min-semi-space-size|heap-growing-percent)(=|$)/;

/**
 * The V8 flags `argv` (process.argv) must run under, when the process was not started with them
 * (`execArgv`); undefined when its own do. Only the command line is read, before commander: a guess
 * wrong in an odd spelling costs memory, never output (the replay is the same under any heap flags).
 */
export function heapFlagsFor(argv: readonly string[], execArgv: readonly string[]): readonly string[] | undefined {
  const args = argv.slice(2);
  if (args[0] !== 'replay') return undefined;
  let format: string | undefined;
  for (let i = 1; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') break;
    if (a === '--format') format = args[++i];
    else if (a.startsWith('--format=')) format = a.slice('--format='.length);
  }
  if (format !== 'hyperliquid-node-fills') return undefined;
  return NODE_FILLS_V8_FLAGS.every((f) => execArgv.includes(f)) ? undefined : NODE_FILLS_V8_FLAGS;
}

/** process.execArgv with `flags` in place of its own heap flags. */
export function withHeapFlags(execArgv: readonly string[], flags: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const m = HEAP_FLAG.exec(execArgv[i]!);
    if (m === null) kept.push(execArgv[i]!);
    else if (m[1] === '') i++; // `--max-semi-space-size 64`
  }
  return [...kept, ...flags];
}

/**
 * Runs this same command again in a node started with `flags` (V8 reads heap sizes only when a heap is made,
 * so a running process cannot take them), and exits as it exits. Output is the child's own (inherited).
 * Ctrl-C reaches the child from the terminal (same process group), so SIGINT is not passed on (a second one
 * would end a `--linger` with a signal, not normally); a SIGTERM or SIGHUP sent to this process is.
 */
export function rerunWith(flags: readonly string[]): void {
  const child = spawn(process.execPath, [...withHeapFlags(process.execArgv, flags), ...process.argv.slice(1)], { stdio: 'inherit' });
  const pass = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', () => {});
  process.on('SIGTERM', pass);
  process.on('SIGHUP', pass);
  child.on('error', (err) => {
    process.stderr.write(`liqstream: could not start node with ${flags.join(' ')}: ${err.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    if (signal === null) process.exit(code ?? 1);
    // Ended by a signal: end the same way, so a caller sees what the child saw.
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  });
}
