import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../log.js';
import type { FrameSink, Poller } from '../venue.js';
import { OKX_REST_URL } from './instruments.js';
import { OKX_VENUE } from './parse.js';
import { CONTRACT_TYPES } from './schema.js';

export interface OkxOiPollerOptions {
  sink: FrameSink;
  log: Logger;
  baseUrl?: string;
  /** Pause between the end of one sweep (both instrument types) and the next. */
  intervalMs: number;
  fetchImpl?: typeof fetch;
  /** Pause after a failed request or a rate-limit answer. */
  retryMs?: number;
}

/**
 * OKX publishes open interest per instrument on a WebSocket channel that needs one subscription per
 * instId, and for a whole instrument type in one REST answer (GET /api/v5/public/open-interest?instType=…,
 * 20 requests per 2 s): two requests per sweep cover every perpetual and future. Answers go on as frames,
 * so they are recorded and replayed like any frame, and the parser reads them (refusals included: a
 * non-zero `code` is a dead letter).
 */
export function startOkxOiPoller(o: OkxOiPollerOptions): Poller {
  const base = (o.baseUrl ?? OKX_REST_URL).replace(/\/+$/, '');
  const doFetch = o.fetchImpl ?? fetch;
  const retryMs = o.retryMs ?? 5_000;
  const abort = new AbortController();
  const signal = abort.signal;

  const poll = async (instType: string): Promise<void> => {
    let res: Response;
    try {
      res = await doFetch(`${base}/api/v5/public/open-interest?instType=${instType}`, { signal });
    } catch (err) {
      if (signal.aborted) throw err;
      o.log.warn({ venue: OKX_VENUE, instType, err: (err as Error).message }, 'open interest poll failed');
      await sleep(retryMs, undefined, { signal });
      return;
    }
    const text = await res.text();
    if (!res.ok) {
      o.log.warn({ venue: OKX_VENUE, instType, status: res.status, body: text.slice(0, 200) }, 'open interest poll refused');
      await sleep(retryMs, undefined, { signal });
      return;
    }
    await o.sink.handleFrame({ venue: OKX_VENUE, recv: Date.now(), frame: text });
  };

  const loop = (async () => {
    while (!signal.aborted) {
      try {
        for (const instType of CONTRACT_TYPES) await poll(instType);
        await sleep(o.intervalMs, undefined, { signal });
      } catch (err) {
        if (signal.aborted) return;
        o.log.error({ venue: OKX_VENUE, err }, 'open interest poller error');
        await sleep(retryMs, undefined, { signal }).catch(() => {});
      }
    }
  })();

  return {
    stop: async () => {
      abort.abort();
      await loop;
    },
  };
}
