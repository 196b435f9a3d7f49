import { z } from 'zod';

/** Version of the normalized schema; travels as the `schema-version` header on every bus message. */
export const SCHEMA_VERSION = 1;

/**
 * A venue id as the registry names it (src/venues/registry.ts). A pattern, not a list, so that a venue is added
 * in its own folder and the registry only, and an aggregator keeps counting what a newer connector publishes.
 * Ids key plain objects, so `constructor` (the one Object.prototype name the pattern allows) is not an id.
 */
export const VENUE_ID = /^(?!constructor$)[a-z][a-z0-9-]{0,31}$/;
export const VenueId = z.string().regex(VENUE_ID, 'expected a venue id such as binance-usdm');
export type VenueId = z.infer<typeof VenueId>;

/** Side of the position that was liquidated (not the side of the liquidation order). */
export const Side = z.enum(['long', 'short']);
export type Side = z.infer<typeof Side>;

/**
 * complete: every liquidation of the venue; sampled: the venue's stream leaves some out (a lower bound);
 * partial: only some markets are watched because the market list could not be read (a lower bound);
 * inferred: derived from indirect evidence (see docs/mapping.md).
 */
export const Fidelity = z.enum(['complete', 'sampled', 'partial', 'inferred']);
export type Fidelity = z.infer<typeof Fidelity>;

/** Why a total of this fidelity is only a lower bound (undefined when it is complete). */
export const LOWER_BOUND_REASON: Record<Fidelity, string | undefined> = {
  complete: undefined,
  sampled: 'the venue samples its stream',
  partial: 'only some markets are watched',
  inferred: 'inferred from indirect evidence (the venue page says which); may over- or under-count',
};

/**
 * How a figure is marked where people read it: `≥` a lower bound (the source samples, or only some markets are
 * watched: the true amount is at least this), `≈` an estimate (inferred from indirect evidence: it may be over or
 * under), nothing when exact. A sum with an inferred part is an estimate (src/report/marks.ts).
 */
export type FigureMark = '' | '≥' | '≈';
const FIGURE_MARK: Record<Fidelity, FigureMark> = { complete: '', sampled: '≥', partial: '≥', inferred: '≈' };
export const figureMark = (fidelity: Fidelity | undefined): FigureMark => (fidelity === undefined ? '' : FIGURE_MARK[fidelity]);
/** What a mark says, in words: `lower bound` or `estimate`. */
export const markWords = (mark: FigureMark): string => (mark === '≈' ? 'estimate' : mark === '≥' ? 'lower bound' : '');

/** A total that includes anything of this fidelity is only a lower bound (undefined: nothing known, nothing missing). */
export const isLowerBound = (fidelity: Fidelity | undefined): boolean => fidelity !== undefined && LOWER_BOUND_REASON[fidelity] !== undefined;

const FIDELITY_RANK: Record<Fidelity, number> = { complete: 0, sampled: 1, partial: 2, inferred: 3 };

/**
 * The fidelity of a sum of parts of fidelity `a` and `b`: the least complete one, so a sum with a
 * sampled part is never reported as complete.
 */
export function lowestFidelity(a: Fidelity | undefined, b: Fidelity): Fidelity;
export function lowestFidelity(a: Fidelity | undefined, b: Fidelity | undefined): Fidelity | undefined;
export function lowestFidelity(a: Fidelity | undefined, b: Fidelity | undefined): Fidelity | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return FIDELITY_RANK[b] > FIDELITY_RANK[a] ? b : a;
}

/**
 * adl: a profitable position closed by auto-deleveraging; never part of liquidation totals.
 * vault: a position held by a venue's liquidator vault (Hyperliquid HLP) closed by liquidation or ADL:
 * inventory already counted when the vault took it over, so never part of liquidation totals either.
 */
export const LiquidationKind = z.enum(['liquidation', 'adl', 'backstop', 'vault']);
export type LiquidationKind = z.infer<typeof LiquidationKind>;

