import type { Fidelity, LiquidationEvent, NormalizedEvent } from '../../schema/events.js';
import { clip, isMarketName, preview } from '../fields.js';
import {
  EntryResults,
  NO_EVENTS,
  checkedResult,
  entryRejection,
  invalidReason,
  reject,
  rejectInvalid,
  withRejected,
  type EntryRejection,
  type FrameParser,
  type ParseResult,
  parseJsonFrame,
} from '../venue.js';
import { fillEventId, fillPairsToResult, hyperliquidBase } from './fill.js';
import { readActiveAssetCtxFrame, readTradesFrame, type AssetCtxFields } from './fast-frame.js';
import { ActiveAssetCtx, FillItem, FillItems, MetaAndAssetCtxs, PositiveDecimal, WsTrade } from './schema.js';
import { hyperliquidOpenInterest, marketsFromMetaAndAssetCtxs } from './metaAndAssetCtxs.js';
import { FundingGate, fundingEvent, nextHour, signedDecimal } from '../funding.js';
import { nodeFillsBlockToResult, orScanned, scanNodeBlock } from './node-block.js';
import { createBlockReader } from './fast-block.js';
import { HLP_LIQUIDATORS } from './vaults.js';

export { HLP_LIQUIDATORS } from './vaults.js';

/** Channels of third-party fill feeds whose items are `[user, fill]` or `{user, fill}`. */
export const DEFAULT_FILL_CHANNELS: readonly string[] = ['fills', 'allFills', 'liquidationFills'];

export interface HyperliquidParserOptions {
  /**
   * HLP's liquidator vaults (default HLP_LIQUIDATORS): their trades reveal backstop liquidations on the
   * public `trades` channel, and a fill liquidating one of them is kind `vault` on every source. A function
   * is read on every frame (a refresh replaces the list it returns; a new array is a new list).
   */
  liquidators?: readonly string[] | (() => readonly string[]);
  /**
   * Count a liquidator trade only when the liquidator was the taker. A backstop transfer fills the
   * liquidator as taker; ADL against it and passive unwinding fill it as maker, and those are not new
   * liquidations. Off: every liquidator trade counts. (Taker trades that reduce the vault's inventory are
   * unwinds whatever this says: see `trades` below.)
   */
  liquidatorMustTake?: boolean;
  /** Channel names treated as fill feeds. */
  fillChannels?: readonly string[];
  /** What the configured fill feed shows: `complete` for an all-fills feed. */
  fillsFidelity?: Fidelity;
  /**
   * `activeAssetCtx` arrives many times a second per coin; at most one open-interest event per coin per
   * this many ms (receive time) goes on. 0: every one.
   */
  oiMinIntervalMs?: number;
}



export const TRADES_SOURCE = 'trades';
export const ACTIVE_ASSET_CTX_SOURCE = 'activeAssetCtx';

/**
 * One parser for every Hyperliquid frame: the public socket (`trades`, `activeAssetCtx`, control
 * replies), third-party fill feeds (`{"channel":"fills","data":[[user, fill], …]}` or `{user, fill}`
 * items), a node `node_fills_by_block` line (so tailed and recorded node files replay through the same
 * path) and a `metaAndAssetCtxs` REST response (`[meta, ctxs]`).
 */
