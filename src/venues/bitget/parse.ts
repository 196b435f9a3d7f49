import type { LiquidationEvent, Side } from '../../schema/events.js';
import { clip, decimalValue, isMarketName, preview } from '../fields.js';
import { fillSize, noReferenceReason, notionalUsd, type Instrument } from '../instruments.js';
import { EntryResults, NO_EVENTS, fastEvents, frameIds, parseJsonObject, reject, rejectInvalid, type FrameParser, type ParseResult } from '../venue.js';
import { readLiquidationFrame } from './fast-frame.js';
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
