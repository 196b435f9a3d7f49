import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Logger } from '../log.js';
import { VenueId } from '../schema/events.js';

/**
 * What a connector process last wrote about itself, in its spill directory: per venue, the time from
 * which it cannot vouch for what it read (`since`: data received from then on may be lost if the
 * process dies now). A successor reads it and records a gap per venue from there to its own
 * subscription, so a `kill -9`, a crash or a clean stop leaves no unrecorded hole.
 */
export const WatchMark = z.strictObject({
  pid: z.number().int(),
  /** When the mark was written (ms). */
  at: z.number().int().nonnegative(),
  /** True when written by a clean shutdown, after everything read was flushed. */
  clean: z.boolean(),
  since: z.record(VenueId, z.number().int().nonnegative()),
});
export type WatchMark = z.infer<typeof WatchMark>;

const FILE = 'watch-mark.json';
/**
 * How often the mark is written: a successor's gap starts at most this long before the moment the
 * process really stopped being able to vouch for its data (the mark is never ahead, only behind).
 */
export const WATCH_MARK_INTERVAL_MS = 200;

/** A mark is a few hundred bytes; a file far larger is not one (and is not read into memory). */
const MAX_MARK_BYTES = 1 << 20;
/** Past this, a mark's time ahead of this process's clock is logged (two processes on one host agree closely). */
const MAX_FUTURE_MS = 60_000;

/**
 * The previous process's mark; undefined if there is none (first start) or it cannot be read (logged: the time
 * since the previous process stopped is then not recorded as a gap, and the operator must know). Times past
 * `now` (a clock that was ahead, a hand edit) are brought back to `now` (logged past a minute): a `since` in the future made the
 * successor's gap end before it began, and no gap was recorded at all.
 */
export function readWatchMark(dir: string, log: Logger, now = Date.now()): WatchMark | undefined {
  const path = join(dir, FILE);
  let text: string;
  try {
    const size = statSync(path).size;
    if (size > MAX_MARK_BYTES) throw Object.assign(new Error(`${size} bytes, not a watch mark`), { code: 'ETOOBIG' });
    text = readFileSync(path, 'utf8');
  } catch (err) {
    // Only a missing mark is the normal first start; a directory, a permission or an oversized file is a problem.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      log.warn({ dir, file: FILE, err: (err as Error).message }, 'watch mark unreadable; the time since the previous process stopped is not recorded as a gap');
    return undefined;
  }
  const parsed = WatchMark.safeParse((() => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return undefined;
    }
  })());
  if (!parsed.success) {
    log.warn({ dir, file: FILE }, 'watch mark unreadable; the time since the previous process stopped is not recorded as a gap');
    return undefined;
  }
  const ahead = Object.entries(parsed.data.since).filter(([, t]) => t > now);
  if (ahead.length === 0) return parsed.data;
  if (ahead.some(([, t]) => t > now + MAX_FUTURE_MS))
    log.warn({ dir, file: FILE, at: parsed.data.at, now, venues: ahead.map(([v]) => v) }, 'watch mark times are in the future; the gap is recorded from now');
  return { ...parsed.data, since: Object.fromEntries(Object.entries(parsed.data.since).map(([v, t]) => [v, Math.min(t, now)])) as WatchMark['since'] };
}

/**
 * Writes the mark every WATCH_MARK_INTERVAL_MS (`since(at)`: per venue, from when on it cannot vouch,
 * at most `at`), and a last one at shutdown. A write that fails (disk
 * full) leaves the older mark in place, which only makes a successor's gap start earlier: never later.
 */
export function startWatchMark(dir: string, since: (at: number) => Record<VenueId, number>, log: Logger): { final(at: number): void; stop(): void } {
  let failed = false;
  const write = (clean: boolean, at = Date.now()): void => {
    const mark: WatchMark = { pid: process.pid, at, clean, since: since(at) };
    const tmp = join(dir, `${FILE}.tmp`);
    try {
      writeFileSync(tmp, JSON.stringify(mark));
      renameSync(tmp, join(dir, FILE));
      failed = false;
    } catch (err) {
      if (!failed) log.warn({ dir, err: (err as Error).message }, 'watch mark not written; a successor would record a longer gap');
      failed = true;
    }
  };
  write(false);
  const timer = setInterval(() => write(false), WATCH_MARK_INTERVAL_MS).unref();
  return {
    /** The last mark, at a clean shutdown: watching ended at `at` (when the sockets were closed). */
    final: (at) => {
      clearInterval(timer);
      write(true, at);
    },
    /** No more periodic marks (shutdown has begun: the last periodic one stays until `final`). */
    stop: () => clearInterval(timer),
  };
}
