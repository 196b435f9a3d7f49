import type { SocketPlan } from '../venue.js';
import type { GateVenue } from './instruments.js';
import { LIQUIDATES_CHANNEL } from './schema.js';

/** Docs "Server URL": one host per settle currency. */
export const GATE_WS_URLS: Record<GateVenue, string> = {
  'gate-usdt': 'wss://fx-ws.gateio.ws/v4/ws/usdt',
  'gate-btc': 'wss://fx-ws.gateio.ws/v4/ws/btc',
};

/** A refused request is answered with a non-null `error` ({code, message}); returns its text. */
export function gateSubscribeError(frame: string): string | undefined {
  if (!frame.includes('"error"') || !frame.includes('subscribe')) return undefined;
  try {
    const reply = JSON.parse(frame) as { event?: unknown; error?: { code?: unknown; message?: unknown } | null };
    if (reply.event !== 'subscribe' || typeof reply.error !== 'object' || reply.error === null) return undefined;
    const { code, message } = reply.error;
    return `${typeof code === 'number' ? `code ${code}: ` : ''}${typeof message === 'string' && message ? message : 'subscribe refused'}`;
  } catch {
    return undefined;
  }
}

const seconds = (ms: number): number => Math.floor(ms / 1000);

/**
 * One socket per settle currency: `futures.public_liquidates` with `!all` covers every contract of the host
 * (docs "Public liquidates order API": "use `!all` in the subscription list" for all contracts), so there is no
 * sharding and no new-listing watch. `futures.ping` every 15 s (the docs' demo pings every 10 s; Gate answers
 * `futures.pong`), so a minute without any frame means the socket is dead. `X-Gate-Size-Decimal: 1` asks for
 * sizes as decimal strings, exact for contracts that trade in fractions.
 */
export function gateSocketPlan(venue: GateVenue, url?: string, now: () => number = Date.now): SocketPlan {
  return {
    venue,
    name: venue,
    url: url ?? GATE_WS_URLS[venue],
    subscribe: [JSON.stringify({ time: seconds(now()), channel: LIQUIDATES_CHANNEL, event: 'subscribe', payload: ['!all'] })],
    appPing: () => JSON.stringify({ time: seconds(now()), channel: 'futures.ping' }),
    pingIntervalMs: 15_000,
    silenceTimeoutMs: 60_000,
    subscribeError: gateSubscribeError,
    headers: { 'X-Gate-Size-Decimal': '1' },
  };
}
