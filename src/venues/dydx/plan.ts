import type { SocketPlan } from '../venue.js';
import { TRADES_CHANNEL } from './parse.js';

export const DYDX_WS_URL = 'wss://indexer.dydx.trade/v4/ws';

/**
 * Markets per connection: the indexer's per-connection limit for `v4_trades`. Its socks service refuses every
 * subscription past `V4_TRADES_CHANNEL_LIMIT` (default 32, v4-chain PR #3131, October 2025; the hosted indexer
 * enforces it, as nautilus_trader PR #4290 found) with "Per-connection subscription limit reached for v4_trades
 * (limit=32).". About 250 markets make 8 sockets.
 */
export const DEFAULT_MARKETS_PER_CONNECTION = 32;

export const dydxSubscribe = (market: string): string => JSON.stringify({ type: 'subscribe', channel: TRADES_CHANNEL, id: market });

/** A refused subscription is `{"type":"error","message":"…","connection_id":…,"message_id":…}`; returns its message. */
export function dydxSubscribeError(frame: string): string | undefined {
  if (!frame.includes('"error"')) return undefined;
  try {
    const msg = JSON.parse(frame) as { type?: unknown; message?: unknown };
    if (msg.type !== 'error') return undefined;
    return typeof msg.message === 'string' && msg.message !== '' ? msg.message : 'error without a message';
  } catch {
    return undefined;
  }
}

/**
 * `v4_trades` of every market, sharded over connections, one subscribe per market after every (re)connect.
 * The indexer pings every 30 s and disconnects a client that does not pong within 10 s: `ws` answers pings by
 * itself. Our own WebSocket pings every 20 s are answered by pongs, so 60 s without any frame means a dead socket.
 */
export function dydxSocketPlans(markets: readonly string[], url?: string, perConnection = DEFAULT_MARKETS_PER_CONNECTION, name = 'dydx'): SocketPlan[] {
  if (!(Number.isInteger(perConnection) && perConnection >= 1)) throw new RangeError(`perConnection must be a positive integer, got ${perConnection}`);
  const unique = [...new Set(markets)];
  const plans: SocketPlan[] = [];
  for (let i = 0; i < unique.length; i += perConnection)
    plans.push({
      venue: 'dydx',
      name: `${name}-${plans.length + 1}`,
      url: url ?? DYDX_WS_URL,
      subscribe: unique.slice(i, i + perConnection).map(dydxSubscribe),
      pingIntervalMs: 20_000,
      silenceTimeoutMs: 60_000,
      subscribeError: dydxSubscribeError,
    });
  return plans;
}
