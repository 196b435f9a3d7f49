import { preview } from '../fields.js';
import type { SocketPlan } from '../venue.js';
import type { BinanceVenue } from './parse.js';

export const BINANCE_STREAM_URLS: Record<BinanceVenue, string> = {
  'binance-usdm': 'wss://fstream.binance.com/stream',
  'binance-coinm': 'wss://dstream.binance.com/stream',
};

/** All-market liquidation stream: one subscription covers every symbol of the venue. */
export const FORCE_ORDER_ALL = '!forceOrder@arr';

/** A refused SUBSCRIBE is answered with {"error":{"code":..,"msg":..},"id":n}. */
function subscribeError(frame: string): string | undefined {
  if (!frame.includes('"error"')) return undefined;
  try {
    const reply = JSON.parse(frame) as { error?: unknown; id?: unknown };
    // preview, not JSON.stringify: a reply nested 100,000 deep is still a refusal to report.
    return reply.error !== undefined && reply.id !== undefined ? preview(reply.error) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Binance: combined-stream endpoint, SUBSCRIBE after connect (and after every reconnect).
 * The server pings every few minutes and `ws` answers automatically; we also ping so that a
 * quiet market (no liquidations for minutes) is not mistaken for a dead connection.
 * Connections are cut at 24 h, so we roll over at 23 h 30 m.
 */
export function binanceSocketPlan(venue: BinanceVenue, url: string = BINANCE_STREAM_URLS[venue]): SocketPlan {
  return {
    venue,
    name: venue,
    url,
    subscribe: [JSON.stringify({ method: 'SUBSCRIBE', params: [FORCE_ORDER_ALL], id: 1 })],
    pingIntervalMs: 30_000,
    silenceTimeoutMs: 90_000,
    maxConnectionMs: 23.5 * 3_600_000,
    subscribeError,
  };
}
