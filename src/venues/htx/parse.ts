import type { LiquidationEvent, OpenInterestEvent } from '../../schema/events.js';
import { decimalValue, isMarketName, preview } from '../fields.js';
import { OccurrenceIds, PlainRun, SpanMap } from '../fast-events.js';
import { isUsdQuote, noReferenceReason, notionalUsd } from '../instruments.js';
import { isShortestAt } from '../scan.js';
import { EntryResults, NO_EVENTS, fastEvents, frameIds, parseJsonObject, plainlyNamed, reject, rejectInvalid, type FrameParser, type ParseResult } from '../venue.js';
import {
  LIQUIDATION_TOPIC_SUFFIX,
  LiquidationNotify,
  LiquidationOrder,
  OpFrame,
  OpenInterestAnswer,
  OpenInterestRow,
  RestError,
  type HtxLiquidationNotify,
  type HtxOpenInterestAnswer,
} from './schema.js';
import { plainOrder, readNotifyFrame, readPlainPush, type FastHtxOrder, type PlainPushSink } from './fast-frame.js';

export const LIQUIDATION_SOURCE = 'liquidation_orders';
export const OPEN_INTEREST_SOURCE = 'swap_open_interest';
const VENUE = 'htx-linear';
/** USDT-margined contracts: quoted and settled in USDT unless a frame names another partition. */
const DEFAULT_QUOTE = 'USDT';
const STAR = 0x2a;

const valueOf = (v: string | number): number => (typeof v === 'number' ? v : (decimalValue(v) ?? Number.NaN));

/** A contract and base coin as pushes name them, worked out once (see the plain path in createHtxParser). */
interface NamedOrder {
  code: string;
  coin: string;
  /** `htx-linear:<code>:`, the start of every id of its orders. */
  idPrefix: string;
  /** isMarketName(code): the parser's own check. */
  named: boolean;
  /** The event check's names (plainlyNamed), so that each event checks only its numbers. */
  plain: boolean;
}

/**
 * HTX USDT-margined frames → normalized events.
 *
 * - `public.<contract>.liquidation_orders` notifications: one event per `data` entry. `direction` is the
 *   liquidation order's side, so `sell` liquidated a long. The notional is `trade_turnover`, HTX's own USDT
 *   figure for the order (no contract size to look up), the quantity `amount` in the base coin.
 * - The swap_open_interest answer (polled): `value` USDT and `amount` coin per contract, timed by its `ts`;
 *   the mark price is implied (value / amount).
 * - Subscribe replies and pings yield nothing (the socket answers pings itself); refusals and error notices
 *   are rejected so that they are dead-lettered.
 */
