import { z } from 'zod';
import type { OpenInterestEvent } from '../../schema/events.js';
import { isMarketName } from '../fields.js';
import { hyperliquidBase } from './fill.js';
import { MetaAndAssetCtxs, PerpDexs } from './schema.js';

export { HYPERLIQUID_REST_URL } from './vaults.js';
import { HYPERLIQUID_REST_URL } from './vaults.js';



export interface HyperliquidMarkets {
  /** Listed (not delisted) perp names, in the venue's order: what to subscribe to. */
  coins: string[];
  /** Open interest of every listed perp, valued at its mark price. */
  events: OpenInterestEvent[];
}

export const OI_REST_SOURCE = 'metaAndAssetCtxs';

/**
 * Open interest is in coins (for `k` coins, thousands of coins), so USD = openInterest × markPx.
 * The response has no timestamp: the event time is when it was received.
 * `dex` names a builder-deployed dex whose universe names may come without their `dex:` prefix.
 */
/** Hyperliquid open interest is in coins; its messages carry no time, so the receive time stands in. */
export function hyperliquidOpenInterest(coin: string, oi: number, mark: number, receiveTime: number, source: string): OpenInterestEvent {
  return {
    type: 'open_interest',
    venue: 'hyperliquid',
    symbol: coin,
    base: hyperliquidBase(coin),
    oiBase: oi,
    oiUsd: oi * mark,
    markPrice: mark,
    eventTime: receiveTime,
    receiveTime,
    source,
  };
}

export function marketsFromMetaAndAssetCtxs(data: MetaAndAssetCtxs, receiveTime: number, dex?: string): HyperliquidMarkets {
  const [meta, ctxs] = data;
  if (meta.universe.length !== ctxs.length) throw new Error(`metaAndAssetCtxs: ${meta.universe.length} markets but ${ctxs.length} contexts`);
  const coins: string[] = [];
  const events: OpenInterestEvent[] = [];
  meta.universe.forEach((asset, i) => {
    if (asset.isDelisted || !isMarketName(asset.name)) return;
    const coin = dex && !asset.name.includes(':') ? `${dex}:${asset.name}` : asset.name;
    coins.push(coin);
    const ctx = ctxs[i]!;
    const oi = Number(ctx.openInterest);
    const mark = Number(ctx.markPx);
    // No price to value it at (pre-launch or halted market), or values whose product does not fit a double.
    if (!(mark > 0 && oi >= 0 && Number.isFinite(oi * mark))) return;
    events.push(hyperliquidOpenInterest(coin, oi, mark, receiveTime, OI_REST_SOURCE));
  });
  return { coins, events };
}

export interface FetchMarketsOptions {
  /** REST base URL (tests: a local server). */
  baseUrl?: string;
  /** A builder-deployed (HIP-3) dex; the main dex when absent. */
  dex?: string;
  fetchImpl?: typeof fetch;
  signal?: AbortSignal;
  now?: () => number;
}

/** The request body; also what a poller would send. */
export const metaAndAssetCtxsRequest = (dex?: string): string => JSON.stringify(dex ? { type: 'metaAndAssetCtxs', dex } : { type: 'metaAndAssetCtxs' });

/** Listed coins and their open interest. Throws on network, HTTP or format errors (discovery decides what to do). */
export async function fetchMetaAndAssetCtxs(o: FetchMarketsOptions = {}): Promise<HyperliquidMarkets> {
  const doFetch = o.fetchImpl ?? fetch;
  const url = `${(o.baseUrl ?? HYPERLIQUID_REST_URL).replace(/\/+$/, '')}/info`;
  const res = await doFetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: metaAndAssetCtxsRequest(o.dex),
    signal: o.signal,
  });
  if (!res.ok) throw new Error(`metaAndAssetCtxs: HTTP ${res.status}`);
  const receiveTime = (o.now ?? Date.now)();
  const parsed = MetaAndAssetCtxs.safeParse(await res.json());
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`metaAndAssetCtxs: unexpected response: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`);
  }
  return marketsFromMetaAndAssetCtxs(parsed.data, receiveTime, o.dex);
}


/** Names of the builder-deployed (HIP-3) perp dexes. Throws on network, HTTP or format errors. */
export async function fetchPerpDexs(o: Omit<FetchMarketsOptions, 'dex' | 'now'> = {}): Promise<string[]> {
  const doFetch = o.fetchImpl ?? fetch;
  const res = await doFetch(`${(o.baseUrl ?? HYPERLIQUID_REST_URL).replace(/\/+$/, '')}/info`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'perpDexs' }),
    signal: o.signal,
  });
  if (!res.ok) throw new Error(`perpDexs: HTTP ${res.status}`);
  const parsed = PerpDexs.safeParse(await res.json());
  if (!parsed.success) throw new Error('perpDexs: unexpected response');
  return parsed.data.flatMap((d) => (d ? [d.name] : []));
}
