import type { Market } from './market.js';
import type { z } from 'zod';
import type { ManagedSocketHooks, ManagedSocketOptions } from '../connection/managed-socket.js';
import type { VenueConfig } from './venue-config.js';
import { compileValidator, describeIssues } from '../schema/validator.js';
import { FundingEvent, LiquidationEvent, MARKET_SYMBOL, OpenInterestEvent, VENUE_ID, type Fidelity, type NormalizedEvent, type VenueId } from '../schema/events.js';
import { clip, preview } from './fields.js';

/**
 * One entry of a message (a liquidation of a batch, a row of a list) that was refused while the rest of the
 * message was used: its JSON text and why. The ingestor counts it (liqstream_bad_entries_total) and
 * dead-letters it on its own.
 */
export interface EntryRejection {
  entry: string;
  reason: string;
}

/**
 * Outcome of parsing one raw frame. `events` may be empty for control frames (subscribe replies, pongs).
 * A frame that cannot be understood is `{ ok: false }`: the caller counts it and routes it to the dead-letter topic.
 * A frame that was understood but holds entries that cannot be used (an instrument without a contract value, a
 * row that fails its schema) yields the events of every other entry and lists the refused ones in `rejected`,
 * which is absent when there are none (the common case allocates nothing for it).
 */
export type ParseResult = { ok: true; events: NormalizedEvent[]; rejected?: EntryRejection[] } | { ok: false; reason: string };

/** Pure: the same frame text and receive time always give the same result. */
export type FrameParser = (frame: string, receiveTime: number) => ParseResult;

export const NO_EVENTS: ParseResult = Object.freeze({ ok: true, events: [] }) as ParseResult;
/** Reasons quote venue text (topics, error messages); clipped so that a huge frame makes a short reason. */
export const reject = (reason: string): ParseResult => ({ ok: false, reason: clip(reason) });

/**
 * What ManagedSocket puts before a frame whose bytes were not valid UTF-8 (the rest is the frame decoded
 * with replacement characters). No JSON text starts with U+FFFD, so every parser rejects such a frame,
 * and a recording replays the same rejection.
 */
export const INVALID_UTF8_MARK = '\uFFFDinvalid UTF-8\uFFFD';
/** What ManagedSocket puts before the base64 of a frame that should have been gzip and did not inflate. */
export const INVALID_GZIP_MARK = '\uFFFDinvalid gzip\uFFFD';

/**
 * The frame a connector records when one of its sockets has connected and sent its subscriptions: the mark and
 * the socket's name, received at the connection's start. It is no venue text (no JSON starts with U+FFFD), so
 * it travels with the venue's frames (raw topic, recordings) and a replay knows where each connection began:
 * the ingestor takes it, no parser sees it (see src/pipeline/subscribe-history.ts).
 */
export const CONNECTED_MARK = '\uFFFDconnected\uFFFD';
export const connectedFrame = (socket: string): string => CONNECTED_MARK + socket;

/**
 * Tells which frames of one connection are history the venue sends on subscribe (Kraken `trade_snapshot`,
 * dYdX `subscribed`, OKX's first push, Bitget `snapshot`, BitMEX `partial`). A new one is made for every
 * connection, so it may keep state (OKX: the first push of each channel). Must not throw.
 */
export type SnapshotRule = (frame: string) => boolean;

/** JSON.parse that reports failure as a rejected frame instead of throwing. */
export function parseJsonFrame(frame: string): { ok: true; json: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, json: JSON.parse(frame) as unknown };
  } catch {
    const reason = frame.startsWith(INVALID_UTF8_MARK) ? 'invalid UTF-8' : frame.startsWith(INVALID_GZIP_MARK) ? 'invalid gzip' : 'invalid JSON';
    return { ok: false, reason };
  }
}

/**
 * Ids for the entries of one frame: `venue:key`, and for the second identical entry `venue:key#1` and so on. Two
 * liquidations of one market in the same millisecond at the same size and price both count; an occurrence count
 * rather than the entry's index keeps the first copy's id wherever it sits, so a re-sent batch dedups.
 */
export function frameIds(venue: VenueId): (key: string) => string {
  // Most frames hold one entry: the first key is kept on its own, and the map made only for a second.
  let first: string | undefined;
  let seen: Map<string, number> | undefined;
  return (key) => {
    if (first === undefined) {
      first = key;
      return `${venue}:${key}`;
    }
    if (seen === undefined) seen = new Map([[first, 1]]);
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    return n > 0 ? `${venue}:${key}#${n}` : `${venue}:${key}`;
  };
}

