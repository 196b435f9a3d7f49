import type { SocketPlan } from '../venue.js';

export const DERIBIT_WS_URL = 'wss://www.deribit.com/ws/api/v2';

/**
 * Every future's trades of every currency in one channel (docs "trades.(kind).(currency).(interval)": currency
 * `any`). `raw` is for authorised connections only; `100ms` batches the same trades per 100 ms, it drops none.
 */
export const DERIBIT_TRADES_CHANNEL = 'trades.future.any.100ms';

/** Seconds between the venue's heartbeats (docs "public/set_heartbeat": at least 10). */
export const HEARTBEAT_SECONDS = 30;

const SET_HEARTBEAT_ID = 1;
const SUBSCRIBE_ID = 2;
const TEST_ID = 3;

export const deribitSubscribeFrames = (channels: readonly string[]): string[] => [
  JSON.stringify({ jsonrpc: '2.0', id: SET_HEARTBEAT_ID, method: 'public/set_heartbeat', params: { interval: HEARTBEAT_SECONDS } }),
  JSON.stringify({ jsonrpc: '2.0', id: SUBSCRIBE_ID, method: 'public/subscribe', params: { channels } }),
];

/** The answer to a heartbeat `test_request`: without it Deribit closes the connection (docs "public/set_heartbeat"). */
export const TEST_REPLY = JSON.stringify({ jsonrpc: '2.0', id: TEST_ID, method: 'public/test', params: {} });

export function deribitReply(frame: string): string | undefined {
  if (!frame.includes('test_request')) return undefined;
  try {
    const msg = JSON.parse(frame) as { method?: unknown; params?: { type?: unknown } | null };
    return msg.method === 'heartbeat' && msg.params?.type === 'test_request' ? TEST_REPLY : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A refused request is a JSON-RPC error reply; a subscribe reply lists only the channels it subscribed,
 * so one that leaves a requested channel out is a refusal too.
 */
export function deribitSubscribeError(channels: readonly string[]): (frame: string) => string | undefined {
  return (frame) => {
    if (!frame.includes('"id"')) return undefined;
    try {
      const msg = JSON.parse(frame) as { id?: unknown; result?: unknown; error?: { message?: unknown; code?: unknown } | null };
      if (msg.id !== SUBSCRIBE_ID && msg.id !== SET_HEARTBEAT_ID) return undefined;
      if (typeof msg.error === 'object' && msg.error !== null)
        return `${msg.id === SUBSCRIBE_ID ? 'subscribe' : 'set_heartbeat'} refused: ${String(msg.error.code ?? '')} ${typeof msg.error.message === 'string' ? msg.error.message : ''}`.trim();
      if (msg.id !== SUBSCRIBE_ID || !Array.isArray(msg.result)) return undefined;
      const missing = channels.filter((c) => !(msg.result as unknown[]).includes(c));
      return missing.length > 0 ? `not subscribed: ${missing.join(', ')}` : undefined;
    } catch {
      return undefined;
    }
  };
}

/**
 * One public socket: the futures trades channel of every currency. WebSocket pings every 15 s besides the
 * venue's heartbeats, so a dead connection is noticed within a minute; no maximum connection age is documented.
 */
export function deribitSocketPlan(url?: string, channels: readonly string[] = [DERIBIT_TRADES_CHANNEL]): SocketPlan {
  return {
    venue: 'deribit',
    name: 'deribit',
    url: url ?? DERIBIT_WS_URL,
    subscribe: deribitSubscribeFrames(channels),
    pingIntervalMs: 15_000,
    silenceTimeoutMs: 2 * HEARTBEAT_SECONDS * 1000,
    subscribeError: deribitSubscribeError(channels),
    reply: deribitReply,
  };
}
