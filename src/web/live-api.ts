import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import type { Aggregator } from '../aggregate/aggregator.js';
import { minuteView } from '../cascade/tracker.js';
import { CascadeSignal } from '../cascade/detector.js';
import { LiquidationEvent, VenueId, type NormalizedEvent } from '../schema/events.js';
import type { MarketFeed } from './market-feed.js';
import { venueCatalogue } from '../venues/catalogue.js';
import { LIVE_PAGE_HTML } from './live-page.js';
import { totalsView, type TotalsView } from './totals-view.js';

/** What the live page and API read. */
export interface LiveSource {
  aggregator: Aggregator;
  feed: MarketFeed;
  /** Cascade episodes seen so far (start, updates, end), in order. */
  cascades: () => CascadeSignal[];
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

const Query = z.strictObject({
  minUsd: z.coerce.number().finite().min(0).default(0),
  venue: VenueId.optional(),
  symbol: z.string().regex(/^[A-Za-z0-9:_.\-/]{1,40}$/).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  sort: z.enum(['time', 'usd']).default('time'),
});
const MinutesQuery = z.strictObject({ from: z.coerce.number().int().min(0).optional(), to: z.coerce.number().int().min(0).optional() });

/** Sends are batched: at most this often per client, so a burst of 2,000 events/s costs a few messages. */
const FLUSH_MS = 250;
const TOTALS_MS = 1_000;
/** A client this far behind is skipped until it catches up (it gets the next totals anyway). */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/**
 * The request's URL, or undefined when WHATWG URL cannot parse it. The http parser accepts targets
 * such as `http://[` that URL rejects; a throw here ran in the server's listener, an uncaught
 * exception that ended the process from one request.
 */
function requestUrl(req: IncomingMessage): URL | undefined {
  try {
    return new URL(req.url ?? '/', 'http://localhost');
  } catch {
    return undefined;
  }
}

/** 400 with every problem of the query named by parameter; true: the request was handled. */
function badQuery(res: ServerResponse, error: z.ZodError): true {
  json(res, 400, { error: error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
  return true;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/**
 * The trader's page (`GET /`), the JSON API (`/api/...`) and the event stream (`/api/stream`, a
 * WebSocket), served beside /metrics. Read-only: nothing here changes the pipeline.
 */
export function liveApi(source: LiveSource) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 });
  let pending: LiquidationEvent[] = [];
  let dropped = 0;
  let cascadesSent = source.cascades().length;

  const broadcast = (message: StreamMessage) => {
    if (wss.clients.size === 0) return;
    const text = JSON.stringify(message);
    for (const ws of wss.clients as Set<WebSocket>) if (ws.readyState === ws.OPEN && ws.bufferedAmount < MAX_BUFFERED_BYTES) ws.send(text);
  };
  const flush = setInterval(() => {
    if (pending.length > 0) {
      broadcast({ type: 'liquidations', events: pending });
      pending = [];
    }
    const signals = source.cascades();
    for (; cascadesSent < signals.length; cascadesSent++) broadcast({ type: 'cascade', signal: signals[cascadesSent]! });
  }, FLUSH_MS);
  const totals = setInterval(() => broadcast({ type: 'totals', totals: currentTotals() }), TOTALS_MS);
  flush.unref();
  totals.unref();

  const currentTotals = (): TotalsView & { status: Record<string, unknown> } => ({ ...totalsView(source.aggregator, source.now()), status: source.status() });

  return {
    /** Every normalized event applied by the aggregator (liquidations reach the stream). */
    onEvent(event: NormalizedEvent): void {
      source.feed.add(event);
      if (event.type !== 'liquidation' || event.kind !== 'liquidation' || wss.clients.size === 0) return;
      // Bounded: a stalled timer or a flood never grows this past one second of a crash-day burst.
      if (pending.length >= 5_000) dropped += 1;
      else pending.push(event);
    },

    /** Handles the request if it is one of ours; false otherwise. */
    handle(req: IncomingMessage, res: ServerResponse): boolean {
      if (req.method !== 'GET') return false;
      const url = requestUrl(req);
      if (!url) return void json(res, 400, { error: 'malformed request target' }), true;
      switch (url.pathname) {
        case '/':
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
          res.end(LIVE_PAGE_HTML);
          return true;
        case '/api/totals':
          json(res, 200, currentTotals());
          return true;
        case '/api/liquidations': {
          const q = Query.safeParse(Object.fromEntries(url.searchParams));
          if (!q.success) return badQuery(res, q.error);
          const filter = { minUsd: q.data.minUsd, venue: q.data.venue, symbol: q.data.symbol, limit: q.data.limit };
          json(res, 200, { liquidations: q.data.sort === 'usd' ? source.feed.largest(filter) : source.feed.recent(filter), streamDropped: dropped });
          return true;
        }
        case '/api/venues':
          json(res, 200, venueCatalogue());
          return true;
        case '/api/cascades':
          json(res, 200, { cascades: source.cascades() });
          return true;
        case '/api/minutes': {
          const q = MinutesQuery.safeParse(Object.fromEntries(url.searchParams));
          if (!q.success) return badQuery(res, q.error);
          const { from = -Infinity, to = Infinity } = q.data;
          const minutes = source.aggregator.minutes.range().filter((m) => m.minute >= from && m.minute < to);
          json(res, 200, {
            minutes: minutes.map(minuteView),
          });
          return true;
        }
        default:
          return source.history?.handle(url, res) ?? false;
      }
    },

    /** Takes the WebSocket upgrade for /api/stream; false for any other path. */
    upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
      if (requestUrl(req)?.pathname !== '/api/stream') return false;
      if (wss.clients.size >= (source.maxClients ?? 256)) {
        socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return true;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        ws.on('message', () => {}); // the stream is one-way; input is ignored (and capped at 1 KiB)
        ws.send(JSON.stringify({ type: 'totals', totals: currentTotals() } satisfies StreamMessage));
      });
      return true;
    },

    close(): void {
      clearInterval(flush);
      clearInterval(totals);
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    },
  };
}

export type LiveApi = ReturnType<typeof liveApi>;
