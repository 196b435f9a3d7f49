import { setTimeout as sleep } from 'node:timers/promises';
import type { VenueId } from '../schema/events.js';
import type { Logger } from '../log.js';
import type { FrameSink, Poller } from './venue.js';

export interface RestPollOptions {
  venue: VenueId;
  /** The whole answer of one GET is one frame: a venue whose endpoint lists every market at once needs one request a sweep. */
  url: string;
  sink: FrameSink;
  log: Logger;
  /** Pause between the end of one request and the next. */
  intervalMs: number;
  fetchImpl?: typeof fetch;
}

/** After a failed request: sooner than a sweep, but never a tight loop against a venue that is down. */
const RETRY_MS = 5_000;

/**
 * Polls one public REST endpoint and hands every successful answer on as a raw frame, so it is recorded
 * and replayed like a socket frame and parsed by the venue's own parser (Gate's contract list, HTX's
 * open interest). A refused or failed request is logged and tried again; nothing is invented in between.
 */
export function startRestPoll(o: RestPollOptions): Poller {
  const doFetch = o.fetchImpl ?? fetch;
  const abort = new AbortController();
  const { signal } = abort;

  const once = async (): Promise<boolean> => {
    try {
      const res = await doFetch(o.url, { signal });
      const text = await res.text();
      if (!res.ok) {
        o.log.warn({ venue: o.venue, url: o.url, status: res.status, body: text.slice(0, 200) }, 'REST poll refused');
        return false;
      }
      await o.sink.handleFrame({ venue: o.venue, recv: Date.now(), frame: text });
      return true;
    } catch (err) {
      if (signal.aborted) return false;
      o.log.warn({ venue: o.venue, url: o.url, err: (err as Error).message }, 'REST poll failed');
      return false;
    }
  };

  const loop = (async () => {
    while (!signal.aborted) {
      const ok = await once();
      await sleep(ok ? o.intervalMs : Math.min(RETRY_MS, o.intervalMs), undefined, { signal }).catch(() => {});
    }
  })();

  return {
    stop: async () => {
      abort.abort();
      await loop;
    },
  };
}
