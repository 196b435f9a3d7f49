/**
 * The reader of our output went away (`liqstream replay … | head -1`, `| less` then `q`): a write to
 * stdout or stderr fails with EPIPE. Like `yes | head`, the process then ends at once and quietly with
 * 141 (128 + SIGPIPE), instead of writing error messages nobody reads into the same closed pipe or
 * waiting on a flush that can never finish. A long-running service registers its own shutdown, so
 * what it holds is flushed to the bus before it exits.
 */
export const BROKEN_PIPE_EXIT = 141;

let handler: () => void = () => process.exit(BROKEN_PIPE_EXIT);
let broken = false;

/** Replaces the default (exit 141 at once), e.g. with a service's orderly shutdown. */
export function onBrokenPipe(fn: () => void): void {
  handler = fn;
}

/** Called for any EPIPE on our output streams; acts once. */
export function brokenPipe(): void {
  if (broken) return;
  broken = true;
  handler();
}

const isEpipe = (err: unknown): boolean => (err as NodeJS.ErrnoException | null)?.code === 'EPIPE';

/**
 * Watches a stream we write to: EPIPE ends the process as above; any other error is rethrown as
 * before (an 'error' event without a listener).
 */
export function watchOutput(stream: NodeJS.EventEmitter): void {
  stream.on('error', (err: unknown) => {
    if (isEpipe(err)) return brokenPipe();
    throw err;
  });
}
