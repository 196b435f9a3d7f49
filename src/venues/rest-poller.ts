import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../log.js';
import type { VenueId } from '../schema/events.js';
import type { FrameSink, Poller } from './venue.js';

/**
 * Runs `task` now (or after one interval with `delayFirst`) and then `intervalMs` after each run ends, so a slow
 * run never overlaps the next; `stop` aborts the signal the task is given and waits for the run in flight.
 * The task handles its own errors.
 */
export function repeat(intervalMs: number, task: (signal: AbortSignal) => Promise<void>, o: { delayFirst?: boolean } = {}): Poller {
  const abort = new AbortController();
  const signal = abort.signal;
  const loop = (async () => {
    if (o.delayFirst) await sleep(intervalMs, undefined, { signal }).catch(() => {});
    while (!signal.aborted) {
      await task(signal);
      await sleep(intervalMs, undefined, { signal }).catch(() => {});
    }
  })();
  return {
    stop: async () => {
      abort.abort();
      await loop;
    },
  };
}

export interface RestPollerOptions {
  venue: VenueId;
  /** The URLs of one sweep, fetched one after another. */
  urls: readonly string[];
  sink: FrameSink;
  log: Logger;
  /** Pause between the end of one sweep and the next. */
  intervalMs: number;
  fetchImpl?: typeof fetch;
}

/**
 * Polls public REST answers that need no rate budget of their own (a few requests a minute) and hands each
 * successful answer on as a frame, so it is parsed, recorded and replayed like a socket's. A failed or refused
 * request is logged and retried at the next sweep.
 */
export function startRestPoller(o: RestPollerOptions): Poller {
  const doFetch = o.fetchImpl ?? fetch;
  const poll = async (url: string, signal: AbortSignal): Promise<void> => {
    try {
      const res = await doFetch(url, { signal });
      const text = await res.text();
      if (!res.ok) {
        o.log.warn({ venue: o.venue, url, status: res.status, body: text.slice(0, 200) }, 'REST poll refused');
        return;
      }
      await o.sink.handleFrame({ venue: o.venue, recv: Date.now(), frame: text });
    } catch (err) {
      if (!signal.aborted) o.log.warn({ venue: o.venue, url, err: (err as Error).message }, 'REST poll failed');
    }
  };
  return repeat(o.intervalMs, async (signal) => {
    for (const url of o.urls) if (!signal.aborted) await poll(url, signal);
  });
}
