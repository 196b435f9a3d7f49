import type { VenueModule } from '../venue.js';
import { HyperliquidConfig } from './config.js';
import { fetchMetaAndAssetCtxs, fetchPerpDexs } from './metaAndAssetCtxs.js';
import { startNodeFillsTail } from './node-fills.js';
import { planHyperliquidSockets } from './plan.js';
import { HLP_LIQUIDATORS, fetchHlpLiquidators } from './vaults.js';
import { createHyperliquidParser, type HyperliquidParserOptions } from './parse.js';
import { hyperliquidEscapedFrameClass, hyperliquidFrameClass } from './frame-class.js';

const sourceOf = (options: Record<string, unknown> | undefined): string => String(options?.source ?? 'public');

/** Used when discovery is off or failed: the largest markets, which also lead the venue's own listing. */
export const DEFAULT_HYPERLIQUID_COINS: readonly string[] = ['BTC', 'ETH', 'SOL', 'HYPE', 'XRP', 'DOGE', 'SUI', 'BNB', 'AVAX', 'LINK', 'kPEPE', 'ENA'];

/**
 * The public-socket connector: `trades` (inferred backstop liquidations) and `activeAssetCtx` (open
 * interest) for every listed coin. The complete source, a node's `node_fills_by_block` files, is not a
 * socket: see `startNodeFillsTail` in node-fills.ts.
 */
export function hyperliquidVenue(parserOptions: HyperliquidParserOptions = {}): VenueModule {
  return {
    venue: 'hyperliquid',
    about: { name: 'Hyperliquid perpetuals (incl. HIP-3 dexes)', exchange: 'hyperliquid', colour: '#2a9d8f', fidelity: 'inferred', doc: 'docs/venues/hyperliquid.md' },
    config: HyperliquidConfig,
    frameClass: hyperliquidFrameClass,
    frameClassEscaped: hyperliquidEscapedFrameClass,
    async discover({ restUrl, log, options }) {
      const { coins, events } = await fetchMetaAndAssetCtxs({ baseUrl: restUrl });
      // Builder-deployed (HIP-3) dexes: their liquidations are in the node's fills, so their open interest
      // (activeAssetCtx per `dex:COIN`) belongs in the venue total too. Their failure is not the main dex's.
      try {
        for (const dex of await fetchPerpDexs({ baseUrl: restUrl })) {
          const more = await fetchMetaAndAssetCtxs({ baseUrl: restUrl, dex });
          coins.push(...more.coins);
          events.push(...more.events);
        }
      } catch (err) {
        log.warn({ venue: 'hyperliquid', err: (err as Error).message }, 'builder-deployed dexes could not be listed; their open interest is left out');
      }
      // The venue lists coins in listing order; the subscription budget should go to the largest markets.
      const oiUsd = new Map(events.map((e) => [e.symbol, e.oiUsd]));
      const symbols = [...coins].sort((a, b) => (oiUsd.get(b) ?? 0) - (oiUsd.get(a) ?? 0));
      // The liquidator vaults change over time; the venue's own list beats any built-in one. Its failure
      // is not the markets' failure: the configured (or built-in) list stays.
      const configured = configuredLiquidators(options) ?? HLP_LIQUIDATORS;
      try {
        const liquidators = await fetchHlpLiquidators({ baseUrl: restUrl });
        const stale = configured.filter((a) => !liquidators.includes(a.toLowerCase()));
        const added = liquidators.filter((a) => !configured.some((c) => c.toLowerCase() === a));
        if (stale.length > 0 || added.length > 0) log.warn({ venue: 'hyperliquid', stale, added }, 'liquidator vaults differ from the configured list; using the venue\'s');
        return { symbols, liquidators };
      } catch (err) {
        log.warn({ venue: 'hyperliquid', err: (err as Error).message }, 'liquidator vaults could not be read; using the configured list');
        return { symbols };
      }
    },
    parser(meta, { options }) {
      const given = parserOptions.liquidators;
      const fallback = configuredLiquidators(options);
      const builtIn = typeof given === 'function' ? given : () => given ?? HLP_LIQUIDATORS;
      // Read per frame: the refresh in `watch` replaces meta.liquidators.
      return createHyperliquidParser({ ...parserOptions, liquidators: () => meta.liquidators ?? fallback ?? builtIn() });
    },
    watch(meta, { restUrl, log, options }) {
      // The liquidator list is re-read every refreshMs with discovery on; off, the configured list stands.
      const intervalMs = Number(options?.refreshMs ?? 0);
      if (intervalMs <= 0 || options?.discover === false) return undefined;
      const abort = new AbortController();
      let timer: NodeJS.Timeout | undefined;
      const refresh = async (): Promise<void> => {
        try {
          const listed = await fetchHlpLiquidators({ baseUrl: restUrl, signal: abort.signal });
          const known = meta.liquidators ?? [];
          if (!abort.signal.aborted && (listed.length !== known.length || listed.some((a, i) => a !== known[i]))) {
            log.info({ venue: 'hyperliquid', liquidators: listed, before: known }, 'liquidator vaults changed');
            meta.liquidators = listed;
          }
        } catch (err) {
          if (!abort.signal.aborted) log.warn({ venue: 'hyperliquid', err: (err as Error).message }, 'liquidator vault refresh failed; keeping the list');
        }
        if (!abort.signal.aborted) timer = setTimeout(() => void refresh(), intervalMs);
      };
      timer = setTimeout(() => void refresh(), intervalMs);
      return {
        stop: async () => {
          abort.abort();
          clearTimeout(timer);
        },
      };
    },
    plans(meta, { url, log, options }) {
      const source = sourceOf(options);
      // With a complete source, the public trades would only repeat (inferred) what it already shows.
      const channels = source === 'public' ? undefined : (['activeAssetCtx'] as const);
      const { plans, dropped } = planHyperliquidSockets(meta.symbols ?? DEFAULT_HYPERLIQUID_COINS, { url, channels: channels && [...channels] });
      if (dropped.length > 0) log.warn({ venue: 'hyperliquid', dropped: dropped.length, first: dropped.slice(0, 10) }, 'subscription budget exhausted; coins not watched');
      if (source === 'fills-ws')
        plans.push({
          venue: 'hyperliquid',
          name: 'hyperliquid-fills',
          url: String(options?.fillsUrl),
          subscribe: [],
          pingIntervalMs: 20_000,
          silenceTimeoutMs: 60_000,
        });
      return plans;
    },
    pollers(_meta, { options, sink, log }) {
      if (sourceOf(options) !== 'node') return [];
      return [startNodeFillsTail({ dir: String(options?.nodeDir), sink, log })];
    },
  };
}

function configuredLiquidators(options: Record<string, unknown> | undefined): string[] | undefined {
  const list = options?.liquidators;
  return Array.isArray(list) ? list.filter((a): a is string => typeof a === 'string') : undefined;
}
