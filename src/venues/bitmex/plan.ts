import { clip } from '../fields.js';
import type { SocketPlan } from '../venue.js';
import { BITMEX_VENUE } from './parse.js';
import { LIQUIDATION_TABLE } from './schema.js';

/** Docs "WebSocket API" → Connecting. */
export const BITMEX_WS_URL = 'wss://ws.bitmex.com/realtime';

/**
 * Docs "Heartbeats": after 5 s without a message, send the text `ping` (or a ping frame) and expect `pong`
 * within 5 s, else reconnect. The liquidation table is quiet for minutes at a time, so the socket pings every
 * 5 s; 15 s without any frame (three pings unanswered) leaves a loaded machine room before it reconnects.
 */
export const BITMEX_PING_INTERVAL_MS = 5_000;
export const BITMEX_SILENCE_TIMEOUT_MS = 15_000;

/** A table without a `:symbol` suffix is every instrument's (docs "Subscriptions"). */
export const bitmexSubscribe = (): string => JSON.stringify({ op: 'subscribe', args: [LIQUIDATION_TABLE] });

/** A refused request is answered `{"status":400,"error":"Unknown table: …","meta":{},"request":{…}}`. */
export function bitmexSubscribeError(frame: string): string | undefined {
  if (!frame.includes('"error"') && !frame.includes('"success":false')) return undefined;
  try {
    const reply = JSON.parse(frame) as { error?: unknown; status?: unknown; success?: unknown; subscribe?: unknown } | null;
    if (typeof reply !== 'object' || reply === null) return undefined;
    if (typeof reply.error === 'string') return clip(`${typeof reply.status === 'number' ? `${reply.status} ` : ''}${reply.error}`);
    if (reply.success === false) return clip(`subscription refused: ${typeof reply.subscribe === 'string' ? reply.subscribe : '(no table)'}`);
    return undefined;
  } catch {
    return undefined;
  }
}

/**
 * One public socket for every instrument's liquidation orders (no per-market subscription, so new listings need
 * nothing). No maximum connection age is documented.
 */
export function bitmexSocketPlan(url: string = BITMEX_WS_URL): SocketPlan {
  return {
    venue: BITMEX_VENUE,
    name: BITMEX_VENUE,
    url,
    subscribe: [bitmexSubscribe()],
    appPing: () => 'ping',
    pingIntervalMs: BITMEX_PING_INTERVAL_MS,
    silenceTimeoutMs: BITMEX_SILENCE_TIMEOUT_MS,
    subscribeError: bitmexSubscribeError,
  };
}
