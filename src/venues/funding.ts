import type { FundingEvent, VenueId } from '../schema/events.js';
import { decimalValue } from './fields.js';

/**
 * Funding as the venues state it (issue 21; docs/mapping.md, "Funding per venue"): a rate per the venue's own
 * interval, normalized to a rate per hour so venues compare. The venues push their ticker many times a second;
 * `FundingGate` lets one event per market through when something a reader cares about changed (the rate, the
 * next funding time, the interval) or a new event-time minute began (so every minute has a mark price), and
 * nothing else: a Bybit ticker at 10 pushes a second per market would otherwise be 6,000 events a second.
 */

const HOUR_MS = 3_600_000;

export interface FundingFields {
  venue: VenueId;
  symbol: string;
  base: string;
  rate: number;
  intervalHours: number;
  markPrice?: number;
  indexPrice?: number;
  nextFundingTime?: number;
  eventTime: number;
  receiveTime: number;
  source: string;
}

/** The event, with `ratePerHour` = rate ÷ interval hours. Optional prices left out when not positive. */
export function fundingEvent(f: FundingFields): FundingEvent {
  return {
    type: 'funding',
    venue: f.venue,
    symbol: f.symbol,
    base: f.base,
    rate: f.rate,
    intervalHours: f.intervalHours,
    ratePerHour: f.rate / f.intervalHours,
    ...(f.markPrice !== undefined && f.markPrice > 0 ? { markPrice: f.markPrice } : {}),
    ...(f.indexPrice !== undefined && f.indexPrice > 0 ? { indexPrice: f.indexPrice } : {}),
    ...(f.nextFundingTime !== undefined ? { nextFundingTime: f.nextFundingTime } : {}),
    eventTime: f.eventTime,
    receiveTime: f.receiveTime,
    source: f.source,
  };
}

/** A signed decimal string's value (funding is often negative); undefined for "", absent or not a decimal. */
export const signedDecimal = (text: string | undefined): number | undefined => (text === undefined || text === '' ? undefined : decimalValue(text, true));

/** The next top of the hour after `t`: Hyperliquid funds every hour on the hour. */
export const nextHour = (t: number): number => (Math.floor(t / HOUR_MS) + 1) * HOUR_MS;

/** Per market, what was last let through; see the module comment. Lives in a parser's closure. */
export class FundingGate {
  private readonly last = new Map<string, { rate: number; next: number | undefined; interval: number; minute: number }>();

  constructor(private readonly maxMarkets = 16_384) {}

  /** True when `e` is news for its market (and remembers it). */
  admit(e: FundingEvent): boolean {
    const minute = Math.floor(e.eventTime / 60_000);
    const prev = this.last.get(e.symbol);
    if (prev && prev.rate === e.rate && prev.next === e.nextFundingTime && prev.interval === e.intervalHours && prev.minute >= minute) return false;
    if (!prev && this.last.size >= this.maxMarkets) this.last.clear();
    this.last.set(e.symbol, { rate: e.rate, next: e.nextFundingTime, interval: e.intervalHours, minute: Math.max(minute, prev?.minute ?? minute) });
    return true;
  }
}
