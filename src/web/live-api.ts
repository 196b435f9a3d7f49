import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { z } from 'zod';
import { guardedWebSocketServer, type ErrorSink } from '../connection/guarded-socket.js';
import type { Aggregator } from '../aggregate/aggregator.js';
import { minuteView } from '../cascade/tracker.js';
import { CascadeSignal } from '../cascade/detector.js';
import { countedAsLiquidation, LiquidationEvent, MARKET_SYMBOL, MARKET_SYMBOL_RULE, type NormalizedEvent } from '../schema/events.js';
import { VENUES } from '../venues/registry.js';
import type { MarketFeed } from './market-feed.js';
import { venueCatalogue } from '../venues/catalogue.js';
import { isPageAsset, servePageAsset } from './page-assets.js';
import { json, MinUsdParam, NoQuery, readQuery, refusedMethod, requestUrl, TimeParam } from './http-answers.js';
import { totalsView, type TotalsView } from './totals-view.js';
import { baseMinutesView, baseTotalsView } from './base-view.js';

/** What the live page and API read. */
export interface LiveSource {
  aggregator: Aggregator;
  feed: MarketFeed;
  /** The most recent cascade signals (start, updates, end), oldest first, and how many were produced in all. */
  cascades: () => { signals: readonly CascadeSignal[]; produced: number };
  /** Process status for the page's header (connectors, bus). */
  status: () => Record<string, unknown>;
  /** The clock for ages: wall time live, event time in a replay. */
  now: () => number;
  /**
   * Most /api/stream clients at once (default 256); more are refused with 503. Each client that
   * stops reading holds up to MAX_BUFFERED_BYTES (4 MiB) here, so without a cap a few thousand idle
   * connections were gigabytes of heap.
   */
  maxClients?: number;
  /** How often stream clients are pinged (default 30 s); one silent for a whole interval is dropped. */
  pingMs?: number;
  /** /api/history/* (history-api.ts), when a history store is configured. */
  history?: { handle(url: URL, res: ServerResponse): boolean };
}

/** Messages on /api/stream (docs/api.md). */
export const StreamMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('liquidations'), events: z.array(LiquidationEvent) }),
  z.object({ type: z.literal('totals'), totals: z.record(z.string(), z.unknown()) }),
  z.object({ type: z.literal('cascade'), signal: CascadeSignal }),
]);
export type StreamMessage = z.infer<typeof StreamMessage>;

/** A coin as base-asset.ts names it (`BTC`, `PEPE`, `other`). */
const BaseParam = z.string().regex(MARKET_SYMBOL, `expected a coin such as BTC: ${MARKET_SYMBOL_RULE}`);
const TotalsQuery = z.strictObject({ by: z.literal('base').optional() });
const FundingQuery = z.strictObject({ base: BaseParam.optional() });

const Query = z.strictObject({
  minUsd: MinUsdParam,
  // A venue this build does not have is refused, not answered with an empty list that reads as "none".
  venue: z.enum(VENUES as [string, ...string[]], { error: (i) => `unknown venue ${JSON.stringify(String(i.input).slice(0, 40))} (GET /api/venues lists them)` }).optional(),
  symbol: z.string().regex(/^[A-Za-z0-9:_.\-/]{1,40}$/).optional(),
  limit: z.string().regex(/^\d{1,4}$/, 'expected a whole number from 1 to 1000').transform(Number).pipe(z.number().min(1).max(1000)).default(100),
  sort: z.enum(['time', 'usd']).default('time'),
  base: BaseParam.optional(),
  since: TimeParam.optional(),
});
const MinutesQuery = z
  .strictObject({ from: TimeParam.optional(), to: TimeParam.optional(), by: z.literal('base').optional(), base: BaseParam.optional() })
  .refine((q) => (q.by === 'base') === (q.base !== undefined), { message: 'by=base and base=<coin> go together', path: ['by'] })
  .refine((q) => q.from === undefined || q.to === undefined || q.from < q.to, { message: 'from must be before to', path: ['from'] });

/** Sends are batched: at most this often per client, so a burst of 2,000 events/s costs a few messages. */
const FLUSH_MS = 250;
const TOTALS_MS = 1_000;
/** A client this far behind is skipped until it catches up (it gets the next totals anyway). */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/** Stream clients are pinged this often; one that has not answered the previous ping is dropped. */
const PING_MS = 30_000;

