import type { FundingEvent, LiquidationEvent } from '../../schema/events.js';
import { FundingGate, fundingEvent, signedDecimal } from '../funding.js';
import { decimalValue, isEpochMs, preview } from '../fields.js';
import { OccurrenceIds, PlainRun, SpanSlots } from '../fast-events.js';
import { fillBase, fillQuote, fillSize, isUsdQuote, notionalUsd, noReferenceReason, type Instrument } from '../instruments.js';
import { isShortestAt } from '../scan.js';
import { EntryResults, NO_EVENTS, fastEvents, frameIds, plainlyNamed, reject, rejectInvalid, parseJsonFrame, type FrameParser, type ParseResult } from '../venue.js';
import { plainEntry, readLiquidatesFrame, readPlainUpdate, type FastGateEntry, type PlainUpdateSink } from './fast-frame.js';
import { GATE_SETTLE, gateInstrument, listedGateInstrument, type GateVenue } from './instruments.js';
import {
  ContractRow,
  ControlReply,
  LIQUIDATES_CHANNEL,
  LiquidateEntry,
  LiquidatesUpdate,
  PONG_CHANNEL,
  SYSTEM_CHANNEL,
  type GateLiquidateEntry,
  type GateLiquidatesUpdate,
} from './schema.js';

export const CONTRACTS_SOURCE = 'contracts';

export interface GateParserOptions {
  venue: GateVenue;
  /** Instruments as discovery or a recording listed them; contract-list frames seen later take precedence. */
  instruments?: (symbol: string) => Instrument | undefined;
}

/** Largest epoch-seconds value read as seconds (year 5138); epoch milliseconds since 1973 are all above it. */
const MAX_EPOCH_SECONDS = 99_999_999_999;

/**
 * An entry's time in ms, or why there is none. `time_ms` when present. Otherwise `time`, which the docs' newer
 * field list gives in milliseconds, while the envelope's own `time` (and Gate's REST liquidation history) are
 * seconds: a value of at most 11 digits is read as seconds, a longer one as milliseconds, so neither unit is
 * taken for the other (a seconds value read as ms would date the liquidation in January 1970).
 */
export function entryTimeMs(e: Pick<GateLiquidateEntry, 'time_ms' | 'time'>): number | string {
  if (e.time_ms !== undefined) return e.time_ms;
  if (e.time === undefined) return 'entry without time_ms or time';
  const ms = e.time <= MAX_EPOCH_SECONDS ? e.time * 1000 : e.time;
  return isEpochMs(ms) ? ms : `entry time ${e.time} is not epoch seconds or milliseconds`;
}

/** A contract as updates name it, worked out once (see the plain path in createGateParser). */
interface Contract {
  symbol: string;
  inst: Instrument;
  /** A USD quote: the notional is USD at face value. */
  usd: boolean;
  /** `<venue>:<contract>:`, the start of every id of its liquidations. */
  idPrefix: string;
  /** The event check's names (plainlyNamed), so that each event checks only its numbers. */
  plain: boolean;
}

/** A JSON number as it is, a decimal string by the shared rule; NaN when the text does not fit a double. */
const valueOf = (v: string | number, signed = false): number => (typeof v === 'number' ? v : (decimalValue(v, signed) ?? Number.NaN));

/**
 * Gate futures v4 frames → normalized events.
 *
 * - `futures.public_liquidates` updates: one event per `result` entry. `size` is the liquidation order's signed
 *   size in contracts (Gate orders: positive buys, negative sells), so a negative size closed a long position.
 *   Gate pushes at most one liquidation per contract per second: every event is `sampled`.
 * - The contract list (GET /api/v4/futures/{settle}/contracts, polled): its multipliers value later liquidations
 *   of contracts listed after start, and its `position_size` × multiplier × `mark_price` is each contract's
 *   open interest. It carries no time of its own, so its events are timed at receipt.
 * - Subscribe replies, pongs and system notices yield nothing; a refused subscription is rejected so that it is
 *   dead-lettered.
 */
