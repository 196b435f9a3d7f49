import { setTimeout as sleep } from 'node:timers/promises';
import type { VenueId } from '../schema/events.js';
import type { Logger } from '../log.js';
import { RepeatedFailure } from '../log-repeats.js';
import type { FrameSink, Poller } from './venue.js';

/**
 * Runs `task` now (or after one interval with `delayFirst`) and again after each run ends, so a slow run never
 * overlaps the next: after `intervalMs`, or after the delay the run returns. `stop` aborts the signal the task
 * is given and waits for the run in flight. The task handles its own errors.
 */
export function repeat(intervalMs: number, task: (signal: AbortSignal) => Promise<number | void>, o: { delayFirst?: boolean } = {}): Poller {
  const abort = new AbortController();
  const signal = abort.signal;
  const loop = (async () => {
    if (o.delayFirst) await sleep(intervalMs, undefined, { signal }).catch(() => {});
    while (!signal.aborted) {
      const next = await task(signal);
      await sleep(next ?? intervalMs, undefined, { signal }).catch(() => {});
    }
  })();
  return {
    stop: async () => {
      abort.abort();
      await loop;
    },
  };
}

export interface RestPollOptions {
  venue: VenueId;
  /**
   * The requests of one sweep: one URL, several fetched one after another, or a function giving the URL of
   * each page (from 0) of an endpoint whose whole answer would be too large for one bus record.
   */
  url: string | readonly string[] | ((page: number) => string);
  /** With a paged `url`: whether to fetch the page after `page`, given its answer; absent, one page a sweep. */
  nextPage?: (text: string, page: number) => boolean;
  sink: FrameSink;
  log: Logger;
  /** Pause between the end of one sweep and the next. */
  intervalMs: number;
  /** Pause after a sweep with a failed or refused request (at most `intervalMs`); default 5 s. */
  retryMs?: number;
  /** A request not answered by then counts as failed (a hung endpoint must not stop the poller); default 30 s. */
  requestTimeoutMs?: number;
  fetchImpl?: typeof fetch;
}

/** However the venue pages, a sweep ends here (a next-page rule that never says no must not loop). */
const MAX_PAGES = 50;

/**
 * Polls public REST endpoints and hands every successful answer on as a raw frame, so it is recorded and
 * replayed like a socket frame and parsed by the venue's own parser (open interest, contract lists). A refused
 * or failed request is logged, the rest of the sweep goes on, and the sweep is tried again sooner than the
 * interval, but never in a tight loop against a venue that is down; nothing is invented in between.
 */
export function startRestPoll(o: RestPollOptions): Poller {
  const doFetch = o.fetchImpl ?? fetch;
  const retryMs = Math.min(o.retryMs ?? 5_000, o.intervalMs);
  // A URL that keeps failing (no network) warns once, then quietly until it answers (src/log-repeats.ts).
  const failures = new Map<string, RepeatedFailure>();
  const failing = (url: string): RepeatedFailure => {
    let f = failures.get(url);
    if (!f) failures.set(url, (f = new RepeatedFailure(o.log)));
    return f;
  };
  /** The answer once handed on; undefined when the request failed or was refused. */
  const once = async (url: string, signal: AbortSignal): Promise<string | undefined> => {
    try {
      const res = await doFetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(o.requestTimeoutMs ?? 30_000)]) });
      const text = await res.text();
      if (!res.ok) {
        o.log.warn({ venue: o.venue, url, status: res.status, body: text.slice(0, 200) }, 'REST poll refused');
        return undefined;
      }
      failures.get(url)?.clear();
      await o.sink.handleFrame({ venue: o.venue, recv: Date.now(), frame: text });
      return text;
    } catch (err) {
      if (!signal.aborted) failing(url).fail({ venue: o.venue, url, err: (err as Error).message }, 'REST poll failed');
      return undefined;
    }
  };
  const paged = async (url: (page: number) => string, signal: AbortSignal): Promise<boolean> => {
    for (let page = 0; page < MAX_PAGES && !signal.aborted; page++) {
      const text = await once(url(page), signal);
      if (text === undefined) return false;
      if (!o.nextPage?.(text, page)) return true;
    }
    return true;
  };
  return repeat(o.intervalMs, async (signal) => {
    let ok = true;
    if (typeof o.url === 'function') ok = await paged(o.url, signal);
    else for (const url of typeof o.url === 'string' ? [o.url] : o.url) if (!signal.aborted && (await once(url, signal)) === undefined) ok = false;
    return ok ? o.intervalMs : retryMs;
  });
}
