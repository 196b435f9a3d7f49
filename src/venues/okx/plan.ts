import { clip, preview } from '../fields.js';
import type { SocketPlan } from '../venue.js';
import { OKX_VENUE } from './parse.js';
import { CONTRACT_TYPES, LIQUIDATION_CHANNEL } from './schema.js';

/** Docs "Overview" → Production Trading Services: the public WebSocket. */
export const OKX_PUBLIC_WS_URL = 'wss://ws.okx.com:8443/ws/v5/public';

/**
 * Docs "WebSocket" → Connect: the server drops a connection that has no subscription or no push for 30 s; a
 * client sends the text `ping` after N < 30 s without a message and expects `pong`, else reconnects.
 * 20 s leaves room for a slow reply; a minute of silence (two unanswered pings) means the socket is dead.
 */
export const OKX_PING_INTERVAL_MS = 20_000;
export const OKX_SILENCE_TIMEOUT_MS = 60_000;

/**
 * One request for both channels: OKX allows 480 subscribe requests per connection per hour and 64 KB of
 * args, and needs one arg per instrument type, not per market. `id` is echoed in the reply; the docs allow
 * letters and digits only.
 */
export const okxSubscribe = (): string =>
  JSON.stringify({ id: 'liq1', op: 'subscribe', args: CONTRACT_TYPES.map((instType) => ({ channel: LIQUIDATION_CHANNEL, instType })) });

/** A refused request is answered `{"event":"error","code":"60012","msg":"Invalid request: …","connId":…}`. */
export function okxSubscribeError(frame: string): string | undefined {
  if (!frame.includes('"error"')) return undefined;
  try {
    const reply = JSON.parse(frame) as { event?: unknown; code?: unknown; msg?: unknown } | null;
    if (reply?.event !== 'error') return undefined;
    return `${typeof reply.code === 'string' ? clip(reply.code, 40) : preview(reply.code)} ${typeof reply.msg === 'string' ? clip(reply.msg) : '(no msg)'}`;
  } catch {
    return undefined;
  }
}

/**
 * The public socket: `liquidation-orders` for every SWAP and FUTURES instrument (the channel takes an
 * instrument type, so new listings need no new subscription), text keepalive. No maximum connection age is
 * documented; a service upgrade is announced by a `notice` event and ends in a server close, after which the
 * socket reconnects and resubscribes like after any cut.
 */
export function okxSocketPlan(url: string = OKX_PUBLIC_WS_URL): SocketPlan {
  return {
    venue: OKX_VENUE,
    name: OKX_VENUE,
    url,
    subscribe: [okxSubscribe()],
    appPing: () => 'ping',
    pingIntervalMs: OKX_PING_INTERVAL_MS,
    silenceTimeoutMs: OKX_SILENCE_TIMEOUT_MS,
    subscribeError: okxSubscribeError,
  };
}