export function createHyperliquidParser(opts: HyperliquidParserOptions = {}): FrameParser {
  const configured = opts.liquidators;
  const listOf = typeof configured === 'function' ? configured : () => configured ?? HLP_LIQUIDATORS;
  let list: readonly string[] | undefined;
  let vaults: ReadonlySet<string> = new Set();
  // The set is rebuilt only when the list is a new array: one identity check per frame.
  const currentVaults = (): ReadonlySet<string> => {
    const now = listOf();
    if (now !== list) vaults = new Set((list = now).map((a) => a.toLowerCase()));
    return vaults;
  };
  const isLiquidator = (a: unknown): boolean => typeof a === 'string' && vaults.has(a.toLowerCase());
  // The fast path's check of a trade's users: against the list as it is now, as the full path's trades() reads it.
  const isCurrentLiquidator = (user: string): boolean => currentVaults().has(user.toLowerCase());
  // Each vault's position per coin (coins, + long), as the transfers and unwinds seen since start built it.
  // Bounded: at most (vaults × coins with a liquidator trade) entries.
  const inventory = new Map<string, number>();
  const mustTake = opts.liquidatorMustTake ?? true;
  const fillChannels = new Set(opts.fillChannels ?? DEFAULT_FILL_CHANNELS);
  const fillsFidelity = opts.fillsFidelity ?? 'complete';
  const oiInterval = opts.oiMinIntervalMs ?? 5_000;
  const lastOi = new Map<string, number>();

  const trades = (data: unknown, receiveTime: number): ParseResult => {
    if (!Array.isArray(data)) return reject('trades: data is not a list');
    currentVaults();
    const out = new EntryResults('trade liquidation');
    for (let i = 0; i < data.length; i++) {
      const raw = data[i] as { users?: unknown } | null;
      // Most trades never involve a liquidator: only those are validated.
      if (!Array.isArray(raw?.users) || !raw.users.some(isLiquidator)) continue;
      // Trade by trade: a liquidator trade that cannot be read is dead-lettered on its own and moves no inventory.
      const t = out.read(WsTrade, raw, `trade ${i}`);
      if (t === undefined) continue;
      if (!isMarketName(t.coin)) {
        out.reject(raw, `invalid trade ${i}: coin ${JSON.stringify(t.coin)}`);
        continue;
      }
      const [buyer, seller] = t.users;
      const liquidatorBought = isLiquidator(buyer);
      // Between two liquidator vaults no outside position changes hands.
      if (liquidatorBought === isLiquidator(seller)) continue;
      const vault = (liquidatorBought ? buyer : seller).toLowerCase();
      const traded = Number(t.sz);
      // A trade that moves the vault's position back towards flat is the vault working off inventory it
      // took over earlier (counted then), not a new transfer: a vault selling its long as taker against an
      // ordinary maker is not that maker's liquidated short. Only what takes the vault's position further
      // from flat (or across it) is a position taken over. Inventory from before the first trade seen is
      // unknown, so an unwind of it right after start still counts (docs/venues/hyperliquid.md, blind spots).
      const key = `${vault}|${t.coin}`;
      const held = inventory.get(key) ?? 0;
      const signed = liquidatorBought ? traded : -traded;
      const reduces = held !== 0 && Math.sign(held) !== Math.sign(signed) ? Math.min(Math.abs(held), traded) : 0;
      const qty = traded - reduces;
      if (qty > 0 && !(mustTake && (t.side === 'B') !== liquidatorBought)) {
        const liquidated = liquidatorBought ? seller : buyer;
        const price = Number(t.px);
        const event: LiquidationEvent = {
          type: 'liquidation',
          // Same id as the liquidated account's node fill, so the two sources of one liquidation dedupe.
          id: fillEventId(t.tid, liquidated),
          venue: 'hyperliquid',
          symbol: t.coin,
          base: hyperliquidBase(t.coin),
          // The liquidator takes the position over: buying from the account means a long was liquidated.
          side: liquidatorBought ? 'long' : 'short',
          price,
          qty,
          notionalUsd: price * qty,
          eventTime: t.time,
          receiveTime,
          fidelity: 'inferred',
          kind: 'backstop',
          source: TRADES_SOURCE,
        };
        // px × sz of two valid decimals can still overflow: such a trade is refused and moves no inventory.
        const counted = out.events.length;
        out.add(event, raw);
        if (out.events.length === counted) continue;
      }
      inventory.set(key, held + signed);
    }
    return out.result();
  };

  const activeAssetCtx = ({ coin, openInterest, markPx, funding, oraclePx }: AssetCtxFields, receiveTime: number): ParseResult => {
    if (!isMarketName(coin)) return reject(`invalid activeAssetCtx: coin ${JSON.stringify(coin)}`);
    // Entry by entry: a funding value that cannot be read is dead-lettered on its own, open interest still counts.
    const found = assetFunding(coin, funding, oraclePx, markPx, receiveTime);
    const fundingResult = found.ok ? found : { ok: true as const, events: [], rejected: [entryRejection({ coin, funding, oraclePx }, found.reason)] };
    const last = lastOi.get(coin);
    if (last !== undefined && receiveTime >= last && receiveTime - last < oiInterval) return fundingResult.events.length || fundingResult.rejected ? fundingResult : NO_EVENTS;
    const event = hyperliquidOpenInterest(coin, openInterest, markPx, receiveTime, ACTIVE_ASSET_CTX_SOURCE);
    const result = checkedResult([event], `activeAssetCtx for ${coin}`);
    if (!result.ok) return result;
    lastOi.set(coin, receiveTime);
    return { ok: true, events: [...result.events, ...fundingResult.events], ...(fundingResult.rejected ? { rejected: fundingResult.rejected } : {}) };
  };

  // `funding` is the rate of the hour under way (Hyperliquid funds hourly, on the hour: docs "Funding"); the
  // oracle price is the index it is computed against. Frames carry no time: the receive time stands in.
  const fundingGate = new FundingGate();
  const assetFunding = (coin: string, funding: string | undefined, oraclePx: string | undefined, markPx: number, receiveTime: number): ParseResult => {
    if (funding === undefined) return NO_EVENTS;
    const rate = signedDecimal(funding);
    if (rate === undefined) return reject(`invalid activeAssetCtx for ${coin}: funding ${JSON.stringify(clip(funding))} is not a decimal`);
    const index = signedDecimal(oraclePx);
    const event = fundingEvent({
      venue: 'hyperliquid',
      symbol: coin,
      base: hyperliquidBase(coin),
      rate,
      intervalHours: 1,
      markPrice: markPx,
      indexPrice: index,
      nextFundingTime: nextHour(receiveTime),
      eventTime: receiveTime,
      receiveTime,
      source: ACTIVE_ASSET_CTX_SOURCE,
    });
    if (!fundingGate.admit(event)) return NO_EVENTS;
    return checkedResult([event], `activeAssetCtx funding for ${coin}`);
  };

  const fills = (channel: string, data: unknown, receiveTime: number): ParseResult => {
    const items = FillItems.safeParse(data);
    if (!items.success) return rejectInvalid(`${channel} items`, items.error);
    // Item by item: one that is neither `[user, fill]` nor `{user, fill}` is dead-lettered on its own.
    const pairs: (readonly [string, unknown])[] = [];
    const places: number[] = [];
    let rejected: EntryRejection[] | undefined;
    items.data.forEach((raw, i) => {
      const item = FillItem.safeParse(raw);
      if (!item.success) (rejected ??= []).push(entryRejection(raw, invalidReason(`${channel} item ${i}`, item.error)));
      else {
        pairs.push(Array.isArray(item.data) ? item.data : [item.data.user, item.data.fill]);
        places.push(i);
      }
    });
    return withRejected(fillPairsToResult(pairs, { receiveTime, fidelity: fillsFidelity, source: channel, vaults: currentVaults() }, channel, places), rejected);
  };

  const restMarkets = (json: unknown, receiveTime: number): ParseResult => {
    const parsed = MetaAndAssetCtxs.safeParse(json);
    if (!parsed.success) return rejectInvalid('metaAndAssetCtxs', parsed.error);
    try {
      const events: NormalizedEvent[] = marketsFromMetaAndAssetCtxs(parsed.data, receiveTime).events;
      return { ok: true, events };
    } catch (err) {
      return reject((err as Error).message);
    }
  };

  const readMarkedBlock = createBlockReader();
  const fastCtx: AssetCtxFields = { coin: '', markPx: 0, openInterest: 0, funding: undefined, oraclePx: undefined };
  return (frame, receiveTime) => {
    if (readActiveAssetCtxFrame(frame, fastCtx)) return activeAssetCtx(fastCtx, receiveTime);
    if (readTradesFrame(frame, isCurrentLiquidator)) return NO_EVENTS;
    // A block of marked fills only (a cascade's) is read fill by fill in the node's layout (fast-block.ts); a node
    // block that is mostly ordinary trades is scanned, not parsed whole (node-block.ts), when it can be.
    const marked = readMarkedBlock(frame, currentVaults());
    if (marked) return marked;
    const block = scanNodeBlock(frame, currentVaults());
    if (block) return block;
    const parsed = parseJsonFrame(frame);
    if (!parsed.ok) return orScanned(frame, parsed, currentVaults());
    const json = parsed.json;
    if (Array.isArray(json)) return restMarkets(json, receiveTime);
    if (typeof json !== 'object' || json === null) return reject('unknown message shape');
    const msg = json as { channel?: unknown; data?: unknown; events?: unknown };
    if (msg.channel === undefined) {
      if ('block_number' in msg && 'events' in msg) return nodeFillsBlockToResult(json, currentVaults());
      return reject('unknown message shape');
    }
    if (typeof msg.channel !== 'string') return reject('channel is not a string');
    switch (msg.channel) {
      case 'subscriptionResponse':
      case 'pong':
        return NO_EVENTS;
      case 'error':
        return reject(`venue error: ${typeof msg.data === 'string' ? msg.data : preview(msg.data)}`);
      case 'trades':
        return trades(msg.data, receiveTime);
      case 'activeAssetCtx': {
        const parsed = ActiveAssetCtx.safeParse(msg.data);
        if (!parsed.success) return rejectInvalid('activeAssetCtx', parsed.error);
        const { coin, ctx } = parsed.data;
        const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
        return activeAssetCtx({ coin, openInterest: Number(ctx.openInterest), markPx: Number(ctx.markPx), funding: text(ctx.funding), oraclePx: text(ctx.oraclePx) }, receiveTime);
      }
      default:
        if (fillChannels.has(msg.channel)) return fills(msg.channel, msg.data, receiveTime);
        return reject(`unexpected channel ${JSON.stringify(clip(msg.channel))}`);
    }
  };
}
