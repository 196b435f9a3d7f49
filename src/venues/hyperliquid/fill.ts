import { z } from 'zod';
import type { Fidelity, LiquidationEvent, Side } from '../../schema/events.js';
import { DecimalString, decimalValue, isMarketName } from '../fields.js';
import { EntryResults, invalidReason, type ParseResult } from '../venue.js';
import { compileValidator, type CompiledValidator } from '../../schema/validator.js';
import { Fill, FillLiquidation, isPositiveDecimal } from './schema.js';
import { HLP_LIQUIDATORS } from './vaults.js';

/**
 * The one Hyperliquid fill mapper. Every Hyperliquid source that carries fill objects (node
 * `node_fills_by_block` files, third-party fill feeds, `userFills`) goes through `fillToEvent`, so a
 * liquidation is classified the same way whichever source it came from. See docs/venues/hyperliquid.md.
 */


/** Fill without its "> 0" refinements, which JSON Schema cannot state; compiled for asFill on first use (not at start-up). */
const FillShape = Fill.extend({ px: DecimalString, sz: DecimalString, liquidation: FillLiquidation.extend({ markPx: DecimalString }).optional() });
let fillShape: CompiledValidator<typeof FillShape> | undefined;

/**
 * Fill.safeParse's verdict at a fraction of its cost (a cascade block has 20,000 marked fills): the
 * compiled shape, then the refinements by hand. undefined means "ask zod", which also explains why.
 */
export function asFill(raw: unknown): Fill | undefined {
  if (!(fillShape ??= compileValidator(FillShape)).is(raw)) return undefined;
  const f = raw as Fill;
  return isPositiveDecimal(f.px) && isPositiveDecimal(f.sz) && (f.liquidation === undefined || isPositiveDecimal(f.liquidation.markPx)) ? f : undefined;
}

/**
 * `dir` of the fill of a trader whose profitable position was auto-deleveraged. The fill also carries a
 * `liquidation` object naming the underwater account it was closed against, so the `dir` value, not the
 * object, is what tells ADL apart (evidence: docs/venues/hyperliquid.md, "ADL marker").
 */
export const ADL_DIR = 'Auto-Deleveraging';

export interface FillContext {
  receiveTime: number;
  fidelity: Fidelity;
  /** The channel or file family it came from (`node_fills_by_block`, `fills`, …). */
  source: string;
  /** HLP's liquidator vaults, lower case; default HLP_LIQUIDATORS. */
  vaults?: ReadonlySet<string>;
}

export const DEFAULT_VAULTS: ReadonlySet<string> = new Set(HLP_LIQUIDATORS);

/** Addresses are hex; compare without regard to case so a checksummed address still matches. */
export const sameAddress = (a: string, b: string): boolean => a.length === b.length && a.toLowerCase() === b.toLowerCase();

/**
 * Base asset of a Hyperliquid perp name. Builder-deployed (HIP-3) markets are `dex:NAME`: the dex prefix
 * is dropped so `xyz:CRWV` shares its base with `CRWV` elsewhere (the symbol keeps the prefix, so the
 * markets stay apart). `k` coins count 1,000 units of the underlying, the same unit Binance and Bybit call
 * `1000PEPE`, so `kPEPE` → `1000PEPE` and quantities are comparable across venues.
 */
export function hyperliquidBase(coin: string): string {
  const colon = coin.indexOf(':');
  const name = colon >= 0 ? coin.slice(colon + 1) : coin;
  return /^k[A-Z0-9]/.test(name) ? `1000${name.slice(1)}` : name;
}

/**
 * Side of the position this fill closed, i.e. of the liquidated (or auto-deleveraged) position.
 * 1. `startPosition` (the user's size before the fill): its sign is the position itself.
 * 2. `dir` naming one side only (`Close Long`, `Liquidated Cross Long`, `Liquidated Isolated Short`, …).
 * 3. The fill's own side: a forced fill reduces the position, so selling (`A`) closes a long.
 */
export function closedPositionSide(fill: Pick<Fill, 'startPosition' | 'dir' | 'side'>): Side {
  const start = fill.startPosition === undefined ? 0 : Number(fill.startPosition);
  if (start > 0) return 'long';
  if (start < 0) return 'short';
  const long = /\bLong\b/.test(fill.dir);
  const short = /\bShort\b/.test(fill.dir);
  if (long !== short) return long ? 'long' : 'short';
  return fill.side === 'A' ? 'long' : 'short';
}

