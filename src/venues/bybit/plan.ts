import type { SocketPlan } from '../venue.js';
import type { BybitVenue } from './parse.js';
import { LIQUIDATION_TOPIC, TICKER_TOPIC } from './schema.js';

/** Docs "Connect" → WebSocket public stream (linear covers USDT and USDC contracts). */
export const BYBIT_PUBLIC_WS_URLS: Record<BybitVenue, string> = {
  'bybit-linear': 'wss://stream.bybit.com/v5/public/linear',
  'bybit-inverse': 'wss://stream.bybit.com/v5/public/inverse',
};

/**
 * Documented limits. "Connect" → Public channel - Args limits: the `args` of one public connection may not exceed
 * 21,000 characters; spot takes at most 10 args per subscribe request, futures have "no args limit for now".
 * "Rate Limit Rules" → Websocket IP limit: at most 500 new connections per 5 minutes per domain and 1,000
 * market-data connections per IP, counted separately for linear and inverse.
 */
export const BYBIT_WS_LIMITS = {
  argsCharsPerConnection: 21_000,
  newConnectionsPer5Min: 500,
  connectionsPerIp: 1_000,
} as const;

/**
 * Derivatives have no documented per-request cap today, but the spot cap of 10 was enforced on every category
 * before ("args size >10" replies, bybit-api#174, nautilus_trader#1793) and costs nothing but a few frames.
 */
export const DEFAULT_TOPICS_PER_REQUEST = 10;
/**
 * 100 symbols per connection: about 5,000 characters of args, a quarter of the documented cap, and a dropped
 * socket blinds only its share of the markets. 600 linear symbols make 6 sockets, far from the IP limits.
 */
export const DEFAULT_TOPICS_PER_CONNECTION = 200;

export const bybitTopics = (symbol: string): string[] => [`${LIQUIDATION_TOPIC}.${symbol}`, `${TICKER_TOPIC}.${symbol}`];

/** A refused subscription is answered {"success":false,"ret_msg":"…","op":"subscribe",…}; returns its ret_msg. */
export function bybitSubscribeError(frame: string): string | undefined {
  if (!frame.includes('"subscribe"') || !frame.includes('false')) return undefined;
  try {
    const reply = JSON.parse(frame) as { op?: unknown; success?: unknown; ret_msg?: unknown; req_id?: unknown };
    if (reply.op !== 'subscribe' || reply.success !== false) return undefined;
    if (typeof reply.ret_msg === 'string' && reply.ret_msg !== '') return reply.ret_msg;
    return `subscribe refused without ret_msg${typeof reply.req_id === 'string' && reply.req_id ? ` (req_id ${reply.req_id})` : ''}`;
  } catch {
    return undefined;
  }
}

export interface BybitPlanOptions {
  venue: BybitVenue;
  symbols: readonly string[];
  url?: string;
  /** Args per subscribe request. */
  topicsPerRequest?: number;
  /** Topics on one connection; at least the 2 topics of one symbol, so a symbol is never split across sockets. */
  topicsPerConnection?: number;
  /** Characters of all args of one connection (JSON of the array); capped at the documented 21,000. */
  argsCharsPerConnection?: number;
}

const argsChars = (topics: readonly string[]): number => JSON.stringify(topics).length;

/**
 * Public sockets for `allLiquidation` and `tickers` of every symbol: Bybit has no all-markets topic, so symbols are
 * sharded over as many connections as the per-connection budget needs, each re-subscribed in small requests after
 * every (re)connect. `{"op":"ping"}` every 20 s as the docs recommend; Bybit answers it, so a minute without any
 * frame means the socket is dead. No maximum connection age is documented for public streams: no rollover.
 */
export function bybitSocketPlans(o: BybitPlanOptions): SocketPlan[] {
  const perRequest = o.topicsPerRequest ?? DEFAULT_TOPICS_PER_REQUEST;
  const perConnection = o.topicsPerConnection ?? DEFAULT_TOPICS_PER_CONNECTION;
  const maxChars = Math.min(o.argsCharsPerConnection ?? BYBIT_WS_LIMITS.argsCharsPerConnection, BYBIT_WS_LIMITS.argsCharsPerConnection);
  const topicsPerSymbol = bybitTopics('X').length;
  if (!(Number.isInteger(perRequest) && perRequest >= 1)) throw new RangeError(`topicsPerRequest must be a positive integer, got ${perRequest}`);
  if (!(Number.isInteger(perConnection) && perConnection >= topicsPerSymbol))
    throw new RangeError(`topicsPerConnection must be an integer ≥ ${topicsPerSymbol}, got ${perConnection}`);

  const shards: string[][] = [];
  let current: string[] = [];
  for (const symbol of new Set(o.symbols)) {
    const topics = bybitTopics(symbol);
    if (argsChars(topics) > maxChars) throw new RangeError(`symbol ${symbol} alone exceeds ${maxChars} characters of args`);
    const next = [...current, ...topics];
    if (next.length > perConnection || argsChars(next) > maxChars) {
      shards.push(current);
      current = [...topics];
    } else {
      current = next;
    }
  }
  if (current.length > 0) shards.push(current);

  return shards.map((topics, i) => {
    const name = `${o.venue}-${i + 1}`;
    const subscribe: string[] = [];
    for (let k = 0; k < topics.length; k += perRequest) {
      // req_id is echoed in the reply, so a refusal names the request (and through it the shard) it belongs to.
      subscribe.push(JSON.stringify({ req_id: `${name}-${subscribe.length + 1}`, op: 'subscribe', args: topics.slice(k, k + perRequest) }));
    }
    return {
      venue: o.venue,
      name,
      url: o.url ?? BYBIT_PUBLIC_WS_URLS[o.venue],
      subscribe,
      appPing: () => '{"op":"ping"}',
      pingIntervalMs: 20_000,
      silenceTimeoutMs: 60_000,
      subscribeError: bybitSubscribeError,
    } satisfies SocketPlan;
  });
}