/**
 * A market as the venues name it, which becomes a metric label, an HTML cell and a key of per-symbol state.
 * What venues use: letters and digits (`BTCUSDT`, `1000PEPEUSDT`, `kPEPE`, `币安人生USDT`), joined or dated with
 * `-`, `_`, `:`, `/`, `.` (`BTC-USDT-SWAP`, `BTCUSD_251226`, `BTC-27DEC25`, `FI_XBTUSD_251226`, `tBTCF0:USTF0`,
 * HIP-3 `xyz:XYZ100`, BitMEX `.BXBT`, `PURR/USDC`) and Hyperliquid's spot ids `@107`; 1-64 characters. No space,
 * quote, angle bracket, ampersand, control or symbol character: `<img src=x onerror=alert(1)>USDT` is no market.
 * The `u` flag counts code points in zod and in Ajv alike (validator.ts).
 */
export const MARKET_SYMBOL_RULE = '1-64 letters, digits, combining marks or . _ : / @ -';
export const MARKET_SYMBOL = /^[\p{L}\p{M}\p{N}._:/@-]{1,64}$/u;
export const MarketSymbol = z.string().regex(MARKET_SYMBOL, `expected a market symbol: ${MARKET_SYMBOL_RULE}`);

const positive = z.number().finite().positive();
const nonNegative = z.number().finite().nonnegative();
const epochMs = z.number().int().nonnegative();

/** An EVM chain as config names it (`ethereum`, `arbitrum`, `base`…). */
export const ChainId = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'expected a chain name such as ethereum');
export type ChainId = z.infer<typeof ChainId>;
const hash32 = z.string().regex(/^0x[0-9a-f]{64}$/, 'expected a 32-byte hash in lower-case hex');
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'expected a 20-byte address');
/** Solana spells addresses (32 bytes) and transaction signatures (64 bytes) in base58 (src/venues/solana/). */
const base58 = (min: number, max: number) => z.string().regex(new RegExp(`^[1-9A-HJ-NP-Za-km-z]{${min},${max}}$`), 'expected base58');

/**
 * What an on-chain liquidation (a lending protocol's log; the venue id is the protocol) carries
 * beyond a perp's: where it happened, what was repaid and what was seized. The event's `qty`/`price`/`notionalUsd`
 * are the collateral seized (what published figures such as "$82.17M of wrapped BTC" measure); `debtUsd` is what the
 * liquidator repaid (they differ by the liquidation bonus). Amounts are in token units (decimals applied); USD at
 * the oracle price of the last update before the liquidation. `provisional` until the block has the configured
 * confirmations: a provisional event may later be retracted (RetractionEvent).
 */
export const OnchainLiquidation = z.object({
  chain: ChainId,
  /** EVM: the transaction hash; Solana: the transaction's signature (base58). */
  txHash: z.union([hash32, base58(64, 88)]),
  /** EVM: the log's index in its block; Solana: the instruction's place in its transaction (outer and inner, in order). */
  logIndex: z.number().int().nonnegative(),
  /** EVM: the block number; Solana: the slot. */
  blockNumber: z.number().int().nonnegative(),
  /** EVM only: a Solana transaction's answer does not name its block's hash (the slot names the block). */
  blockHash: hash32.optional(),
  collateralAsset: MarketSymbol,
  collateralToken: z.union([address, base58(32, 44)]),
  collateralAmount: nonNegative,
  collateralUsd: nonNegative,
  debtAsset: MarketSymbol,
  debtToken: z.union([address, base58(32, 44)]),
  debtAmount: nonNegative,
  debtUsd: nonNegative,
  provisional: z.boolean(),
  /** Amounts the log does not state, derived by the parser (≈): Comet's debt split over collaterals, an Euler share rate (docs/mapping.md). */
  inferred: z.array(z.enum(['collateral', 'debt'])).max(2).optional(),
});
export type OnchainLiquidation = z.infer<typeof OnchainLiquidation>;

export const LiquidationEvent = z.object({
  type: z.literal('liquidation'),
  id: z.string().min(1),
  venue: VenueId,
  symbol: MarketSymbol,
  base: MarketSymbol,
  side: Side,
  price: positive,
  qty: positive,
  notionalUsd: positive,
  eventTime: epochMs,
  receiveTime: epochMs,
  fidelity: Fidelity,
  kind: LiquidationKind,
  source: z.string().min(1),
  /** Set on on-chain (lending protocol) liquidations only. */
  onchain: OnchainLiquidation.optional(),
});
export type LiquidationEvent = z.infer<typeof LiquidationEvent>;

