import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../log.js';
import { RepeatedFailure } from '../../log-repeats.js';
import type { FrameSink } from '../venue.js';
import type { BinanceVenue } from './parse.js';
import type { WeightBudget } from '../../connection/weight-budget.js';

export const BINANCE_REST_URLS: Record<BinanceVenue, { base: string; prefix: string }> = {
  'binance-usdm': { base: 'https://fapi.binance.com', prefix: '/fapi/v1' },
  'binance-coinm': { base: 'https://dapi.binance.com', prefix: '/dapi/v1' },
};

/** Documented request weights: premiumIndex without a symbol 10, openInterest 1. */
const WEIGHT = { premiumIndex: 10, openInterest: 1 } as const;

export interface OiPollerOptions {
  venue: BinanceVenue;
  /**
   * Exactly these symbols; by default every contract in the sweep's premiumIndex answer: perpetuals
   * and quarterlies, listed or delisted as Binance says, which is the scope of `!forceOrder@arr`.
   */
  symbols?: string[];
  budget: WeightBudget;
  sink: FrameSink;
  log: Logger;
  baseUrl?: string;
  /** Pause between the end of one sweep over all symbols and the next. */
  intervalMs: number;
  onPoll?: (status: number) => void;
  fetchImpl?: typeof fetch;
}

/**
 * Binance has no open-interest stream: poll the REST endpoint for every symbol within the shared
 * weight budget. Responses are handed on as frames (and so recorded and replayed like any frame),
 * every one, changed or not: each is valued at the sweep's mark price, and the aggregator measures
 * the age of open interest from the last answer. Mark prices, and by default the symbols, come from
 * one premiumIndex call per sweep.
 */
export function startBinanceOiPoller(o: OiPollerOptions): { stop(): Promise<void> } {
  const { base, prefix } = { ...BINANCE_REST_URLS[o.venue], ...(o.baseUrl ? { base: o.baseUrl } : {}) };
  const doFetch = o.fetchImpl ?? fetch;
  const abort = new AbortController();
  const signal = abort.signal;

  // Failing requests (no network) warn once, then quietly until one is answered (src/log-repeats.ts).
  const unreachable = new RepeatedFailure(o.log);
  const get = async (path: string, weight: number): Promise<string | undefined> => {
    for (;;) {
      await o.budget.take(weight, signal);
      let res: Response;
      try {
        res = await doFetch(`${base}${prefix}${path}`, { signal });
      } catch (err) {
        if (signal.aborted) throw err;
        unreachable.fail({ venue: o.venue, path, err: (err as Error).message }, 'open interest poll failed');
        await sleep(5_000, undefined, { signal });
        continue;
      }
      unreachable.clear();
      o.onPoll?.(res.status);
      const used = Number(res.headers.get('x-mbx-used-weight-1m') ?? res.headers.get('x-mbx-used-weight'));
      if (Number.isFinite(used) && used > 0) o.budget.observeUsed(used);
      if (res.status === 429 || res.status === 418) {
        // 429: slow down; 418: the IP is banned for Retry-After seconds. Either way nothing is sent until then.
        const retryAfter = Number(res.headers.get('retry-after'));
        const ms = (Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : res.status === 418 ? 120 : 60) * 1000;
        o.log.warn({ venue: o.venue, status: res.status, retryAfterMs: ms }, 'rate limited by Binance; backing off');
        o.budget.pauseFor(ms);
        await res.body?.cancel();
        continue;
      }
      const text = await res.text();
      if (!res.ok) {
        o.log.warn({ venue: o.venue, path, status: res.status, body: text.slice(0, 200) }, 'open interest poll refused');
        return undefined;
      }
      return text;
    }
  };

  let listed: string[] = [];
  const sweep = async () => {
    const index = await get('/premiumIndex', WEIGHT.premiumIndex);
    if (index !== undefined) {
      await o.sink.handleFrame({ venue: o.venue, recv: Date.now(), frame: index });
      listed = listedSymbols(index) ?? listed;
    }
    for (const symbol of o.symbols ?? listed) {
      const text = await get(`/openInterest?symbol=${encodeURIComponent(symbol)}`, WEIGHT.openInterest);
      if (text !== undefined) await o.sink.handleFrame({ venue: o.venue, recv: Date.now(), frame: text });
    }
  };

  const loop = (async () => {
    while (!signal.aborted) {
      try {
        await sweep();
        await sleep(o.intervalMs, undefined, { signal });
      } catch (err) {
        if (signal.aborted) return;
        o.log.error({ venue: o.venue, err }, 'open interest poller error');
        await sleep(5_000, undefined, { signal }).catch(() => {});
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

/** The symbols of a premiumIndex answer (undefined when it is not the expected array). */
function listedSymbols(text: string): string[] | undefined {
  let rows: unknown;
  try {
    rows = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(rows)) return undefined;
  return rows.flatMap((r: unknown) => {
    const symbol = (r as { symbol?: unknown } | null)?.symbol;
    return typeof symbol === 'string' && /^[A-Z0-9_]{1,40}$/.test(symbol) ? [symbol] : [];
  });
}
