import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../log.js';
import type { FrameSink } from '../venue.js';
import { DERIBIT_CURRENCIES, DERIBIT_REST_URL } from './instruments.js';

export interface DeribitOiPollerOptions {
  sink: FrameSink;
  log: Logger;
  baseUrl?: string;
  /** Pause between the end of one sweep over the currencies and the next. */
  intervalMs: number;
  fetchImpl?: typeof fetch;
}

/**
 * Open interest of every future, one get_book_summary_by_currency request per currency and sweep (4 requests a
 * minute by default, far inside Deribit's public credit limits). Answers go on as frames, so they are recorded and
 * replayed like the socket's; the parser values them. A ticker subscription per instrument would stream the same
 * figure ten times a second for every market.
 */
export function startDeribitOiPoller(o: DeribitOiPollerOptions): { stop(): Promise<void> } {
  const base = (o.baseUrl ?? DERIBIT_REST_URL).replace(/\/+$/, '');
  const doFetch = o.fetchImpl ?? fetch;
  const abort = new AbortController();
  const signal = abort.signal;

  const poll = async (currency: string): Promise<void> => {
    try {
      const res = await doFetch(`${base}/api/v2/public/get_book_summary_by_currency?currency=${currency}&kind=future`, { signal });
      const text = await res.text();
      if (!res.ok) {
        o.log.warn({ venue: 'deribit', currency, status: res.status, body: text.slice(0, 200) }, 'open interest poll refused');
        return;
      }
      await o.sink.handleFrame({ venue: 'deribit', recv: Date.now(), frame: text });
    } catch (err) {
      if (!signal.aborted) o.log.warn({ venue: 'deribit', currency, err: (err as Error).message }, 'open interest poll failed');
    }
  };

  const loop = (async () => {
    while (!signal.aborted) {
      for (const currency of DERIBIT_CURRENCIES) if (!signal.aborted) await poll(currency);
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
