import type { Logger } from '../../log.js';
import { startRestPoll } from '../rest-poll.js';
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
  return startRestPoll({
    venue: OKX_VENUE,
    url: CONTRACT_TYPES.map((instType) => `${base}${OKX_REST_PATHS[o.what]}?instType=${instType}`),
    sink: o.sink,
    log: o.log,
    intervalMs: o.intervalMs,
    retryMs: o.retryMs,
    fetchImpl: o.fetchImpl,
  });
}