/** `parseJsonFrame` for venues whose every frame is a JSON object: anything else is rejected as an unknown shape. */
export function parseJsonObject(frame: string): { ok: true; json: Record<string, unknown> } | { ok: false; reason: string } {
  const parsed = parseJsonFrame(frame);
  if (!parsed.ok) return parsed;
  const json = parsed.json;
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { ok: false, reason: 'unknown message shape' };
  return { ok: true, json: json as Record<string, unknown> };
}

const liquidationEvent = compileValidator(LiquidationEvent);
const openInterestEvent = compileValidator(OpenInterestEvent);
const fundingEvent = compileValidator(FundingEvent);

// Names already found to match a rule (MARKET_SYMBOL, VenueId): a parser sees the same few symbols on every
// frame, so the pattern runs once per name. Bounded: past the cap a new name is tested every time, still exact.
const MAX_KNOWN_NAMES = 4_096;
const knownMarkets = new Set<string>();
const knownVenues = new Set<string>();
function matches(known: Set<string>, rule: RegExp, value: unknown): boolean {
  if (typeof value !== 'string') return false;
  if (known.has(value)) return true;
  if (!rule.test(value)) return false;
  if (known.size < MAX_KNOWN_NAMES) known.add(value);
  return true;
}
const isMarket = (v: unknown): boolean => matches(knownMarkets, MARKET_SYMBOL, v);
const isVenue = (v: unknown): boolean => matches(knownVenues, VENUE_ID, v);
const isPositive = (v: unknown): boolean => typeof v === 'number' && v > 0 && v < Infinity;
const isNonNegative = (v: unknown): boolean => typeof v === 'number' && v >= 0 && v < Infinity;
export const isEpoch = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
const isText = (v: unknown): boolean => typeof v === 'string' && v !== '';

/**
 * Whether an event of `venue` and `symbol` with base `base` passes plainlyValid's checks of those names: a parser
 * that builds many events of one market asks once (and checks the rest of each event itself).
 */
export const plainlyNamed = (venue: string, symbol: string, base: string): boolean => isVenue(venue) && isMarket(symbol) && isMarket(base);

/**
 * The schema's rules for the events parsers build (a perp liquidation, open interest), written out: about a
 * tenth of the compiled check's cost per event, which is most of a small frame's budget. It accepts only what
 * the compiled check accepts (a property test holds it to that); anything else, an on-chain liquidation
 * included, is left to the compiled check, so `checkEvent`'s answer is the same either way.
 */
export function plainlyValid(e: NormalizedEvent): boolean {
  if (e.type === 'liquidation')
    return (
      e.onchain === undefined &&
      isText(e.id) &&
      isVenue(e.venue) &&
      isMarket(e.symbol) &&
      isMarket(e.base) &&
      (e.side === 'long' || e.side === 'short') &&
      isPositive(e.price) &&
      isPositive(e.qty) &&
      isPositive(e.notionalUsd) &&
      isEpoch(e.eventTime) &&
      isEpoch(e.receiveTime) &&
      (e.fidelity === 'complete' || e.fidelity === 'sampled' || e.fidelity === 'partial' || e.fidelity === 'inferred') &&
      (e.kind === 'liquidation' || e.kind === 'adl' || e.kind === 'backstop' || e.kind === 'vault') &&
      isText(e.source)
    );
  if (e.type === 'open_interest')
    return (
      isVenue(e.venue) &&
      isMarket(e.symbol) &&
      isMarket(e.base) &&
      isNonNegative(e.oiBase) &&
      isNonNegative(e.oiUsd) &&
      isPositive(e.markPrice) &&
      isEpoch(e.eventTime) &&
      isEpoch(e.receiveTime) &&
      isText(e.source)
    );
  return false;
}

/**
 * `checkEvent(e) === undefined` for a perp liquidation a fast path built, with what the caller settled once: `named`
 * (plainlyNamed of its market and base) and `receiveOk` (isEpoch of the frame's receive time); its event time must
 * be an epoch by construction (a scanned time of at most 13 digits, or the receive time). The numbers are checked
 * here as plainlyValid checks them; anything else goes to checkEvent.
 */
export const liquidationPasses = (e: LiquidationEvent, named: boolean, receiveOk: boolean): boolean =>
  (named && receiveOk && e.price > 0 && e.price < Infinity && e.qty > 0 && e.qty < Infinity && e.notionalUsd > 0 && e.notionalUsd < Infinity) ||
  checkEvent(e, '') === undefined;

/**
 * The last check of an event a parser built from validated fields: arithmetic on valid inputs can still
 * leave the schema (two finite decimals multiply to Infinity). Written out for the common events
 * (`plainlyValid`), compiled for the rest and for the account of a rejection.
 */
