import type { LiquidationEvent, Side } from '../../schema/events.js';
import { clip, decimalValue, isMarketName, preview } from '../fields.js';
import { fillBase, fillQuote, fillSize, isUsdQuote, noReferenceReason, notionalUsd, type Instrument } from '../instruments.js';
import { EntryResults, NO_EVENTS, fastEvents, frameIds, parseJsonObject, plainlyNamed, reject, rejectInvalid, type FrameParser, type ParseResult } from '../venue.js';
import { PlainRun } from '../fast-events.js';
import { readLiquidationFrame, readPlainPush, type PlainRow } from './fast-frame.js';
import { bitgetInstrument } from './instruments.js';
import { EventReply, LIQUIDATION_TOPIC, LiquidationPush, LiquidationRow, type BitgetLiquidationPush, type BitgetLiquidationRow, type InstType } from './schema.js';

export const BITGET_VENUE = 'bitget';

/** Docs: `side` is the position side, `buy` a long position liquidated, `sell` a short one. */
export const liquidatedSide = (side: BitgetLiquidationRow['side']): Side => (side === 'buy' ? 'long' : 'short');

/**
 * A row's `amount` is in the quote coin, so it is valued as a fill of `amount` one-quote-unit contracts:
 * the quote notional is the amount and the base quantity is amount ÷ price, on linear and inverse markets alike.
 */
const QUOTE_AMOUNT = { type: 'inverse', contractValue: 1 } as const;

/** Markets of a product type whose answers the fast path keeps; past it they are worked out again (a hostile stream of names). */
const MAX_PLAIN_MARKETS = 4_096;
/** Rows of a push the fast path numbers (comparing each with the earlier ones); a longer push takes frameIds. */
const MAX_PLAIN_ROWS = 64;

/** What every liquidation of a market shares. */
interface PlainMarket {
  inst: Instrument;
  /** plainlyNamed's answer for the symbol and its base. */
  named: boolean;
  /** `bitget:<instType>:<symbol>:`. */
  idPrefix: string;
}

const objectField = (value: unknown, key: string): unknown =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined;

/**
 * Bitget UTA public frames → normalized events.
 *
 * - `liquidation` pushes (usdt-futures, coin-futures, usdc-futures, each platform-wide): one event per row.
 *   Notional: `amount`, which the docs state in the quote coin (USDT, USDC, USD), at face value; base quantity
 *   amount ÷ price. Always `sampled`: the docs describe the push as the largest long and the largest short
 *   liquidation of each pair per second (docs/venues/bitget.md).
 * - Subscribe and unsubscribe replies and the text `pong` yield nothing; an `error` event is rejected so
 *   that it is dead-lettered.
 */
/** What a row's valuation needs, or why the row cannot be valued. */
function rowValuation(row: BitgetLiquidationRow, instType: InstType): { inst: Instrument; price: number; amount: number } | string {
  if (!isMarketName(row.symbol)) return `invalid symbol ${preview(row.symbol)}`;
  const inst = bitgetInstrument(instType, row.symbol);
  if (inst === undefined) return `symbol ${row.symbol} is not a ${instType} market name: its base coin is unknown`;
  const price = decimalValue(row.price);
  const amount = decimalValue(row.amount);
  if (price === undefined || amount === undefined) return `liquidation on ${row.symbol}: price or amount does not fit a double`;
  if (price === 0) return `liquidation on ${row.symbol} at price 0`;
  return { inst, price, amount };
}