export function createHtxParser(): FrameParser {
  /** One order's event, or why it cannot be used; `idOf` numbers the push's identical orders. */
  const orderEvent = (e: FastHtxOrder, topic: string, topicCode: string, receiveTime: number, idOf: (key: string) => string): LiquidationEvent | string => {
    // A push may name its contract in the topic or repeat the wildcard subscribed to; a named one must match.
    if ((topicCode !== '*' && e.contract_code !== topicCode) || !isMarketName(e.contract_code)) return `liquidation of ${preview(e.contract_code)} on topic ${preview(topic)}`;
    const quote = e.trade_partition ?? DEFAULT_QUOTE;
    const usd = notionalUsd({ quote }, valueOf(e.trade_turnover), undefined, receiveTime);
    if (usd === undefined) return noReferenceReason(e.contract_code, quote, 0);
    return {
      type: 'liquidation',
      id: idOf(`${e.contract_code}:${e.created_at}:${e.direction}:${e.volumeText ?? String(e.volume)}:${e.priceText ?? String(e.price)}`),
      venue: VENUE,
      symbol: e.contract_code,
      base: e.symbol,
      side: e.direction === 'sell' ? 'long' : 'short',
      price: valueOf(e.price),
      qty: valueOf(e.amount),
      notionalUsd: usd,
      eventTime: e.created_at,
      receiveTime,
      fidelity: 'complete',
      kind: 'liquidation',
      source: LIQUIDATION_SOURCE,
    };
  };
  const topicCodeOf = (topic: string): string => topic.slice('public.'.length, -LIQUIDATION_TOPIC_SUFFIX.length);

  const liquidations = (msg: HtxLiquidationNotify, receiveTime: number): ParseResult => {
    const topicCode = topicCodeOf(msg.topic);
    const out = new EntryResults(LIQUIDATION_SOURCE);
    const idOf = frameIds(VENUE);
    // Entry by entry: one bad order is dead-lettered on its own; the other orders of the push count.
    for (const raw of msg.data) {
      const e = out.read(LiquidationOrder, raw, LIQUIDATION_SOURCE);
      if (e === undefined) continue;
      const made = orderEvent(e, msg.topic, topicCode, receiveTime, idOf);
      if (typeof made === 'string') out.reject(raw, made);
      else out.add(made, raw);
    }
    return out.result();
  };

  // A push the fast path read: its events, or undefined (declined) when one order would be refused.
  const fastLiquidations = ({ topic, data }: { topic: string; data: FastHtxOrder[] }, receiveTime: number): ParseResult | undefined => {
    const topicCode = topicCodeOf(topic);
    const idOf = frameIds(VENUE);
    return fastEvents(data, (e) => orderEvent(e, topic, topicCode, receiveTime, idOf));
  };

  const openInterest = (msg: HtxOpenInterestAnswer, receiveTime: number): ParseResult => {
    const out = new EntryResults('open interest');
    for (const raw of msg.data) {
      const c = out.read(OpenInterestRow, raw, OPEN_INTEREST_SOURCE);
      if (c === undefined) continue;
      if (!isMarketName(c.contract_code)) {
        out.reject(raw, `invalid contract_code ${preview(c.contract_code)}`);
        continue;
      }
      const quote = c.trade_partition ?? DEFAULT_QUOTE;
      const oiBase = valueOf(c.amount);
      const oiUsd = notionalUsd({ quote }, valueOf(c.value), undefined, receiveTime);
      if (oiUsd === undefined) {
        out.reject(raw, noReferenceReason(c.contract_code, quote, 0));
        continue;
      }
      // No open position means no implied price; nothing to report for that contract.
      if (!(oiBase > 0)) continue;
      const event: OpenInterestEvent = { type: 'open_interest', venue: VENUE, symbol: c.contract_code, base: c.symbol, oiBase, oiUsd, markPrice: oiUsd / oiBase, eventTime: msg.ts, receiveTime, source: OPEN_INTEREST_SOURCE };
      out.add(event, raw);
    }
    return out.result();
  };

  const control = (json: unknown): ParseResult => {
    const parsed = OpFrame.safeParse(json);
    if (!parsed.success) return rejectInvalid('control frame', parsed.error);
    const { op, topic, 'err-code': code, 'err-msg': text } = parsed.data;
    if (op === 'ping') return NO_EVENTS;
    if ((op === 'sub' || op === 'unsub') && code === 0) return NO_EVENTS;
    const what = op === 'sub' ? 'subscription refused' : `${preview(op)} notice`;
    return reject(`${what}${topic ? ` for ${preview(topic)}` : ''}: err-code ${code ?? 'none'}${text ? ` ${preview(text)}` : ''}`);
  };

  // The plain path: a push in HTX's own layout (readPlainPush) made into events as it is read, with what `orderEvent`
  // and `checkEvent` would work out per order settled once per contract and coin (`names`, by where the push writes
  // them) or per push (the topic, the receive time). Anything it would refuse declines the push to the paths below.
  const names = new SpanMap<NamedOrder>();
  const ids = new OccurrenceIds();
  const order = plainOrder();
  const run = new PlainRun();
  let topicCode = 0;
  let topicCodeLength = 0;
  let topicStar = false;
  const plainPush: PlainPushSink = {
    begin(f, code, codeEnd) {
      ids.reset();
      topicCode = code;
      topicCodeLength = codeEnd - code;
      topicStar = topicCodeLength === 1 && f.charCodeAt(code) === STAR;
    },
    order(f, o) {
      let named = names.get(f, o.names, o.namesEnd);
      if (named === undefined) {
        const code = f.slice(o.names, o.codeEnd);
        const coin = f.slice(o.coin, o.namesEnd);
        named = { code, coin, idPrefix: `${VENUE}:${code}:`, named: isMarketName(code), plain: plainlyNamed(VENUE, code, coin) };
        // Only names an event may carry are kept (at most 64 characters each): a garbage name, however long, is not.
        if (named.named && named.plain) names.set(f.slice(o.names, o.namesEnd), named);
      }
      const { code } = named;
      if (!named.named || (!topicStar && (topicCodeLength !== code.length || !f.startsWith(code, topicCode)))) return false;
      // Without trade_partition the quote is USDT; a partition's quote other than USD has no reference price here.
      if (o.partition >= 0 && !(o.partitionEnd - o.partition === 4 && f.startsWith(DEFAULT_QUOTE, o.partition)) && !isUsdQuote(f.slice(o.partition, o.partitionEnd))) return false;
      const volumeText = isShortestAt(f, o.vol, o.volEnd) ? f.slice(o.vol, o.volEnd) : String(o.volume);
      const priceText = isShortestAt(f, o.pr, o.prEnd) ? f.slice(o.pr, o.prEnd) : String(o.price);
      const event: LiquidationEvent = {
        type: 'liquidation',
        id: ids.id(`${named.idPrefix}${f.slice(o.at, o.atEnd)}${o.buy ? ':buy:' : ':sell:'}${volumeText}:${priceText}`, o.createdAt),
        venue: VENUE,
        symbol: code,
        base: named.coin,
        side: o.buy ? 'short' : 'long',
        price: o.price,
        qty: o.amount,
        notionalUsd: o.turnover,
        eventTime: o.createdAt,
        receiveTime: run.receiveTime,
        fidelity: 'complete',
        kind: 'liquidation',
        source: LIQUIDATION_SOURCE,
      };
      // The contract and the push settled the names and the receive time; the layout a canonical created_at.
      return run.push(event, named.plain);
    },
  };

  return (frame, receiveTime) => {
    run.begin(frame, receiveTime);
    const plain = run.end(readPlainPush(frame, plainPush, order));
    if (plain !== undefined) return plain;
    const fast = readNotifyFrame(frame);
    const made = fast === undefined ? undefined : fastLiquidations(fast, receiveTime);
    if (made !== undefined) return made;
    const parsed = parseJsonObject(frame);
    if (!parsed.ok) return parsed;
    const msg = parsed.json;
    if (msg.op === 'notify') {
      const notify = LiquidationNotify.safeParse(msg);
      return notify.success ? liquidations(notify.data, receiveTime) : rejectInvalid(LIQUIDATION_SOURCE, notify.error);
    }
    if (typeof msg.op === 'string') return control(msg);
    if (msg.status === 'ok') {
      const answer = OpenInterestAnswer.safeParse(msg);
      return answer.success ? openInterest(answer.data, receiveTime) : rejectInvalid(OPEN_INTEREST_SOURCE, answer.error);
    }
    if (msg.status === 'error') {
      const error = RestError.safeParse(msg);
      return reject(`${OPEN_INTEREST_SOURCE} refused: ${error.success ? `${String(error.data.err_code ?? '')} ${preview(error.data.err_msg ?? '')}`.trim() : 'malformed error'}`);
    }
    return reject('unknown message shape');
  };
}