export function checkEvent(event: NormalizedEvent, what: string): string | undefined {
  if (plainlyValid(event)) return undefined;
  const validator =
    event.type === 'liquidation' ? liquidationEvent : event.type === 'open_interest' ? openInterestEvent : event.type === 'funding' ? fundingEvent : undefined;
  if (validator === undefined || validator.is(event)) return undefined;
  return clip(`invalid ${what}: ${validator.explain(event)}`);
}

/**
 * What a fast path's entries make: every event, or undefined (the frame declined) as soon as one entry is refused,
 * by the entry-to-event step the full path shares (a reason) or by `checkEvent`; the full path then reads the frame
 * and dead-letters that entry on its own. `make` gives undefined for an entry that makes no event.
 */
export function fastEvents<T>(entries: readonly T[], make: (entry: T) => NormalizedEvent | NormalizedEvent[] | string | undefined): ParseResult | undefined {
  const events: NormalizedEvent[] = [];
  for (const entry of entries) {
    const made = make(entry);
    if (made === undefined) continue;
    if (typeof made === 'string') return undefined;
    for (const event of Array.isArray(made) ? made : [made]) {
      if (checkEvent(event, '') !== undefined) return undefined;
      events.push(event);
    }
  }
  return events.length === 0 ? NO_EVENTS : { ok: true, events };
}

/** `events` as a result, or the rejection of the first that fails `checkEvent`. */
export function checkedResult(events: NormalizedEvent[], what: string): ParseResult {
  for (const event of events) {
    const problem = checkEvent(event, what);
    if (problem !== undefined) return reject(problem);
  }
  return events.length === 0 ? NO_EVENTS : { ok: true, events };
}

/** Why a value failed its schema: `invalid <what>: <issues>` (of a whole frame, or of one entry). */
export const invalidReason = (what: string, error: z.ZodError): string => `invalid ${what}: ${describeIssues(error)}`;
export const rejectInvalid = (what: string, error: z.ZodError): ParseResult => reject(invalidReason(what, error));

/**
 * An entry's JSON text for its dead letter (the ingestor cuts it as it cuts a frame). Never throws: an entry
 * JSON.parse built can still be too deep for JSON.stringify's recursion.
 */
export function entryText(raw: unknown): string {
  try {
    const text = JSON.stringify(raw) as string | undefined;
    if (text !== undefined) return text;
  } catch {
    // fall through
  }
  return clip(`(entry not serialisable: ${preview(raw)})`);
}

export const entryRejection = (raw: unknown, reason: string): EntryRejection => ({ entry: entryText(raw), reason: clip(reason) });

/** `result` with `earlier` refusals (entries refused before the rest were handed on) ahead of its own. */
export function withRejected(result: ParseResult, earlier: EntryRejection[] | undefined): ParseResult {
  if (earlier === undefined || !result.ok) return result;
  return { ok: true, events: result.events, rejected: [...earlier, ...(result.rejected ?? [])] };
}

/**
 * One message's results, entry by entry: every event that passes `checkEvent` counts, every entry that cannot be
 * used is rejected on its own with its reason, and the message's other entries still count. Rejections of the
 * whole message (an envelope that fails its schema, an unknown channel) stay `reject(…)`.
 */
export class EntryResults {
  readonly events: NormalizedEvent[] = [];
  private rejected: EntryRejection[] | undefined;

  constructor(private readonly what: string) {}

  /** The event made from `raw`, or `raw` rejected when the event leaves the schema (arithmetic overflow). */
  add(event: NormalizedEvent, raw: unknown): void {
    const problem = checkEvent(event, this.what);
    if (problem === undefined) this.events.push(event);
    else this.reject(raw, problem);
  }

  reject(raw: unknown, reason: string): void {
    (this.rejected ??= []).push(entryRejection(raw, reason));
  }

  /** `raw` as its schema reads it, or undefined once it is refused with the schema's reason (`invalid <what>: …`). */
  read<S extends z.ZodType>(schema: S, raw: unknown, what: string): z.infer<S> | undefined {
    const parsed = schema.safeParse(raw);
    if (parsed.success) return parsed.data;
    this.reject(raw, invalidReason(what, parsed.error));
    return undefined;
  }

  result(): ParseResult {
    if (this.rejected !== undefined) return { ok: true, events: this.events, rejected: this.rejected };
    return this.events.length === 0 ? NO_EVENTS : { ok: true, events: this.events };
  }
}