/** One id per (trade, account): both sides of a trade share `tid`, and a trade id alone would merge them. */
export const fillEventId = (tid: number, user: string): string => `hyperliquid:${tid}:${user.toLowerCase()}`;

function isCountedFill(user: string, fill: Pick<Fill, 'dir' | 'liquidation'>): boolean {
  if (fill.dir === ADL_DIR) return true;
  return fill.liquidation !== undefined && sameAddress(user, fill.liquidation.liquidatedUser);
}

/**
 * `user`'s fill → event, or undefined when the fill is not one to count.
 * - ADL (`dir` = "Auto-Deleveraging"): kind `adl`, whatever the liquidation object says.
 * - Otherwise only the liquidated account's own fill counts (kind `backstop` for `method: "backstop"`,
 *   else `liquidation`); the counterparty's fill carries the same object and yields nothing, so each
 *   liquidation is counted once however many sources show both sides.
 * - When the liquidated account is one of HLP's liquidator vaults, kind `vault`: the position is inventory
 *   the vault took over in an earlier backstop, which was counted then (as the original account's
 *   liquidation); counting its ADL or liquidation again would count the same exposure twice.
 * price = `px`, qty = `sz` (coins; for `k` coins thousands of coins, priced per thousand), notional =
 * px × sz in USDC, counted 1:1 as USD.
 */
export function fillToEvent(user: string, fill: Fill, ctx: FillContext): LiquidationEvent | undefined {
  if (!isCountedFill(user, fill)) return undefined;
  const vault = (ctx.vaults ?? DEFAULT_VAULTS).has(user.toLowerCase());
  const kind = fill.dir === ADL_DIR ? 'adl' : vault ? 'vault' : fill.liquidation?.method === 'backstop' ? 'backstop' : 'liquidation';
  const price = Number(fill.px);
  const qty = Number(fill.sz);
  return {
    type: 'liquidation',
    id: fillEventId(fill.tid, user),
    venue: 'hyperliquid',
    symbol: fill.coin,
    base: hyperliquidBase(fill.coin),
    side: closedPositionSide(fill),
    price,
    qty,
    notionalUsd: price * qty,
    eventTime: fill.time,
    receiveTime: ctx.receiveTime,
    fidelity: ctx.fidelity,
    kind,
    source: ctx.source,
  };
}

/**
 * `[user, fill]` pairs → events. Only fills carrying a liquidation object or the ADL marker are validated:
 * they are a small share of all fills, and an ordinary trade never becomes an event. A marked fill that
 * does not validate is dead-lettered on its own (its pair's JSON text, with its place in the message), so a
 * format change is loud instead of an undercount, and the batch's other liquidations still count.
 */
export function fillPairsToResult(pairs: readonly (readonly [string, unknown])[], ctx: FillContext, what: string, places?: readonly number[]): ParseResult {
  const out = new EntryResults(`${what} liquidation`);
  // A caller that passes only some pairs (node-block.ts's scan) names each by its place in the message.
  for (let i = 0; i < pairs.length; i++) addFillPair(out, pairs[i]!, ctx, what, places?.[i] ?? i);
  return out.result();
}

/** One `[user, fill]` pair of fillPairsToResult, at `place` in its message: its event added to `out`, or the pair dead-lettered. */
export function addFillPair(out: EntryResults, pair: readonly [string, unknown], ctx: FillContext, what: string, place: number): void {
  const [user, raw] = pair;
  if (!carriesMarker(raw)) return;
  let fill = asFill(raw);
  if (fill === undefined) {
    const parsed = Fill.safeParse(raw);
    if (!parsed.success) {
      out.reject(pair, invalidReason(`${what} fill ${place}`, parsed.error));
      return;
    }
    fill = parsed.data;
  }
  if (!isMarketName(fill.coin)) {
    out.reject(pair, `invalid ${what} fill ${place}: coin ${JSON.stringify(fill.coin)}`);
    return;
  }
  const event = fillToEvent(user, fill, ctx);
  // px × sz of two valid decimals can still overflow: add() refuses such an event.
  if (event) out.add(event, pair);
}

function carriesMarker(raw: unknown): boolean {
  if (typeof raw !== 'object' || raw === null) return true; // not a fill at all: let validation say so
  const f = raw as { liquidation?: unknown; dir?: unknown };
  return f.liquidation !== undefined || f.dir === ADL_DIR;
}
