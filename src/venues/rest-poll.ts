import { setTimeout as sleep } from 'node:timers/promises';
import type { VenueId } from '../schema/events.js';
import type { Logger } from '../log.js';
import type { FrameSink, Poller } from './venue.js';

export interface RestPollOptions {
  venue: VenueId;
  /**
   * The whole answer of one GET is one frame. A function gives the URL of each page (from 0) of an endpoint
   * whose full answer would be too large for one bus record.
   */
  url: string | ((page: number) => string);
  /** Whether to fetch the page after `page`, given its answer; absent: one page a sweep. */
  nextPage?: (text: string, page: number) => boolean;
  sink: FrameSink;
  log: Logger;
  /** Pause between the end of one request and the next. */
  intervalMs: number;
  fetchImpl?: typeof fetch;
}

/** After a failed request: sooner than a sweep, but never a tight loop against a venue that is down. */
const RETRY_MS = 5_000;
/** However the venue pages, a sweep ends here (a next-page rule that never says no must not loop). */
const MAX_PAGES = 50;

/**
 * Polls one public REST endpoint and hands every successful answer on as a raw frame, so it is recorded
 * and replayed like a socket frame and parsed by the venue's own parser (Gate's contract list, HTX's
 * open interest). A refused or failed request is logged and tried again; nothing is invented in between.
 */
export function startRestPoll(o: RestPollOptions): Poller {
  const doFetch = o.fetchImpl ?? fetch;
  const abort = new AbortController();
  const { signal } = abort;

  const urlOf = typeof o.url === 'string' ? () => o.url as string : o.url;
  /** The page's answer once handed on, undefined when the request failed or was refused. */
  const once = async (url: string): Promise<string | undefined> => {
    try {
      const res = await doFetch(url, { signal });
      const text = await res.text();
      if (!res.ok) {
        o.log.warn({ venue: o.venue, url, status: res.status, body: text.slice(0, 200) }, 'REST poll refused');
        return undefined;
      }
      await o.sink.handleFrame({ venue: o.venue, recv: Date.now(), frame: text });
      return text;
    } catch (err) {
      if (!signal.aborted) o.log.warn({ venue: o.venue, url, err: (err as Error).message }, 'REST poll failed');
      return undefined;
    }
  };

  const sweep = async (): Promise<boolean> => {
    for (let page = 0; page < MAX_PAGES && !signal.aborted; page++) {
      const text = await once(urlOf(page));
      if (text === undefined) return false;
      if (!o.nextPage?.(text, page)) return true;
    }
    return true;
  };

  const loop = (async () => {
    while (!signal.aborted) {
      const ok = await sweep();
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