/** How a managed connection keeps one venue socket alive. Implemented once per venue. */
export interface SocketPlan {
  venue: VenueId;
  /** A short label for logs and metrics when a venue uses several sockets (shards). */
  name: string;
  url: string;
  /** Frames to send after every (re)connect, in order. */
  subscribe: string[];
  /** Application-level ping text (e.g. Bybit's {"op":"ping"}); when absent, WebSocket ping control frames are used. */
  appPing?: () => string;
  pingIntervalMs: number;
  /** No frame and no pong for this long means the connection is dead. */
  silenceTimeoutMs: number;
  /** Replace the connection before the venue cuts it (Binance: 24 h). */
  maxConnectionMs?: number;
  /** Recognise a subscribe reply that reports failure; returns the error text. */
  subscribeError?: (frame: string) => string | undefined;
  /**
   * How the venue encodes binary frames: `gzip` (HTX compresses every frame) is inflated before the
   * UTF-8 check, so parsers and recordings see JSON text. Absent: a binary frame is passed on as base64.
   */
  decode?: 'gzip';
  /**
   * A frame to send back at once when the venue asks for one (HTX's server ping wants its pong; Deribit's heartbeat
   * `test_request` must be answered or the venue closes the connection). Runs on every frame and must not throw.
   */
  reply?: (frame: string) => string | undefined;
  /** HTTP headers of the WebSocket handshake (Gate's `X-Gate-Size-Decimal` asks for exact decimal sizes). */
  headers?: Record<string, string>;
}

/**
 * What parsing needs to know about a venue's markets (e.g. Binance COIN-M contract values).
 * Fetched once at start by `discover`, stored in recordings so a replay needs no network.
 */
export interface VenueMetadata {
  /** USD value of one contract, by symbol. */
  contractUsd?: Record<string, number>;
  /** Symbols (or coins) to subscribe to, for venues that need one subscription per market. */
  symbols?: string[];
  /**
   * Set when a venue that subscribes per market watches a built-in subset because its market list
   * could not be read (discovery off or failed): its events say fidelity `partial`, and its totals
   * are a lower bound, while `active`. Mutable: a later successful refresh clears it. `refused`: the venue
   * refused some subscriptions (dYdX past its per-connection limit), set from its replies while that lasts.
   */
  partial?: { active: boolean; refused?: boolean };
  /**
   * Instruments by symbol as the venue listed them (quote, settle, contract value; see instruments.ts). Written
   * to a recording's metadata.json, so a replay values markets as the live run did.
   */
  instruments?: Record<string, import('./instruments.js').Instrument>;
  /** Hyperliquid: HLP's liquidator vaults as the venue listed them at discovery (vaultDetails). */
  liquidators?: string[];
  /** On-chain venues: per chain, contracts, tokens, price feeds and protocol facts (src/venues/evm/metadata.ts). */
  evm?: import('./evm/metadata.js').EvmMetadata;
}

export interface VenueContext {
  log: import('../log.js').Logger;
  /** Venue endpoint override from config (tests point it at a local server). */
  url?: string;
  /** REST base URL override (open-interest polling, discovery). */
  restUrl?: string;
  /** The venue's own config block, for options only that venue has (e.g. Hyperliquid's source). */
  options?: Record<string, unknown>;
  /** On-chain venues: the RPC endpoint per chain and how ranges are read (config `evm`). */
  evm?: import('./evm/rpc/settings.js').EvmSettings;
  /** Solana venues: the RPC endpoints per cluster and the connection's timing (config `solana`). */
  solana?: import('./solana/settings.js').SolanaSettings;
}

/** What a venue's pollers need beyond the context: where frames go and shared rate budgets. */
export interface PollerContext extends VenueContext {
  sink: FrameSink;
  /** One budget per key for the whole process (e.g. Binance USD-M and COIN-M share one). */
  budget(key: string): import('../connection/weight-budget.js').WeightBudget;
  /** Poll interval from config; 0 disables polling. */
  intervalMs: number;
}

export interface Poller {
  stop(): Promise<void>;
}

/**
 * What people and programs are told about a venue: everything outside its folder (report colours, the
 * live page, coverage, the README table) reads it from here, so adding a venue edits no other file.
 */
export interface VenueAbout {
  /** Shown in reports and on the live page, e.g. 'Bybit USDT/USDC perpetuals and futures'. */
  name: string;
  /** The exchange, as keyed in src/venues/coverage.ts (one exchange may have several venue ids). */
  exchange: string;
  /** '#rrggbb' for charts. */
  colour: string;
  /** What its liquidation source normally is (events say what each one is). */
  fidelity: Fidelity;
  /** Repository path of the venue's page: what it sees and what it misses. */
  doc: string;
  /** `lending` for an on-chain lending protocol (kept apart from perps in every total); absent means `perp`. See market.ts. */
  market?: Market;
}