export function createGateParser(o: GateParserOptions): FrameParser {
  const { venue } = o;
  const settle = GATE_SETTLE[venue];
  // From contract-list frames: the newest list a frame stated. Kept in the closure so replay sees what live saw.
  const polled = new Map<string, Instrument>();
  const cache = new Map<string, Instrument>();
  const instrumentOf = (contract: string): Instrument | undefined => {
    const seen = polled.get(contract);
    if (seen !== undefined) return seen;
    const cached = cache.get(contract);
    if (cached !== undefined) return cached;
    const listed = o.instruments?.(contract);
    // A recorded instrument of the other settle (metadata mixed up) is not trusted.
    const inst = listed !== undefined && (listed.type === 'inverse') === (settle === 'btc') ? listed : gateInstrument(contract, settle);
    // Only what resolved is cached: garbage contract names must not grow the cache.
    if (inst !== undefined) cache.set(contract, inst);
    return inst;
  };

  /** One entry's event, or why it cannot be used; `idOf` numbers the frame's identical entries. */
  const entryEvent = (e: FastGateEntry, receiveTime: number, idOf: (key: string) => string): LiquidationEvent | string => {
    const time = entryTimeMs(e);
    if (typeof time === 'string') return `${time} for ${preview(e.contract)}`;
    const inst = instrumentOf(e.contract);
    if (inst === undefined) return `no contract value for ${preview(e.contract)} (not in the contract list or the built-in table)`;
    const size = valueOf(e.size, true);
    const price = valueOf(e.price);
    if (!Number.isFinite(size) || size === 0) return `invalid liquidation size ${preview(e.size)} for ${e.contract}`;
    const { baseQty, quoteNotional } = fillSize(inst, Math.abs(size), price);
    const usd = notionalUsd(inst, quoteNotional, undefined, receiveTime);
    if (usd === undefined) return noReferenceReason(e.contract, inst.quote, 0);
    return {
      type: 'liquidation',
      id: idOf(`${e.contract}:${time}:${e.sizeText ?? String(e.size)}:${e.priceText ?? String(e.price)}`),
      venue,
      symbol: e.contract,
      base: inst.base,
      side: size < 0 ? 'long' : 'short',
      price,
      qty: baseQty,
      notionalUsd: usd,
      eventTime: time,
      receiveTime,
      fidelity: 'sampled',
      kind: 'liquidation',
      source: LIQUIDATES_CHANNEL,
    };
  };

  const liquidations = (msg: GateLiquidatesUpdate, receiveTime: number): ParseResult => {
    const out = new EntryResults(LIQUIDATES_CHANNEL);
    const idOf = frameIds(venue);
    // Entry by entry: a contract listed after the last contract-list poll costs its own entry (dead-lettered
    // with the reason), not the other liquidations of the update.
    for (const raw of msg.result) {
      const e = out.read(LiquidateEntry, raw, LIQUIDATES_CHANNEL);
      if (e === undefined) continue;
      const made = entryEvent(e, receiveTime, idOf);
      if (typeof made === 'string') out.reject(raw, made);
      else out.add(made, raw);
    }
    return out.result();
  };

  // The entries the fast path read: their events, or undefined (declined) when one would be refused.
  const fastLiquidations = (entries: FastGateEntry[], receiveTime: number): ParseResult | undefined => {
    const idOf = frameIds(venue);
    return fastEvents(entries, (e) => entryEvent(e, receiveTime, idOf));
  };

  // The plain path: an update in Gate's own layout (readPlainUpdate) made into events as it is read, with what
  // `entryEvent` and `checkEvent` would work out per entry settled once per contract (`named`, by where the update
  // writes its name) or per update (the receive time). Anything it would refuse declines the update to the paths below.
  const named = new SpanSlots<Contract>();
  const ids = new OccurrenceIds();
  const entry = plainEntry();
  const run = new PlainRun();
  const plainUpdate: PlainUpdateSink = {
    begin() {
      ids.reset();
    },
    entry(f, e) {
      let contract = named.get(f, e.c, e.cEnd);
      if (contract === undefined) {
        const symbol = f.slice(e.c, e.cEnd);
        const inst = instrumentOf(symbol);
        if (inst === undefined) return false;
        contract = { symbol, inst, usd: isUsdQuote(inst.quote), idPrefix: `${venue}:${symbol}:`, plain: plainlyNamed(venue, symbol, inst.base) };
        // Only names an event may carry are kept (at most 64 characters each).
        if (contract.plain) named.set(symbol, contract);
      }
      const { size, price } = e;
      const { inst } = contract;
      if (!contract.usd || !Number.isFinite(size) || size === 0) return false;
      const qty = Math.abs(size);
      const baseQty = fillBase(inst, qty, price);
      const usd = fillQuote(inst, qty, price);
      const priceText = isShortestAt(f, e.p, e.pEnd) ? f.slice(e.p, e.pEnd) : String(price);
      const event: LiquidationEvent = {
        type: 'liquidation',
        id: ids.id(`${contract.idPrefix}${f.slice(e.t, e.tEnd)}:${f.slice(e.z, e.zEnd)}:${priceText}`, e.time),
        venue,
        symbol: contract.symbol,
        base: inst.base,
        side: size < 0 ? 'long' : 'short',
        price,
        qty: baseQty,
        notionalUsd: usd,
        eventTime: e.time,
        receiveTime: run.receiveTime,
        fidelity: 'sampled',
        kind: 'liquidation',
        source: LIQUIDATES_CHANNEL,
      };
      // The contract and the update settled the names and the receive time; the layout a canonical time_ms.
      return run.push(event, contract.plain);
    },
  };

  const contracts = (json: unknown[], receiveTime: number): ParseResult => {
    // A contract list may value a contract anew (instrumentOf prefers what the newest list stated).
    named.clear();
    const out = new EntryResults('open interest');
    // Row by row: a contract of another type on the list (or a row of a shape not seen before) is dead-lettered
    // on its own; the page's other contracts still state their open interest and contract values.
    for (const raw of json) {
      const row = out.read(ContractRow, raw, 'contract list row');
      if (row === undefined) continue;
      const inst = listedGateInstrument(row, settle);
      if (inst === undefined) {
        out.reject(raw, `contract ${preview(row.name)} does not fit ${venue} (type ${row.type}, quanto_multiplier ${row.quanto_multiplier})`);
        continue;
      }
      polled.set(inst.symbol, inst);
      const markPrice = valueOf(row.mark_price);
      const contractsOpen = valueOf(row.position_size);
      // A contract not trading yet has no mark price: nothing to value, and no open interest to report.
      if (!(markPrice > 0)) continue;
      const { baseQty, quoteNotional } = fillSize(inst, contractsOpen, markPrice);
      const oiUsd = notionalUsd(inst, quoteNotional, undefined, receiveTime);
      if (oiUsd === undefined) {
        out.reject(raw, noReferenceReason(inst.symbol, inst.quote, 0));
        continue;
      }
      out.add({ type: 'open_interest', venue, symbol: inst.symbol, base: inst.base, oiBase: baseQty, oiUsd, markPrice, eventTime: receiveTime, receiveTime, source: CONTRACTS_SOURCE }, raw);
      const funding = contractFunding(raw as Record<string, unknown>, inst.symbol, inst.base, markPrice, receiveTime);
      if (typeof funding === 'string') out.reject(raw, funding);
      else if (funding !== undefined && fundingGate.admit(funding)) out.add(funding, raw);
    }
    return out.result();
  };

  // Funding in the same contract list (docs "List all futures contracts"): `funding_rate` per `funding_interval`
  // seconds, `funding_next_apply` in seconds, `index_price`. The answer has no time: the receive time stands in.
  const fundingGate = new FundingGate();
  const contractFunding = (row: Record<string, unknown>, symbol: string, base: string, markPrice: number, receiveTime: number): FundingEvent | string | undefined => {
    const { funding_rate: rateText, funding_interval: interval, funding_next_apply: next, index_price: index } = row;
    if (typeof rateText !== 'string' || rateText === '') return undefined;
    const rate = signedDecimal(rateText);
    if (rate === undefined) return `contract ${preview(symbol)}: funding_rate ${preview(rateText)} is not a decimal`;
    if (typeof interval !== 'number' || !(interval > 0 && interval <= 86_400)) return `contract ${preview(symbol)}: funding_interval ${preview(interval)} is not 1 s to 24 h`;
    const nextMs = typeof next === 'number' && Number.isSafeInteger(next) && next > 0 ? next * 1000 : undefined;
    return fundingEvent({
      venue,
      symbol,
      base,
      rate,
      intervalHours: interval / 3_600,
      markPrice,
      indexPrice: typeof index === 'string' ? decimalValue(index) : undefined,
      nextFundingTime: nextMs !== undefined && isEpochMs(nextMs) ? nextMs : undefined,
      eventTime: receiveTime,
      receiveTime,
      source: CONTRACTS_SOURCE,
    });
  };

  const control = (json: unknown): ParseResult => {
    const parsed = ControlReply.safeParse(json);
    if (!parsed.success) return rejectInvalid('control frame', parsed.error);
    const { channel, event, error } = parsed.data;
    if (error) return reject(`${event ?? 'request'} refused on ${channel}: ${error.code ?? 'no code'} ${error.message ?? ''}`.trimEnd());
    // A system notice (an upgrade is about to close the connection) is routine: the socket reconnects by itself.
    if (channel === PONG_CHANNEL || channel === SYSTEM_CHANNEL) return NO_EVENTS;
    if (event === 'subscribe' || event === 'unsubscribe') return NO_EVENTS;
    return reject(`unexpected frame on ${preview(channel)}${event ? ` (event ${preview(event)})` : ''}`);
  };

  return (frame, receiveTime) => {
    run.begin(frame, receiveTime);
    const plain = run.end(readPlainUpdate(frame, plainUpdate, entry));
    if (plain !== undefined) return plain;
    const fast = readLiquidatesFrame(frame);
    const made = fast === undefined ? undefined : fastLiquidations(fast, receiveTime);
    if (made !== undefined) return made;
    const parsed = parseJsonFrame(frame);
    if (!parsed.ok) return parsed;
    const json = parsed.json;
    if (Array.isArray(json)) return contracts(json, receiveTime);
    if (typeof json !== 'object' || json === null) return reject('unknown message shape');
    const msg = json as Record<string, unknown>;
    if (msg.channel === LIQUIDATES_CHANNEL && msg.event === 'update') {
      const update = LiquidatesUpdate.safeParse(msg);
      return update.success ? liquidations(update.data, receiveTime) : rejectInvalid(LIQUIDATES_CHANNEL, update.error);
    }
    if (typeof msg.channel === 'string') return control(msg);
    return reject('unknown message shape');
  };
}