/**
 * Whether a liquidation event counts as a liquidation (totals, the live stream, the tape): a forced close by the
 * venue's engine (`liquidation`) or its backstop (`backstop`); ADL and vault fills are kept apart.
 */
export const countedAsLiquidation = (event: Pick<LiquidationEvent, 'kind'>): boolean => event.kind === 'liquidation' || event.kind === 'backstop';

export const OpenInterestEvent = z.object({
  type: z.literal('open_interest'),
  venue: VenueId,
  symbol: MarketSymbol,
  base: MarketSymbol,
  oiBase: nonNegative,
  oiUsd: nonNegative,
  markPrice: positive,
  eventTime: epochMs,
  receiveTime: epochMs,
  source: z.string().min(1),
});
export type OpenInterestEvent = z.infer<typeof OpenInterestEvent>;

/** An interval [from, to) during which a venue had no live, subscribed connection: nothing was seen then. */
export const GapEvent = z.object({
  type: z.literal('gap'),
  venue: VenueId,
  from: epochMs,
  to: epochMs,
  reason: z.string().min(1),
});
export type GapEvent = z.infer<typeof GapEvent>;

/**
 * A venue's funding rate and mark price for one market, as its ticker stream says them (issue 21). `rate` is per
 * the venue's own interval (`intervalHours`: 8 on Binance and Bybit for most markets, 1 on Hyperliquid);
 * `ratePerHour` is the same rate per hour, so venues compare. Never part of liquidation totals.
 */
export const FundingEvent = z.object({
  type: z.literal('funding'),
  venue: VenueId,
  symbol: MarketSymbol,
  base: MarketSymbol,
  rate: z.number().finite(),
  intervalHours: positive,
  ratePerHour: z.number().finite(),
  markPrice: positive.optional(),
  indexPrice: positive.optional(),
  nextFundingTime: epochMs.optional(),
  eventTime: epochMs,
  receiveTime: epochMs,
  source: z.string().min(1),
});
export type FundingEvent = z.infer<typeof FundingEvent>;

/**
 * A liquidation that was counted and must be taken back: its block was orphaned by a reorg (or the node said
 * `removed: true`). It carries the event exactly as it was published, so every consumer (windows, totals, stores)
 * subtracts exactly what it added, and only if it had added it (same id).
 */
export const RetractionEvent = z.object({
  type: z.literal('retraction'),
  venue: VenueId,
  /** The id of the retracted liquidation (equal to `event.id`). */
  id: z.string().min(1),
  event: LiquidationEvent,
  reason: z.enum(['reorg', 'removed']),
  receiveTime: epochMs,
});
export type RetractionEvent = z.infer<typeof RetractionEvent>;

export const NormalizedEvent = z.discriminatedUnion('type', [LiquidationEvent, OpenInterestEvent, GapEvent, FundingEvent, RetractionEvent]);
export type NormalizedEvent = z.infer<typeof NormalizedEvent>;

/** One raw frame as received; also the line format of recordings (format v1). */
export const RawFrame = z.object({
  recv: epochMs,
  venue: VenueId,
  frame: z.string(),
});
export type RawFrame = z.infer<typeof RawFrame>;

/** What goes to the dead-letter topic: the raw text and why it was rejected. */
export const DeadLetter = z.object({
  venue: VenueId,
  recv: epochMs,
  reason: z.string(),
  /** The frame's text, cut to its first 64 Ki characters when longer (see frameChars). */
  frame: z.string(),
  /** Set when `frame` was cut: the whole frame's length in characters. */
  frameChars: z.number().int().min(0).optional(),
  /**
   * Set when `frame` holds one entry of a frame (its JSON text), not the frame: that entry was refused while
   * the frame's other entries were counted.
   */
  entry: z.literal(true).optional(),
});
export type DeadLetter = z.infer<typeof DeadLetter>;

/** When an event happened: a gap's end, a retraction's retracted liquidation, every other event's own time. */
export const eventTimeOf = (e: NormalizedEvent): number => (e.type === 'gap' ? e.to : e.type === 'retraction' ? e.event.eventTime : e.eventTime);

/** The market an event is about (a gap is about a whole venue: undefined). */
export const symbolOf = (e: NormalizedEvent): string | undefined => (e.type === 'gap' ? undefined : e.type === 'retraction' ? e.event.symbol : e.symbol);
