import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../log.js';
import type { VenueId } from '../schema/events.js';
import type { FrameSink } from './venue.js';

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
export function startRestPoller(o: RestPollerOptions): { stop(): Promise<void> } {
  const doFetch = o.fetchImpl ?? fetch;
  const abort = new AbortController();
  const signal = abort.signal;

  const poll = async (url: string): Promise<void> => {
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

  const loop = (async () => {
    while (!signal.aborted) {
      for (const url of o.urls) if (!signal.aborted) await poll(url);
      await sleep(o.intervalMs, undefined, { signal }).catch(() => {});
    }
  })();

  return {
    stop: async () => {
      abort.abort();
      await loop;
    },
  };
}
