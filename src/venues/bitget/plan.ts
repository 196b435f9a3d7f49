import { clip, preview } from '../fields.js';
import type { SocketPlan } from '../venue.js';
import { BITGET_VENUE } from './parse.js';
import { INST_TYPES, LIQUIDATION_TOPIC } from './schema.js';

/** Docs "UTA" → WebSocket: the public endpoint of the unified (v3) API, where the liquidation channel lives. */
export const BITGET_PUBLIC_WS_URL = 'wss://ws.bitget.com/v3/ws/public';

/**
 * Docs "Websocket API" → Connect: send the text `ping` on a 30 s timer and expect `pong`; the server drops a
 * connection without a ping for longer, and every connection after 24 hours. 25 s leaves room for a slow reply;
 * 70 s of silence (two unanswered pings) means the socket is dead; replacing it at 23 h beats the forced cut.
 */
export const BITGET_PING_INTERVAL_MS = 25_000;
export const BITGET_SILENCE_TIMEOUT_MS = 70_000;
export const BITGET_MAX_CONNECTION_MS = 23 * 3_600_000;

/** One request for the three product types: the channel takes a product type, not a market (240 requests an hour allowed). */
export const bitgetSubscribe = (): string => JSON.stringify({ op: 'subscribe', args: INST_TYPES.map((instType) => ({ instType, topic: LIQUIDATION_TOPIC })) });

/** A refused request is answered `{"event":"error","code":…,"msg":…}`. */
export function bitgetSubscribeError(frame: string): string | undefined {
  if (!frame.includes('"error"')) return undefined;
  try {
    const reply = JSON.parse(frame) as { event?: unknown; code?: unknown; msg?: unknown } | null;
    if (reply?.event !== 'error') return undefined;
    const code = typeof reply.code === 'string' ? clip(reply.code, 40) : preview(reply.code, 40);
    return `${code} ${typeof reply.msg === 'string' ? clip(reply.msg) : '(no msg)'}`;
  } catch {
    return undefined;
  }
}

/** The public socket: the platform-wide `liquidation` topic of each product type, text keepalive. */
export function bitgetSocketPlan(url: string = BITGET_PUBLIC_WS_URL): SocketPlan {
  return {
    venue: BITGET_VENUE,
    name: BITGET_VENUE,
    url,
    subscribe: [bitgetSubscribe()],
    appPing: () => 'ping',
    pingIntervalMs: BITGET_PING_INTERVAL_MS,
    silenceTimeoutMs: BITGET_SILENCE_TIMEOUT_MS,
    maxConnectionMs: BITGET_MAX_CONNECTION_MS,
    subscribeError: bitgetSubscribeError,
  };
}