/** 400 with every problem of the query named by parameter; true: the request was handled. */
function badQuery(res: ServerResponse, error: string): true {
  json(res, 400, { error });
  return true;
}

/** Paths of this module other than /api/stream. */
const PATHS = new Set(['/api/totals', '/api/liquidations', '/api/venues', '/api/cascades', '/api/minutes', '/api/funding']);

/**
 * The trader's page (`GET /`), the JSON API (`/api/...`) and the event stream (`/api/stream`, a
 * WebSocket), served beside /metrics. Read-only: nothing here changes the pipeline.
 */
export function liveApi(source: LiveSource) {
  // Client input is ignored and capped at 1 KiB; a message over it, invalid UTF-8 or an unmasked frame
  // closes that client (counted by the server's error sink), never the process.
  const wss = guardedWebSocketServer({ maxPayload: 1024 });
  let pending: LiquidationEvent[] = [];
  let dropped = 0;
  let cascadesSent = source.cascades().produced;

  const broadcast = (message: StreamMessage) => {
    if (wss.clients.size === 0) return;
    const text = JSON.stringify(message);
    for (const ws of wss.clients) if (ws.readyState === ws.OPEN && ws.bufferedAmount < MAX_BUFFERED_BYTES) ws.send(text);
  };
  const flush = setInterval(() => {
    if (pending.length > 0) {
      broadcast({ type: 'liquidations', events: pending });
      pending = [];
    }
    // Signals are numbered from the start; the kept ones are the last `signals.length` of `produced`.
    const { signals, produced } = source.cascades();
    for (cascadesSent = Math.max(cascadesSent, produced - signals.length); cascadesSent < produced; cascadesSent++)
      broadcast({ type: 'cascade', signal: signals[cascadesSent - (produced - signals.length)]! });
  }, FLUSH_MS);
  const totals = setInterval(() => broadcast({ type: 'totals', totals: currentTotals() }), TOTALS_MS);
  // A client that stops reading (or vanished without a FIN) holds a slot of maxClients and its unsent
  // messages: one that has not answered the previous ping is dropped. Each ping carries random bytes of its
  // own, and only a pong with them counts: a client that never reads could otherwise keep its slot with
  // pongs it sends unasked (an adversarial review held 256 slots so, 1 GB of unsent data with them).
  const alive = new WeakSet<object>();
  const expected = new WeakMap<object, Buffer>();
  const ping = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) ws.terminate();
      else {
        alive.delete(ws);
        const nonce = randomBytes(8);
        expected.set(ws, nonce);
        ws.ping(nonce);
      }
    }
  }, source.pingMs ?? PING_MS);
  flush.unref();
  totals.unref();
  ping.unref();

  const currentTotals = (): TotalsView & { status: Record<string, unknown> } => ({ ...totalsView(source.aggregator, source.now()), status: source.status() });

  return {
    // A sink of the stage graph (src/pipeline/stages.ts): told every applied event.
    name: 'live-api',
    /** Every normalized event applied by the aggregator (liquidations reach the stream). */
    onEvent(event: NormalizedEvent): void {
      source.feed.add(event);
      if (event.type !== 'liquidation' || !countedAsLiquidation(event) || wss.clients.size === 0) return;
      // Bounded: a stalled timer or a flood never grows this past one second of a crash-day burst.
      if (pending.length >= 5_000) dropped += 1;
      else pending.push(event);
    },

    /** Handles the request if it is one of ours; false otherwise. */
    handle(req: IncomingMessage, res: ServerResponse): boolean {
      const url = requestUrl(req);
      if (!url) return void json(res, 400, { error: 'malformed request target' }), true;
      if (url.pathname === '/api/stream') {
        if (req.method !== 'GET') json(res, 405, { error: 'use GET with Upgrade: websocket' }, { allow: 'GET' });
        else json(res, 426, { error: '/api/stream is a WebSocket: send Upgrade: websocket' }, { upgrade: 'websocket', connection: 'Upgrade' });
        return true;
      }
      // The history endpoints (history-api.ts) when a store is configured: the same method rule, their own parameters.
      if (source.history && url.pathname.startsWith('/api/history/')) return refusedMethod(req, res) || source.history.handle(url, res);
      // The page's own files (page-assets.ts): `/` and `/page/*`, no parameters.
      if (isPageAsset(url.pathname)) {
        if (refusedMethod(req, res)) return true;
        const q = readQuery(url, NoQuery);
        return 'error' in q ? badQuery(res, q.error) : servePageAsset(url.pathname, res);
      }
      if (!PATHS.has(url.pathname)) return false;
      if (refusedMethod(req, res)) return true;
      switch (url.pathname) {
        case '/api/liquidations': {
          const q = readQuery(url, Query);
          if ('error' in q) return badQuery(res, q.error);
          const { minUsd, venue, symbol, base, since, limit } = q.data;
          const filter = { minUsd, venue, symbol, base, since, limit };
          if (q.data.sort === 'usd') json(res, 200, { liquidations: source.feed.largest(filter), streamDropped: dropped });
          else json(res, 200, { ...source.feed.recentWithCover(filter), streamDropped: dropped });
          return true;
        }
        case '/api/minutes': {
          const q = readQuery(url, MinutesQuery);
          if ('error' in q) return badQuery(res, q.error);
          const { from = -Infinity, to = Infinity } = q.data;
          if (q.data.base !== undefined) {
            json(res, 200, baseMinutesView(source.aggregator, q.data.base, from, to));
            return true;
          }
          const minutes = source.aggregator.minutes.range().filter((m) => m.minute >= from && m.minute < to);
          // DeFi (lending protocols, by protocol) apart from the perps' minutes, net of retractions; absent without any.
          const defi = source.aggregator.defi.minutes.range().filter((m) => m.minute >= from && m.minute < to);
          json(res, 200, { minutes: minutes.map(minuteView), ...(defi.length ? { defiMinutes: defi.map(minuteView) } : {}) });
          return true;
        }
      }
      if (url.pathname === '/api/totals') {
        const q = readQuery(url, TotalsQuery);
        if ('error' in q) return badQuery(res, q.error);
        json(res, 200, q.data.by === 'base' ? baseTotalsView(source.aggregator) : currentTotals());
        return true;
      }
      if (url.pathname === '/api/funding') {
        const q = readQuery(url, FundingQuery);
        if ('error' in q) return badQuery(res, q.error);
        json(res, 200, { asOf: source.aggregator.watermark || null, funding: source.aggregator.funding.list(q.data.base) });
        return true;
      }
      // The rest take no parameters.
      const q = readQuery(url, NoQuery);
      if ('error' in q) return badQuery(res, q.error);
      switch (url.pathname) {
        case '/api/venues':
          json(res, 200, venueCatalogue());
          return true;
        default: // '/api/cascades'
          json(res, 200, { cascades: source.cascades().signals });
          return true;
      }
    },

    /** Takes the WebSocket upgrade for /api/stream; false for any other path. */
    upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, onError: ErrorSink): boolean {
      const url = requestUrl(req);
      if (url?.pathname !== '/api/stream') return false;
      const q = readQuery(url, NoQuery);
      const maxClients = source.maxClients ?? 256;
      const refusal =
        'error' in q
          ? { status: '400 Bad Request', reason: 'stream_query', why: `/api/stream takes no parameters: ${q.error}` }
          : wss.clients.size >= maxClients
            ? { status: '503 Service Unavailable', reason: 'stream_full', why: `/api/stream has its ${maxClients} clients: 503` }
            : undefined;
      if (refusal) {
        // Counted and logged like any refused client (liqstream_api_client_errors_total).
        onError(refusal.reason, new Error(refusal.why), { remote: req.socket.remoteAddress });
        socket.end(`HTTP/1.1 ${refusal.status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
        return true;
      }
      wss.accept(req, socket, head, onError, (ws) => {
        alive.add(ws);
        ws.on('pong', (data: Buffer) => {
          const nonce = expected.get(ws);
          if (nonce !== undefined && nonce.equals(data)) alive.add(ws);
        });
        ws.on('message', () => {}); // the stream is one-way; input is ignored (and capped at 1 KiB)
        ws.send(JSON.stringify({ type: 'totals', totals: currentTotals() } satisfies StreamMessage));
      });
      return true;
    },

    close(): void {
      clearInterval(flush);
      clearInterval(totals);
      clearInterval(ping);
      wss.close();
    },
  };
}

export type LiveApi = ReturnType<typeof liveApi>;
