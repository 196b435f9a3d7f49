import { repeat, startRestPoll } from '../rest-poll.js';
import type { Poller, VenueModule } from '../venue.js';
import { memberRule } from '../snapshot-rules.js';
import { DydxConfig } from './config.js';
import { DydxSubscriptionCoverage } from './coverage.js';
import { DEFAULT_DYDX_MARKETS, DYDX_REST_URL, fetchDydxMarkets } from './instruments.js';
import { createDydxParser } from './parse.js';
import { DEFAULT_MARKETS_PER_CONNECTION, dydxSocketPlans } from './plan.js';

const perConnection = (options: Record<string, unknown> | undefined): number => Number(options?.marketsPerConnection ?? DEFAULT_MARKETS_PER_CONNECTION);

/**
 * dYdX v4 (indexer): `v4_trades` per market, `LIQUIDATED` and `DELEVERAGED` trades; open interest from polling
 * /v4/perpetualMarkets. Without the market list (discovery off or failed) it watches DEFAULT_DYDX_MARKETS and
 * its events are `partial` until a refresh lists the markets; refreshes also subscribe new listings.
 */
export function dydxVenue(): VenueModule {
  return {
    venue: 'dydx',
    about: { name: 'dYdX v4 perpetuals', exchange: 'dydx', colour: '#6966ff', fidelity: 'complete', doc: 'docs/venues/dydx.md' },
    async discover({ restUrl }) {
      return { symbols: await fetchDydxMarkets({ baseUrl: restUrl }) };
    },
    // `subscribed`: the market's recent trades, sent on subscribe.
    snapshots: memberRule('type', 'subscribed'),
    config: DydxConfig,
    parser(meta) {
      // A refusal makes the venue partial as a missing market list does: both are in meta.partial, which
      // the liqstream_venue_partial gauge reads.
      const coverage = new DydxSubscriptionCoverage((refused) => {
        meta.partial ??= { active: false };
        meta.partial.refused = refused;
      });
      return createDydxParser({ fidelity: () => (meta.partial?.active || coverage.refused ? 'partial' : 'complete'), coverage });
    },
    plans(meta, { url, options }) {
      if (!meta.symbols?.length) meta.partial ??= { active: true };
      return dydxSocketPlans(meta.symbols?.length ? meta.symbols : DEFAULT_DYDX_MARKETS, url, perConnection(options));
    },
    pollers(_meta, ctx) {
      if (ctx.intervalMs <= 0) return [];
      const base = (ctx.restUrl ?? DYDX_REST_URL).replace(/\/+$/, '');
      return [startRestPoll({ venue: 'dydx', url: `${base}/v4/perpetualMarkets`, sink: ctx.sink, log: ctx.log, intervalMs: ctx.intervalMs })];
    },
    watch(meta, { url, restUrl, log, options }, addPlans): Poller | undefined {
      const intervalMs = Number(options?.refreshMs ?? 0);
      if (intervalMs <= 0 || options?.discover === false) return undefined;
      const known = new Set(meta.symbols?.length ? meta.symbols : DEFAULT_DYDX_MARKETS);
      let batch = 0;
      // The first refresh waits an interval: discovery has just read the list, or just failed to.
      return repeat(
        intervalMs,
        async (signal) => {
          try {
            const listed = await fetchDydxMarkets({ baseUrl: restUrl, signal });
            if (signal.aborted) return;
            const added = listed.filter((m) => !known.has(m));
            for (const m of added) known.add(m);
            if (added.length > 0) addPlans(dydxSocketPlans(added, url, perConnection(options), `dydx-listed${++batch}`));
            if (meta.partial?.active) {
              meta.partial.active = false;
              log.info({ venue: 'dydx' }, 'market list read: every market watched, totals complete again');
            }
          } catch (err) {
            if (!signal.aborted) log.warn({ venue: 'dydx', err: (err as Error).message, partial: meta.partial?.active === true }, 'market list refresh failed');
          }
        },
        { delayFirst: true },
      );
    },
  };
}