/**
 * A connection a venue runs itself (`VenueModule.connect`), seen by the connectors as they see a ManagedSocket:
 * health, since when it has not watched the venue whole, why, and stop.
 */
export interface VenueConnection {
  readonly connected: boolean;
  readonly downSinceMs: number | undefined;
  readonly downBecause: string | undefined;
  stop(): Promise<void>;
}

/** What `VenueModule.connect` gets: the venue's context, and the hooks of each connection it opens. */
export interface ConnectorContext extends VenueContext {
  /**
   * Registers a connection (health, gaps, restart gap) and returns the hooks its frames, gaps and up/down go to,
   * the same a ManagedSocket of a plan gets. The connection is started by the venue after attaching.
   */
  attach(connection: VenueConnection): ManagedSocketHooks;
  /** Reconnect back-off and stability, as for every socket. */
  socketOptions: ManagedSocketOptions;
  /** Counts what a connection does beyond subscribing (`what`: a bounded label), per chain or other sub-label. */
  count(part: string, what: string, n?: number): void;
  /** The last block (or sequence number) a connection has seen, per chain. */
  position(part: string, n: number): void;
}

/** The connector interface every venue implements (one folder per venue). */
/** Buckets of a splittable venue's independent frames (`VenueModule.frameClass`), dealt to `replay --workers` threads. */
export const BLOCK_BUCKETS = 256;
/** A frame of a splittable venue: an independent block (its bucket), one with no liquidation, or one that may repeat a block's. */
export type FrameClass = { block: number } | 'quiet' | 'fills';

export interface VenueModule {
  venue: VenueId;
  about: VenueAbout;
  /** Strict schema of the venue's config block; default `venueConfig()` (the common keys only). */
  config?: z.ZodType<VenueConfig, unknown>;
  /** Network: markets and metadata. May fail; the caller decides whether to continue without. */
  discover(ctx: VenueContext): Promise<VenueMetadata>;
  parser(meta: VenueMetadata, ctx: VenueContext): FrameParser;
  plans(meta: VenueMetadata, ctx: VenueContext): SocketPlan[];
  /** REST pollers for what no stream carries (Binance open interest). */
  pollers?(meta: VenueMetadata, ctx: PollerContext): Poller[];
  /**
   * Venues that send history on subscribe: a rule per connection recognising those frames. Their liquidations
   * older than the connection's start less SUBSCRIBE_HISTORY_HORIZON_MS are history, not counted (docs/mapping.md).
   */
  snapshots?(): SnapshotRule;
  /**
   * Venues whose connection needs request/response, not only subscribe frames (the EVM chains: eth_getLogs after
   * a reconnect, header reads after a reorg): they open their own connections, each built on ManagedSocket and
   * attached through `ctx.attach`, instead of `plans` (which then return []). docs/adding-a-venue.md.
   */
  connect?(meta: VenueMetadata, ctx: ConnectorContext): VenueConnection[];
  /**
   * Loads what `connect` needs before it is called (an on-chain venue's RPC connection code and the WebSocket
   * library under it), so that the module itself stays cheap to import: a replay or a parse never loads it.
   */
  load?(): Promise<void>;
  /**
   * Venues whose recorded frames include blocks that the parser reads independently of every other frame, each
   * liquidation in exactly one block (Hyperliquid's node blocks): `replay --workers` deals those across threads by
   * bucket; a frame that may carry the same liquidations outside a block ('fills') stops the split. Pure.
   */
  frameClass?(frame: string): FrameClass;
  /**
   * `frameClass` of the frame whose JSON string literal (quotes included) is `bytes[start, end)` as far as the
   * literal's head can tell without decoding it (the decoded frame may still be 'fills': its decoder checks),
   * or undefined when only the decoded frame can say: the `--workers` reader reads bytes.
   */
  frameClassEscaped?(bytes: Buffer, start: number, end: number): FrameClass | undefined;
  /** Venues that subscribe per market: watch for new listings and hand over sockets for them. */
  watch?(meta: VenueMetadata, ctx: VenueContext, addPlans: (plans: SocketPlan[]) => void): Poller | undefined;
}

/** Where connectors deliver: the ingestor (parse and publish) or a recorder (write to files). */
export interface FrameSink {
  handleFrame(raw: import('../schema/events.js').RawFrame): void | Promise<void>;
  gap(venue: VenueId, from: number, to: number, reason: string): void | Promise<void>;
}
