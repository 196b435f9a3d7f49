import type { SocketPlan } from '../venue.js';
import { TRADE_FEED, VENUE } from './parse.js';

export const KRAKEN_FUTURES_WS_URL = 'wss://futures.kraken.com/ws/v1';

/**
 * Products per connection. The trade feed takes a list of `product_ids` and the docs state no cap; 100 per
 * socket (one subscribe each) keeps one dropped socket's blind share small (about 350 products make 4 sockets).
 */
export const DEFAULT_PRODUCTS_PER_CONNECTION = 100;

export const krakenSubscribe = (products: readonly string[]): string => JSON.stringify({ event: 'subscribe', feed: TRADE_FEED, product_ids: products });
/** The heartbeat feed: a frame every few seconds however quiet the products are, so silence means a dead socket. */
export const HEARTBEAT_SUBSCRIBE = JSON.stringify({ event: 'subscribe', feed: 'heartbeat' });

/** `{"event":"error","message":"Invalid product id"}`, `subscribed_failed`, `alert`: returns the text. */
export function krakenSubscribeError(frame: string): string | undefined {
  if (!frame.includes('"event"')) return undefined;
  try {
    const msg = JSON.parse(frame) as { event?: unknown; message?: unknown };
    if (msg.event !== 'error' && msg.event !== 'subscribed_failed' && msg.event !== 'alert') return undefined;
    return typeof msg.message === 'string' && msg.message !== '' ? msg.message : String(msg.event);
  } catch {
    return undefined;
  }
}

/**
 * The `trade` feed of every product, sharded over connections. Kraken closes a connection without a ping in
 * 60 s (support "Subscriptions - WebSockets API"): WebSocket pings every 30 s, answered by pongs, and the heartbeat
 * feed keeps frames coming on quiet products, so 60 s without any frame means a dead socket.
 */
export function krakenSocketPlans(products: readonly string[], url?: string, perConnection = DEFAULT_PRODUCTS_PER_CONNECTION, name = VENUE): SocketPlan[] {
  if (!(Number.isInteger(perConnection) && perConnection >= 1)) throw new RangeError(`perConnection must be a positive integer, got ${perConnection}`);
  const unique = [...new Set(products)];
  const plans: SocketPlan[] = [];
  for (let i = 0; i < unique.length; i += perConnection)
    plans.push({
      venue: VENUE,
      name: `${name}-${plans.length + 1}`,
      url: url ?? KRAKEN_FUTURES_WS_URL,
      subscribe: [HEARTBEAT_SUBSCRIBE, krakenSubscribe(unique.slice(i, i + perConnection))],
      pingIntervalMs: 30_000,
      silenceTimeoutMs: 60_000,
      subscribeError: krakenSubscribeError,
    });
  return plans;
}
