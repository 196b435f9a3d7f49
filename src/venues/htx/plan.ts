import type { SocketPlan } from '../venue.js';
import { LIQUIDATION_TOPIC_ALL } from './schema.js';

export const HTX_NOTIFICATION_URL = 'wss://api.hbdm.com/linear-swap-notification';

/**
 * The notification endpoint pings with {"op":"ping","ts":…} and closes a connection that does not answer
 * {"op":"pong","ts":…} with the same ts (docs "Heartbeat and Connection"); returns that answer.
 */
export function htxReply(frame: string): string | undefined {
  if (!frame.includes('"ping"')) return undefined;
  try {
    const msg = JSON.parse(frame) as { op?: unknown; ts?: unknown };
    if (msg.op !== 'ping' || (typeof msg.ts !== 'string' && typeof msg.ts !== 'number')) return undefined;
    return JSON.stringify({ op: 'pong', ts: msg.ts });
  } catch {
    return undefined;
  }
}

/** A refused subscription is answered {"op":"sub",…,"err-code":<non-zero>,"err-msg":…}; returns its text. */
export function htxSubscribeError(frame: string): string | undefined {
  if (!frame.includes('"sub"') || !frame.includes('err-code')) return undefined;
  try {
    const msg = JSON.parse(frame) as { op?: unknown; 'err-code'?: unknown; 'err-msg'?: unknown };
    if (msg.op !== 'sub' || msg['err-code'] === 0 || msg['err-code'] === undefined) return undefined;
    return `err-code ${String(msg['err-code'])}: ${typeof msg['err-msg'] === 'string' ? msg['err-msg'] : 'subscription refused'}`;
  } catch {
    return undefined;
  }
}

/**
 * One socket: `public.*.liquidation_orders` covers every USDT-margined contract (the wildcard the docs allow for
 * `contract_code`), so no sharding and no new-listing watch. Frames are gzip (decode), the server's pings are
 * answered (reply); WebSocket pings keep the silence check honest when no liquidation happens.
 */
export function htxSocketPlan(url?: string): SocketPlan {
  return {
    venue: 'htx-linear',
    name: 'htx-linear',
    url: url ?? HTX_NOTIFICATION_URL,
    subscribe: [JSON.stringify({ op: 'sub', cid: 'liqstream-liquidations', topic: LIQUIDATION_TOPIC_ALL })],
    pingIntervalMs: 20_000,
    silenceTimeoutMs: 60_000,
    subscribeError: htxSubscribeError,
    decode: 'gzip',
    reply: htxReply,
  };
}
