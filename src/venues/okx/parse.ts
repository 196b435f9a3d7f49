import type { LiquidationEvent, OpenInterestEvent, Side } from '../../schema/events.js';
import { decimalValue, isMarketName, preview } from '../fields.js';
import { ReferencePrices, fillBase, fillQuote, fillSize, noReferenceReason, notionalUsd, type Instrument } from '../instruments.js';
import { EntryResults, NO_EVENTS, isEpoch, plainlyNamed, reject, rejectInvalid, parseJsonObject, type FrameParser, type ParseResult } from '../venue.js';
import { readLiquidationPush, type LiquidationSink } from './fast-frame.js';
import { okxBase, okxBuiltInInstrument, okxListedInstrument } from './instruments.js';
import {
  CONTRACT_TYPES,
  EventReply,
  InstrumentRow,
  LIQUIDATION_CHANNEL,
  LiquidationDetail,
  LiquidationItem,
  LiquidationPush,
  OpenInterestData,
  OpenInterestRow,
  RestEnvelope,
  type OkxLiquidationDetail,
  type OkxLiquidationPush,
} from './schema.js';

export const OKX_VENUE = 'okx';
/** The most details of one push the fast path reads (see fastIds below). */
const MAX_FAST_DETAILS = 64;
export const OPEN_INTEREST_SOURCE = 'open-interest';

export interface OkxParserOptions {
  /** Instruments as the market list described them (discovery, or a recording's metadata.json). */
  instruments?: (instId: string) => Instrument | undefined;
}

/**
 * The position a liquidation closed. Hedge mode names it (`posSide` long/short); one-way mode says `net`,
 * and the liquidation order's side tells: a `sell` closes a long, a `buy` closes a short. A hedge-mode detail
 * whose order side opens rather than closes its position is contradictory: undefined, so it is dead-lettered
 * instead of being counted on a guessed side.
 */
export function liquidatedSide(d: Pick<OkxLiquidationDetail, 'side' | 'posSide'>): Side | undefined {
  const closes: Side = d.side === 'sell' ? 'long' : 'short';
  if (d.posSide === 'net') return closes;
  return d.posSide === closes ? closes : undefined;
}

const objectField = (value: unknown, key: string): unknown =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined;

/**
 * OKX v5 frames → normalized events.
 *
 * - `liquidation-orders` pushes (SWAP and FUTURES): one event per entry of each item's `details`. Notional:
 *   linear `sz` contracts × `ctVal` base coins × `bkPx`; inverse `sz` × `ctVal` USD. Contract values come
 *   from the market list when it was read, else from the built-in table; an instrument neither knows is
 *   dead-lettered, never valued by a guess. Always `sampled`: OKX documents the channel as not representing
 *   every liquidation (docs/venues/okx.md).
 * - The open-interest poller's REST answers (`GET /api/v5/public/open-interest`): one event per instrument,
 *   `oiUsd` as OKX states it, in coin `oiCcy`. They also give the USD price of each coin with a USDT
 *   perpetual, the reference for a contract quoted in something other than USD.
 * - The instrument poller's answers (`GET /api/v5/public/instruments`): no events; the contract values they
 *   list replace what the parser knew, so a market listed after start is valued, live and in a replay.
 * - Event replies (subscribe, notice, connection count) and the text `pong` yield nothing; an `error` event
 *   is rejected so that it is dead-lettered.
 */