export function createBitgetParser(): FrameParser {
  /** A row's event, or why it cannot be used; `idOf` numbers the push's identical rows. */
  const rowEvent = (row: BitgetLiquidationRow, instType: InstType, receiveTime: number, idOf: (key: string) => string): LiquidationEvent | string => {
    const valued = rowValuation(row, instType);
    if (typeof valued === 'string') return valued;
    const { inst, price, amount } = valued;
    const { baseQty, quoteNotional } = fillSize(QUOTE_AMOUNT, amount, price);
    const usd = notionalUsd(inst, quoteNotional, undefined, receiveTime);
    if (usd === undefined) return noReferenceReason(row.symbol, inst.quote, 0);
    return {
      type: 'liquidation',
      id: idOf(`${instType}:${row.symbol}:${row.ts}:${row.side}:${row.amount}:${row.price}`),
      venue: BITGET_VENUE,
      symbol: row.symbol,
      base: inst.base,
      side: liquidatedSide(row.side),
      price,
      qty: baseQty,
      notionalUsd: usd,
      eventTime: Number(row.ts),
      receiveTime,
      fidelity: 'sampled',
      kind: 'liquidation',
      source: LIQUIDATION_TOPIC,
    };
  };

  const liquidations = (msg: BitgetLiquidationPush, receiveTime: number): ParseResult => {
    const out = new EntryResults('liquidation event');
    const idOf = frameIds(BITGET_VENUE);
    const { instType } = msg.arg;
    // Row by row: one row that cannot be read or valued is dead-lettered on its own; the push's other rows count.
    for (const raw of msg.data) {
      const row = out.read(LiquidationRow, raw, LIQUIDATION_TOPIC);
      if (row === undefined) continue;
      const made = rowEvent(row, instType, receiveTime, idOf);
      if (typeof made === 'string') out.reject(raw, made);
      else out.add(made, raw);
    }
    return out.result();
  };

  // A push the fast path read: its events, or undefined (declined) when a row would be refused.
  const fastLiquidations = ({ instType, rows }: { instType: InstType; rows: BitgetLiquidationRow[] }, receiveTime: number): ParseResult | undefined => {
    const idOf = frameIds(BITGET_VENUE);
    return fastEvents(rows, (row) => rowEvent(row, instType, receiveTime, idOf));
  };

  // Per product type and symbol: what every liquidation of that market shares (its instrument, names the event check
  // takes as they are, the id's prefix), worked out once; null for a row rowValuation refuses by its name alone.
  const markets: Record<InstType, Map<string, PlainMarket | null>> = { 'usdt-futures': new Map(), 'coin-futures': new Map(), 'usdc-futures': new Map() };
  const plainMarketOf = (symbol: string): PlainMarket | undefined => {
    const known = markets[plainType];
    let market = known.get(symbol);
    if (market === undefined) {
      const inst = isMarketName(symbol) ? bitgetInstrument(plainType, symbol) : undefined;
      // Every quote of the channel (USDT, USDC, USD) is a USD quote: notionalUsd is the amount itself.
      market = inst === undefined || !isUsdQuote(inst.quote) ? null : { inst, named: plainlyNamed(BITGET_VENUE, symbol, inst.base), idPrefix: `${BITGET_VENUE}:${plainType}:${symbol}:` };
      if (known.size >= MAX_PLAIN_MARKETS) known.clear();
      known.set(symbol, market);
    }
    return market ?? undefined;
  };
  // The push being read (readPlainPush hands its rows over one by one): parser-level, so a frame allocates nothing
  // but its events. The rows' times and ids so far number identical rows as frameIds does, comparing ids only of
  // rows of the same millisecond.
  const run = new PlainRun();
  let plainType: InstType = 'usdt-futures';
  // Written by index and counted by plainRows (setting an array's length is a runtime call); at most MAX_PLAIN_ROWS.
  const plainTimes: number[] = [];
  const plainIds: string[] = [];
  let plainRows = 0;
  let lastSymbol = '';
  let lastMarket: PlainMarket | undefined;
  const plainBegin = (instType: InstType): boolean => {
    plainType = instType;
    lastSymbol = '';
    return true;
  };
  /** rowEvent for a row of the plain layout, written out; false (the frame declined) where rowEvent refuses it. */
  const plainRow: PlainRow = (symbol, buy, price, priceStart, priceEnd, amount, amountStart, amountEnd, ts, tsStart, tsEnd) => {
    if (symbol !== lastSymbol) {
      lastMarket = plainMarketOf(symbol);
      lastSymbol = symbol;
    }
    const market = lastMarket;
    const n = plainRows;
    if (market === undefined || price === 0 || n >= MAX_PLAIN_ROWS) return false;
    const f = run.frame;
    // frameIds' key, `${instType}:${symbol}:${ts}:${side}:${amount}:${price}`, with the texts as written.
    const key = market.idPrefix + f.slice(tsStart, tsEnd) + (buy ? ':buy:' : ':sell:') + f.slice(amountStart, amountEnd) + ':' + f.slice(priceStart, priceEnd);
    let copies = 0;
    for (let k = 0; k < n; k++) if (plainTimes[k] === ts && plainIds[k] === key) copies++;
    plainTimes[n] = ts;
    plainIds[n] = key;
    plainRows = n + 1;
    // A row's amount is in the quote coin (QUOTE_AMOUNT): fillSize(QUOTE_AMOUNT, amount, price), written out.
    const qty = fillBase(QUOTE_AMOUNT, amount, price);
    const usd = fillQuote(QUOTE_AMOUNT, amount, price);
    const event: LiquidationEvent = {
      type: 'liquidation',
      id: copies > 0 ? `${key}#${copies}` : key,
      venue: BITGET_VENUE,
      symbol,
      base: market.inst.base,
      side: buy ? 'long' : 'short',
      price,
      qty,
      notionalUsd: usd,
      eventTime: ts,
      receiveTime: run.receiveTime,
      fidelity: 'sampled',
      kind: 'liquidation',
      source: LIQUIDATION_TOPIC,
    };
    return run.push(event, market.named);
  };
  const plainLiquidations = (frame: string, receiveTime: number): ParseResult | undefined => {
    run.begin(frame, receiveTime);
    plainRows = 0;
    return run.end(readPlainPush(frame, plainBegin, plainRow));
  };

  const control = (json: unknown): ParseResult => {
    const reply = EventReply.safeParse(json);
    if (!reply.success) return rejectInvalid('event reply', reply.error);
    const { event, code, msg } = reply.data;
    if (event === 'error') return reject(`Bitget error ${code ?? '(no code)'}: ${clip(msg ?? '(no msg)')}`);
    if (event === 'subscribe' || event === 'unsubscribe') return NO_EVENTS;
    return reject(`unexpected event ${preview(event)}`);
  };

  return (frame, receiveTime) => {
    // The keepalive reply is the bare text `pong` (docs "Websocket API" → Connect), not JSON.
    if (frame === 'pong') return NO_EVENTS;
    const plain = plainLiquidations(frame, receiveTime);
    if (plain !== undefined) return plain;
    const fast = readLiquidationFrame(frame);
    const made = fast === undefined ? undefined : fastLiquidations(fast, receiveTime);
    if (made !== undefined) return made;
    const parsed = parseJsonObject(frame);
    if (!parsed.ok) return parsed;
    const json = parsed.json;
    if ('event' in json) return control(json);
    if ('arg' in json) {
      const topic = objectField(json.arg, 'topic');
      if (topic !== LIQUIDATION_TOPIC) return reject(`unexpected topic ${preview(topic)}`);
      const push = LiquidationPush.safeParse(json);
      return push.success ? liquidations(push.data, receiveTime) : rejectInvalid(LIQUIDATION_TOPIC, push.error);
    }
    return reject('unknown message shape');
  };
}
