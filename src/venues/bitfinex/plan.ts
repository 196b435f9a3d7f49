import type { SocketPlan } from '../venue.js';
import { LIQ_KEY, VENUE } from './parse.js';

export const BITFINEX_WS_URL = 'wss://api-pub.bitfinex.com/ws/2';

export const LIQ_SUBSCRIBE = JSON.stringify({ event: 'subscribe', channel: 'status', key: LIQ_KEY });
/** Docs "WS General" → "Ping/Pong": `{"event":"ping","cid":…}` is answered `{"event":"pong","ts":…,"cid":…}`. */
export const PING = JSON.stringify({ event: 'ping', cid: 1 });

/** `{"event":"error","msg":"…","code":10300,…}` (docs "WS General" → error codes): returns its text. */
export function bitfinexSubscribeError(frame: string): string | undefined {
  if (!frame.includes('"error"')) return undefined;
  try {
    const msg = JSON.parse(frame) as { event?: unknown; msg?: unknown; code?: unknown };
    if (msg.event !== 'error') return undefined;
    const text = typeof msg.msg === 'string' && msg.msg !== '' ? msg.msg : 'error without a message';
    return typeof msg.code === 'number' ? `${text} (code ${msg.code})` : text;
  } catch {
    return undefined;
  }
}

/**
 * One socket, one channel: `liq:global` is every liquidation on the platform, so there is nothing to shard (the
 * public limit is 25 channels per connection). Bitfinex sends `[CHAN_ID,"hb"]` every 15 s on a quiet channel;
 * an application ping every 30 s is answered by a pong, so 60 s without any frame means a dead socket.
 */
export function bitfinexSocketPlan(url?: string): SocketPlan {
  return { venue: VENUE, name: VENUE, url: url ?? BITFINEX_WS_URL, subscribe: [LIQ_SUBSCRIBE], appPing: () => PING, pingIntervalMs: 30_000, silenceTimeoutMs: 60_000, subscribeError: bitfinexSubscribeError };
}
