import { readFileSync, renameSync, writeFileSync } from 'node:fs';
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

/** The previous process's mark; undefined if there is none (first start) or it cannot be read (logged). */
export function readWatchMark(dir: string, log: Logger): WatchMark | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, FILE), 'utf8');
  } catch {
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
  return parsed.data;
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