export function createOkxParser(opts: OkxParserOptions = {}): FrameParser {
  const known = new Map<string, Instrument>();
  const refs = new ReferencePrices();
  // The fast path's per-instId answers (its instrument, and whether plainlyValid takes its names); emptied when
  // the market list changes.
  const fastMarkets = new Map<string, { inst: Instrument; named: boolean }>();
  const instrumentOf = (instId: string): Instrument | undefined => {
    let inst = known.get(instId);
    if (inst === undefined) {
      inst = opts.instruments?.(instId) ?? okxBuiltInInstrument(instId);
      // Only names that describe a market are cached, so that a flood of invented names cannot grow the map.
      if (inst !== undefined) known.set(instId, inst);
    }
    return inst;
  };

  const liquidations = (msg: OkxLiquidationPush, receiveTime: number): ParseResult => {
    const out = new EntryResults('liquidation-orders event');
    // Two identical details in one push are two liquidations: the second copy's id gets `#1` (as Bybit's parser).
    const occurrences = new Map<string, number>();
    // Entry by entry: an item OKX sends for an instrument nobody can value costs that item only, and a bad
    // detail that detail only; each is dead-lettered with its reason while the rest of the push counts.
    for (const rawItem of msg.data) {
      const item = out.read(LiquidationItem, rawItem, 'liquidation-orders item');
      if (item === undefined) continue;
      if (item.instType !== msg.arg.instType) {
        out.reject(rawItem, `liquidation-orders item of ${item.instType} on the ${preview(msg.arg.instType)} channel`);
        continue;
      }
      if (!isMarketName(item.instId)) {
        out.reject(rawItem, `invalid instId ${preview(item.instId)}`);
        continue;
      }
      const inst = instrumentOf(item.instId);
      if (inst === undefined) {
        out.reject(rawItem, `unknown instrument ${item.instId}: not in the market list nor the built-in table, so its contract value is unknown`);
        continue;
      }
      for (const rawDetail of item.details) {
        const detail = out.read(LiquidationDetail, rawDetail, `liquidation-orders detail of ${item.instId}`);
        if (detail === undefined) continue;
        const d = detail;
        const side = liquidatedSide(d);
        if (side === undefined) {
          out.reject(rawDetail, `contradictory liquidation on ${item.instId}: posSide ${d.posSide} with order side ${d.side}`);
          continue;
        }
        const price = decimalValue(d.bkPx);
        const contracts = decimalValue(d.sz);
        if (price === undefined || contracts === undefined) {
          out.reject(rawDetail, `liquidation on ${item.instId}: bkPx or sz does not fit a double`);
          continue;
        }
        const { baseQty, quoteNotional } = fillSize(inst, contracts, price);
        const usd = notionalUsd(inst, quoteNotional, refs, receiveTime);
        if (usd === undefined) {
          out.reject(rawDetail, noReferenceReason(item.instId, inst.quote, refs.maxAgeMs));
          continue;
        }
        const key = `${item.instId}:${d.ts}:${d.posSide}:${d.side}:${d.sz}:${d.bkPx}`;
        const n = occurrences.get(key) ?? 0;
        occurrences.set(key, n + 1);
        const event: LiquidationEvent = {
          type: 'liquidation',
          id: `${OKX_VENUE}:${key}${n > 0 ? `#${n}` : ''}`,
          venue: OKX_VENUE,
          symbol: item.instId,
          base: inst.base,
          side,
          price,
          qty: baseQty,
          notionalUsd: usd,
          eventTime: Number(d.ts),
          receiveTime,
          fidelity: 'sampled',
          kind: 'liquidation',
          source: LIQUIDATION_CHANNEL,
        };
        out.add(event, rawDetail);
      }
    }
    return out.result();
  };

  const openInterest = (data: unknown, receiveTime: number): ParseResult => {
    const rows = OpenInterestData.safeParse(data);
    if (!rows.success) return rejectInvalid('open-interest answer', rows.error);
    const out = new EntryResults('open interest');
    for (const raw of rows.data) {
      const row = out.read(OpenInterestRow, raw, 'open-interest row');
      if (row === undefined) continue;
      if (!(CONTRACT_TYPES as readonly string[]).includes(row.instType)) {
        out.reject(raw, `open interest of instType ${preview(row.instType)}: not polled`);
        continue;
      }
      if (!isMarketName(row.instId)) {
        out.reject(raw, `invalid instId ${preview(row.instId)}`);
        continue;
      }
      const oiUsd = decimalValue(row.oiUsd);
      const oiCoin = decimalValue(row.oiCcy);
      if (oiUsd === undefined || oiCoin === undefined) {
        out.reject(raw, `open interest of ${row.instId}: a value does not fit a double`);
        continue;
      }
      // Without open interest there is no price to state (the event needs one); the symbol's last value
      // leaves the totals after aggregator.oiTtlMs.
      if (oiUsd === 0 || oiCoin === 0) continue;
      const markPrice = oiUsd / oiCoin;
      const event: OpenInterestEvent = {
        type: 'open_interest',
        venue: OKX_VENUE,
        symbol: row.instId,
        base: instrumentOf(row.instId)?.base ?? okxBase(row.instId),
        oiBase: oiCoin,
        oiUsd,
        markPrice,
        eventTime: Number(row.ts),
        receiveTime,
        source: OPEN_INTEREST_SOURCE,
      };
      const before = out.events.length;
      out.add(event, raw);
      // A coin's USDT perpetual states its USD price: the reference for contracts quoted in that coin.
      if (out.events.length > before && row.instId === `${event.base}-USDT-SWAP`) refs.set(event.base, markPrice, receiveTime);
    }
    return out.result();
  };

  const instrumentList = (rows: unknown[]): ParseResult => {
    let valid = 0;
    for (const r of rows) {
      const row = InstrumentRow.safeParse(r);
      if (!row.success) continue;
      valid += 1;
      const inst = okxListedInstrument(row.data);
      // A listing without a contract value yet (preopen) is a row, not a market to value.
      if (inst !== undefined && isMarketName(inst.symbol)) known.set(inst.symbol, inst);
    }
    fastMarkets.clear();
    return valid === 0 && rows.length > 0 ? reject('instrument list without a valid row') : NO_EVENTS;
  };

  const control = (json: unknown): ParseResult => {
    const reply = EventReply.safeParse(json);
    if (!reply.success) return rejectInvalid('event reply', reply.error);
    const { event, code, msg } = reply.data;
    if (event === 'error') return reject(`OKX error ${code ?? '(no code)'}: ${msg ?? '(no msg)'}`);
    // notice: the connection will be closed for an upgrade; the socket reconnects when it is.
    if (event === 'subscribe' || event === 'unsubscribe' || event === 'notice' || event === 'channel-conn-count') return NO_EVENTS;
    return reject(`unexpected event ${preview(event)}`);
  };

  // The fast path's push being read (readLiquidationPush hands it over piece by piece): the same steps as
  // liquidations() above, but any entry that one would refuse declines the frame, and the full path then reads
  // it and dead-letters that entry alone. Parser-level, so that a push allocates nothing but its events.
  let fastReceive = 0;
  let fastType = '';
  let fastInstId = '';
  let fastInst: Instrument | undefined;
  let fastNamed = false;
  let fastReceiveOk = false;
  let fastEvents: LiquidationEvent[] = [];
  // Ids (and times) of the push so far, for the `#n` of an identical detail. A push has a few details; one with
  // more than MAX_FAST_DETAILS is left to the full path (its map), so the search here stays short.
  let fastSeen = 0;
  const fastIds: string[] = [];
  const fastTimes: number[] = [];
  const fastPush: LiquidationSink = {
    begin: (instType) => {
      fastType = instType;
      fastReceiveOk = isEpoch(fastReceive);
      fastEvents = [];
      fastSeen = 0;
      return true;
    },
    item: (instId, instType) => {
      if (instType !== fastType) return false;
      let market = fastMarkets.get(instId);
      if (market === undefined) {
        const inst = isMarketName(instId) ? instrumentOf(instId) : undefined;
        if (inst === undefined) return false;
        market = { inst, named: plainlyNamed(OKX_VENUE, instId, inst.base) };
        fastMarkets.set(instId, market);
      }
      fastInst = market.inst;
      fastNamed = market.named && fastReceiveOk;
      fastInstId = instId;
      return true;
    },
    detail: (posSide, side, sz, bkPx, ts, contracts, price, time) => {
      const liquidated = liquidatedSide({ posSide, side });
      if (fastSeen === MAX_FAST_DETAILS || liquidated === undefined || !(price < Infinity && contracts < Infinity)) return false;
      const inst = fastInst!;
      const baseQty = fillBase(inst, contracts, price);
      const quoteNotional = fillQuote(inst, contracts, price);
      const usd = notionalUsd(inst, quoteNotional, refs, fastReceive);
      if (usd === undefined) return false;
      // join builds one flat string (a template literal builds a rope, which costs more where ids are hashed).
      const id = [OKX_VENUE, fastInstId, ts, posSide, side, sz, bkPx].join(':');
      // Identical details share ts: an id is compared only with the push's earlier ones of the same time.
      let n = 0;
      for (let k = 0; k < fastSeen; k++) if (fastTimes[k] === time && fastIds[k] === id) n++;
      fastTimes[fastSeen] = time;
      fastIds[fastSeen] = id;
      fastSeen++;
      const event: LiquidationEvent = {
        type: 'liquidation',
        id: n > 0 ? `${id}#${n}` : id,
        venue: OKX_VENUE,
        symbol: fastInstId,
        base: inst.base,
        side: liquidated,
        price,
        qty: baseQty,
        notionalUsd: usd,
        eventTime: time,
        receiveTime: fastReceive,
        fidelity: 'sampled',
        kind: 'liquidation',
        source: LIQUIDATION_CHANNEL,
      };
      // What plainlyValid would check, less what the market settled once (names), the push (receive time) or the
      // pattern (ts of at most 13 digits) and what is so by construction; otherwise the full path's check decides.
      if (!(fastNamed && price > 0 && price < Infinity && baseQty > 0 && baseQty < Infinity && usd > 0 && usd < Infinity)) return false;
      fastEvents.push(event);
      return true;
    },
  };

  return (frame, receiveTime) => {
    // The keepalive reply is the bare text `pong` (docs "WebSocket" → Connect), not JSON.
    if (frame === 'pong') return NO_EVENTS;
    fastReceive = receiveTime;
    if (readLiquidationPush(frame, fastPush)) return fastEvents.length === 0 ? NO_EVENTS : { ok: true, events: fastEvents };
    const parsed = parseJsonObject(frame);
    if (!parsed.ok) return parsed;
    const json = parsed.json;
    if ('event' in json) return control(json);
    if ('arg' in json) {
      const channel = objectField(json.arg, 'channel');
      if (channel !== LIQUIDATION_CHANNEL) return reject(`unexpected channel ${preview(channel)}`);
      const push = LiquidationPush.safeParse(json);
      return push.success ? liquidations(push.data, receiveTime) : rejectInvalid(LIQUIDATION_CHANNEL, push.error);
    }
    if ('code' in json && 'data' in json) {
      const envelope = RestEnvelope.safeParse(json);
      if (!envelope.success) return rejectInvalid('REST answer', envelope.error);
      const { code, msg, data } = envelope.data;
      if (code !== '0') return reject(`REST request refused: code ${code} ${msg}`);
      // Instrument rows carry a contract value; open-interest rows do not.
      if (Array.isArray(data) && data.some((row) => objectField(row, 'ctVal') !== undefined)) return instrumentList(data);
      return openInterest(data, receiveTime);
    }
    return reject('unknown message shape');
  };
}
