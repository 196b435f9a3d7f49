import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../log.js';
import type { FrameSink, Poller } from '../venue.js';
import { OKX_REST_URL } from './instruments.js';
import { OKX_VENUE } from './parse.js';
import { CONTRACT_TYPES } from './schema.js';

/** The public REST lists the connector reads as frames, each for a whole instrument type per request. */
export const OKX_REST_PATHS = {
  'open interest': '/api/v5/public/open-interest',
  instruments: '/api/v5/public/instruments',
} as const;

export interface OkxRestPollerOptions {
  what: keyof typeof OKX_REST_PATHS;
  sink: FrameSink;
  log: Logger;
  baseUrl?: string;
  /** Pause between the end of one sweep (both instrument types) and the next. */
  intervalMs: number;
  fetchImpl?: typeof fetch;
  /** Pause after a failed request or a refusal. */
  retryMs?: number;
}

/**
 * Polls one public list for SWAP and for FUTURES (two requests a sweep; OKX allows 20 per 2 s) and hands each
 * answer on as a frame, so that it is recorded and replayed like any frame and the parser reads it: open
 * interest (the WebSocket channel would need one subscription per instrument) and the instrument list (contract
 * values of markets listed after start, which a replay then values exactly as the live run did). A non-zero
 * `code` goes on too: the parser dead-letters it.
 */
export function startOkxRestPoller(o: OkxRestPollerOptions): Poller {
  const base = (o.baseUrl ?? OKX_REST_URL).replace(/\/+$/, '');
  const doFetch = o.fetchImpl ?? fetch;
  const retryMs = o.retryMs ?? 5_000;
  const abort = new AbortController();
  const signal = abort.signal;

  const poll = async (instType: string): Promise<void> => {
    let res: Response;
    try {
      res = await doFetch(`${base}${OKX_REST_PATHS[o.what]}?instType=${instType}`, { signal });
    } catch (err) {
      if (signal.aborted) throw err;
      o.log.warn({ venue: OKX_VENUE, what: o.what, instType, err: (err as Error).message }, 'OKX REST poll failed');
      await sleep(retryMs, undefined, { signal });
      return;
    }
    const text = await res.text();
    if (!res.ok) {
      o.log.warn({ venue: OKX_VENUE, what: o.what, instType, status: res.status, body: text.slice(0, 200) }, 'OKX REST poll refused');
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
        o.log.error({ venue: OKX_VENUE, what: o.what, err }, 'OKX REST poller error');
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
