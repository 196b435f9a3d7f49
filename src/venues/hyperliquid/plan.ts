import { clip, preview } from '../fields.js';
import type { SocketPlan } from '../venue.js';

export const HYPERLIQUID_WS_URL = 'wss://api.hyperliquid.xyz/ws';

/**
 * Hyperliquid's WebSocket limits, per IP (docs: "Rate limits and user limits"). Current SDKs quote 10
 * connections and 30 new connections a minute; an older revision of the page said 100 connections,
 * so the lower figure is the one planned against.
 */
export const HYPERLIQUID_WS_LIMITS = {
  connections: 10,
  newConnectionsPerMinute: 30,
  subscriptions: 1_000,
  messagesPerMinute: 2_000,
} as const;

export type HyperliquidChannel = 'trades' | 'activeAssetCtx';
export const HYPERLIQUID_CHANNELS: readonly HyperliquidChannel[] = ['trades', 'activeAssetCtx'];

export interface HyperliquidPlanOptions {
  url?: string;
  channels?: readonly HyperliquidChannel[];
  /**
   * Subscriptions on one socket. All of them are sent at once on (re)connect, so this is also the size
   * of the message burst; a dropped socket loses only its share of coins.
   */
  subscriptionsPerSocket?: number;
  /** All sockets together. Below the IP's 1,000 so other tools on the host (and a reconnect race) fit. */
  maxSubscriptions?: number;
  /** Below the IP's 10 connections, for the same reason. */
  maxSockets?: number;
}

export interface HyperliquidPlans {
  plans: SocketPlan[];
  /** Coins left out because the subscription budget ran out (the caller should say so). */
  dropped: string[];
}

export const subscribeMessage = (type: HyperliquidChannel, coin: string): string =>
  JSON.stringify({ method: 'subscribe', subscription: { type, coin } });

/** A refused subscription is answered `{"channel":"error","data":"<text>"}`. */
export function hyperliquidSubscribeError(frame: string): string | undefined {
  if (!frame.includes('"error"')) return undefined;
  try {
    const msg = JSON.parse(frame) as { channel?: unknown; data?: unknown };
    if (msg.channel !== 'error') return undefined;
    // preview, not JSON.stringify: a reply nested 100,000 deep is still a refusal to report.
    return typeof msg.data === 'string' ? clip(msg.data) : preview(msg.data ?? null);
  } catch {
    return undefined;
  }
}

/**
 * Public WebSocket: one subscription per coin and channel (there is no all-markets subscription), so
 * coins are spread over several sockets, each coin's channels on the same socket. The server closes a
 * connection that has been silent for 60 s ("Timeouts and heartbeats"): `{"method":"ping"}` every 20 s,
 * answered `{"channel":"pong"}`, keeps it open with room for a lost ping. No maximum connection age is
 * documented, so there is no rollover. Coins are taken in the order given: put the important ones first.
 */
export function planHyperliquidSockets(coins: readonly string[], o: HyperliquidPlanOptions = {}): HyperliquidPlans {
  const channels = o.channels ?? HYPERLIQUID_CHANNELS;
  const perSocket = o.subscriptionsPerSocket ?? 200;
  const maxSubscriptions = Math.min(o.maxSubscriptions ?? 900, HYPERLIQUID_WS_LIMITS.subscriptions);
  const maxSockets = Math.min(o.maxSockets ?? 5, HYPERLIQUID_WS_LIMITS.connections);
  if (channels.length === 0) return { plans: [], dropped: [...coins] };
  const coinsPerSocket = Math.max(1, Math.floor(perSocket / channels.length));
  const budget = Math.min(Math.floor(maxSubscriptions / channels.length), coinsPerSocket * maxSockets);
  const unique = [...new Set(coins)];
  const kept = unique.slice(0, budget);
  const plans: SocketPlan[] = [];
  for (let i = 0; i < kept.length; i += coinsPerSocket) {
    const shard = kept.slice(i, i + coinsPerSocket);
    plans.push({
      venue: 'hyperliquid',
      name: `hyperliquid-${plans.length + 1}`,
      url: o.url ?? HYPERLIQUID_WS_URL,
      subscribe: shard.flatMap((coin) => channels.map((ch) => subscribeMessage(ch, coin))),
      appPing: () => '{"method":"ping"}',
      pingIntervalMs: 20_000,
      silenceTimeoutMs: 60_000,
      subscribeError: hyperliquidSubscribeError,
    });
  }
  return { plans, dropped: unique.slice(budget) };
}
