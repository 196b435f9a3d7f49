import { z } from 'zod';
import { DecimalString } from '../fields.js';

/**
 * OKX v5 raw shapes (docs https://www.okx.com/docs-v5/en/): the public `liquidation-orders` push, the
 * WebSocket event replies, and the REST answers of `GET /api/v5/public/open-interest` and
 * `GET /api/v5/public/instruments`. OKX writes every number and time as a string.
 */

export const LIQUIDATION_CHANNEL = 'liquidation-orders';
/** The instrument types whose liquidations the connector subscribes to and values. */
export const CONTRACT_TYPES = ['SWAP', 'FUTURES'] as const;
export const ContractInstType = z.enum(CONTRACT_TYPES);
export type ContractInstType = z.infer<typeof ContractInstType>;

/** Epoch milliseconds as OKX writes them: a string of at most 13 digits ("1692266434010"). */
export const EpochMsString = z.string().regex(/^[0-9]{1,13}$/, 'expected epoch milliseconds as a string of at most 13 digits');

export const LiquidationDetail = z.object({
  /** The liquidation order's side: `sell` closes a long, `buy` closes a short. */
  side: z.enum(['buy', 'sell']),
  /** `long`/`short` in hedge mode; `net` in one-way mode, where only `side` tells. */
  posSide: z.enum(['long', 'short', 'net']),
  bkPx: DecimalString,
  /** Contracts, for FUTURES and SWAP. */
  sz: DecimalString,
  ts: EpochMsString,
});
export type OkxLiquidationDetail = z.infer<typeof LiquidationDetail>;

/** One instrument's item of a push; its `details` are checked one by one (LiquidationDetail). */
export const LiquidationItem = z.object({
  instId: z.string().min(1),
  instType: ContractInstType,
  details: z.array(z.unknown()),
});

/** The push's envelope; each item (and each detail of an item) is judged on its own, so one bad entry costs only itself. */
export const LiquidationPush = z.object({
  arg: z.object({ channel: z.literal(LIQUIDATION_CHANNEL), instType: z.string() }),
  data: z.array(z.unknown()),
});
export type OkxLiquidationPush = z.infer<typeof LiquidationPush>;

/** `{"event":"subscribe"|"unsubscribe"|"error"|"notice"|"channel-conn-count", …}` (docs "WebSocket" → Subscribe, Notification). */
export const EventReply = z.object({
  event: z.string(),
  code: z.string().optional(),
  msg: z.string().optional(),
  id: z.string().optional(),
});

/** The REST envelope: HTTP 200 with `code` "0" on success, another code and a `msg` on failure. */
export const RestEnvelope = z.object({ code: z.string(), msg: z.string(), data: z.unknown() });

export const OpenInterestRow = z.object({
  instType: z.string(),
  instId: z.string().min(1),
  /** Contracts; in coin; in USD. */
  oi: DecimalString,
  oiCcy: DecimalString,
  oiUsd: DecimalString,
  ts: EpochMsString,
});
/** The answer's rows, each judged on its own (OpenInterestRow). */
export const OpenInterestData = z.array(z.unknown());

/** One row of GET /api/v5/public/instruments for SWAP or FUTURES; other fields are not read. */
export const InstrumentRow = z.object({
  instId: z.string().min(1),
  instType: z.string(),
  /** linear: ctVal in the base coin, priced in the settle (quote) currency; inverse: ctVal in USD (ctValCcy). */
  ctType: z.string(),
  ctVal: z.string(),
  ctValCcy: z.string(),
  settleCcy: z.string(),
  /** 1 for every SWAP and FUTURES contract; ccxt and the docs' notional formula leave it out. */
  ctMult: z.string().optional(),
  state: z.string().optional(),
});
export type OkxInstrumentRow = z.infer<typeof InstrumentRow>;
