import type { LiquidationEvent, NormalizedEvent, OpenInterestEvent } from '../../schema/events.js';
import { isMarketName, preview } from '../fields.js';
import { ReferencePrices, fillSize, isUsdQuote, noReferenceReason, notionalUsd, type Instrument } from '../instruments.js';
import { NO_EVENTS, checkedResult, parseJsonFrame, reject, rejectInvalid, type FrameParser, type ParseResult } from '../venue.js';
import { bitfinexInstrument, isPerpetual } from './instruments.js';
import { DerivStatusRow, EventMessage, LiquidationEntry, StatusValue } from './schema.js';

export const VENUE = 'bitfinex';
export const LIQ_KEY = 'liq:global';
export const STATUS_SOURCE = 'status/deriv';

/** Events that only acknowledge or inform; `error` is rejected with its text. */
const QUIET_EVENTS = new Set(['info', 'subscribed', 'unsubscribed', 'pong', 'conf']);

export interface BitfinexParserOptions {
  /** Reference prices of non-USD quotes (and of bases, for triggers without a price); created here when absent. */
  refs?: ReferencePrices;
}

/**
 * Bitfinex frames → normalized events.
 *
 * - `liq:global` status data `[CHAN_ID, [['pos', …], …]]`: each liquidation is reported first as its trigger
 *   (IS_MATCH 0, the whole position) and then as the market executions that close it (IS_MATCH 1, parts of the
 *   same position): only triggers are counted, or a position sold into the market would count twice. The feed is
 *   recognised by its `pos` entries, not by the channel id: a socket carries this one channel, and a recording
 *   replayed from its middle has no `subscribed` event to learn the id from.
 * - `[CHAN_ID, "hb"]` heartbeats and `info`, `subscribed`, `pong`, `conf` events give nothing; `error` is rejected.
 * - A GET /v2/status/deriv answer (the open-interest poller's frames): open interest of each perpetual in base
 *   units × mark price; the marks are also the USD reference prices of the bases (USDT counted 1:1).
 */
export function createBitfinexParser(opts: BitfinexParserOptions = {}): FrameParser {
  const refs = opts.refs ?? new ReferencePrices();
  const cache = new Map<string, Instrument | null>();
  const instrumentOf = (symbol: string): Instrument | undefined => {
    let inst = cache.get(symbol);
    if (inst === undefined) {
      inst = (isMarketName(symbol) ? bitfinexInstrument(symbol) : undefined) ?? null;
      cache.set(symbol, inst);
    }
    return inst ?? undefined;
  };

  /** The event of a trigger, a rejection reason, or undefined for a market execution. */
  const liquidation = (e: LiquidationEntry, receiveTime: number): LiquidationEvent | string | undefined => {
    const [, posId, mts, , symbol, amount, , , isMatch, , , acquired] = e;
    if (isMatch === 1) return undefined;
    const inst = instrumentOf(symbol);
    if (inst === undefined) return `liquidation on ${preview(symbol)}, which is not a Bitfinex pair name`;
    if (amount === 0) return `liquidation of position ${posId} with amount 0`;
    // A trigger without PRICE_ACQUIRED is valued at the base's latest mark (only when the pair is USD-quoted).
    const price = acquired ?? (isUsdQuote(inst.quote) ? refs.usd(inst.base, mts) : undefined);
    if (price === undefined || price <= 0) return `liquidation of position ${posId} on ${preview(symbol)}: no acquired price and no recent ${inst.base} mark`;
    const { baseQty, quoteNotional } = fillSize(inst, Math.abs(amount), price);
    const usd = notionalUsd(inst, quoteNotional, refs, mts);
    if (usd === undefined) return noReferenceReason(symbol, inst.quote, refs.maxAgeMs);
    return {
      type: 'liquidation',
      id: `${VENUE}:${symbol}:${posId}`,
      venue: VENUE,
      symbol,
      base: inst.base,
      side: amount > 0 ? 'long' : 'short',
      price,
      qty: baseQty,
      notionalUsd: usd,
      eventTime: mts,
      receiveTime,
      fidelity: 'complete',
      kind: 'liquidation',
      source: LIQ_KEY,
    };
  };

  const liquidations = (entries: unknown[], receiveTime: number): ParseResult => {
    const events: LiquidationEvent[] = [];
    for (const raw of entries) {
      const entry = LiquidationEntry.safeParse(raw);
      if (!entry.success) return rejectInvalid(LIQ_KEY, entry.error);
      const event = liquidation(entry.data, receiveTime);
      if (typeof event === 'string') return reject(event);
      if (event) events.push(event);
    }
    return checkedResult(events, 'Bitfinex liquidation');
  };

  const derivStatus = (rows: unknown[], receiveTime: number): ParseResult => {
    const events: NormalizedEvent[] = [];
    for (const raw of rows) {
      const row = DerivStatusRow.safeParse(raw);
      if (!row.success) return rejectInvalid(STATUS_SOURCE, row.error);
      const [symbol, mts] = row.data;
      const mark = StatusValue.safeParse(row.data[15]);
      const oi = StatusValue.safeParse(row.data[18]);
      if (!mark.success || !oi.success) return reject(`${STATUS_SOURCE} ${preview(symbol)}: MARK_PRICE or OPEN_INTEREST is not a number`);
      const inst = instrumentOf(symbol);
      if (inst === undefined || !isPerpetual(symbol) || mark.data === null || mark.data <= 0) continue;
      if (isUsdQuote(inst.quote)) refs.set(inst.base, mark.data, mts);
      if (oi.data === null || oi.data < 0) continue;
      const { baseQty, quoteNotional } = fillSize(inst, oi.data, mark.data);
      const usd = notionalUsd(inst, quoteNotional, refs, mts);
      if (usd === undefined) continue;
      const event: OpenInterestEvent = { type: 'open_interest', venue: VENUE, symbol, base: inst.base, oiBase: baseQty, oiUsd: usd, markPrice: mark.data, eventTime: mts, receiveTime, source: STATUS_SOURCE };
      events.push(event);
    }
    return checkedResult(events, 'Bitfinex open interest');
  };

  return (frame, receiveTime) => {
    const json = parseJsonFrame(frame);
    if (!json.ok) return json;
    const msg = json.json;
    if (Array.isArray(msg)) {
      if (msg.length === 0 || Array.isArray(msg[0])) return derivStatus(msg, receiveTime);
      if (typeof msg[0] !== 'number' || msg.length < 2) return reject('unknown message shape');
      if (msg[1] === 'hb') return NO_EVENTS;
      if (!Array.isArray(msg[1])) return reject(`unexpected channel data ${preview(msg[1])}`);
      return liquidations(msg[1], receiveTime);
    }
    if (typeof msg !== 'object' || msg === null) return reject('unknown message shape');
    const ev = EventMessage.safeParse(msg);
    if (!ev.success) return rejectInvalid('event', ev.error);
    if (QUIET_EVENTS.has(ev.data.event)) return NO_EVENTS;
    return reject(`${ev.data.event}: ${preview(ev.data.msg ?? '')}${ev.data.code === undefined ? '' : ` (code ${ev.data.code})`}`);
  };
}
