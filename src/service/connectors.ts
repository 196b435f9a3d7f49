import type { Config } from '../config/schema.js';
import { ManagedSocket } from '../connection/managed-socket.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import type { VenueId } from '../schema/events.js';
import { venueModule } from '../venues/registry.js';
import type { FrameParser, FrameSink, Poller, SocketPlan, VenueMetadata } from '../venues/venue.js';
import { WeightBudget } from '../connection/weight-budget.js';

export interface RunningConnectors {
  /** Venue → every socket connected. */
  health(): Record<string, boolean>;
  stop(): Promise<void>;
}

export const enabledVenues = (config: Config): VenueId[] => Object.entries(config.venues).filter(([, v]) => v.enabled).map(([venue]) => venue);

/** Discover markets, then open and keep alive every socket of every enabled venue. */
export async function startConnectors(
  config: Config,
  deps: { sink: FrameSink; metrics: Metrics; log: Logger; parsers: Map<VenueId, FrameParser>; metadata?: Map<VenueId, VenueMetadata> },
): Promise<RunningConnectors> {
  const sockets = new Map<VenueId, ManagedSocket[]>();
  const pollers: Poller[] = [];
  const budgets = new Map<string, WeightBudget>();
  const budget = (key: string): WeightBudget => {
    let b = budgets.get(key);
    if (!b) budgets.set(key, (b = new WeightBudget(config.connection.binanceWeightPerMinute)));
    return b;
  };
  for (const venue of enabledVenues(config)) {
    // Module and socket logs name the venue themselves.
    const log = deps.log;
    const module = venueModule(venue);
    const block = config.venues[venue]!;
    const ctx = { log, url: block.url, restUrl: block.restUrl, options: block };
    const configured = block.symbols;
    let meta: VenueMetadata = {};
    if (block.discover) {
      try {
        meta = await module.discover(ctx);
        log.info({ venue, symbols: meta.symbols?.length }, 'markets discovered');
      } catch (err) {
        log.error({ venue, err: (err as Error).message }, 'market discovery failed; continuing with built-in defaults');
      }
    }
    // An explicit list decides what is watched; discovery still supplies what parsing needs
    // (COIN-M contract sizes).
    if (configured) meta = { ...meta, symbols: configured };
    deps.parsers.set(venue, module.parser(meta, ctx));
    const coverage = meta;
    deps.metrics.partialCoverage.set(venue, () => coverage.partial?.active === true);
    deps.metadata?.set(venue, meta);
    const list: ManagedSocket[] = [];
    const up = new Set<ManagedSocket>();
    const addSocket = (plan: SocketPlan): void => {
      const socket: ManagedSocket = new ManagedSocket(
        plan,
        {
          onFrame: (frame, recv) => deps.sink.handleFrame({ venue, recv, frame }),
          onGap: (from, to, reason) => void deps.sink.gap(venue, from, to, reason),
          onUp: (isUp) => {
            if (isUp) up.add(socket);
            else up.delete(socket);
            deps.metrics.connectorUp.set({ venue }, up.size === list.length ? 1 : 0);
          },
          onReconnect: () => deps.metrics.reconnectsTotal.inc({ venue }),
          onSubscribeError: () => deps.metrics.subscribeErrorsTotal.inc({ venue }),
        },
        log,
        { backoff: config.connection.backoff, stableAfterMs: config.connection.stableAfterMs },
      );
      list.push(socket);
      socket.start();
    };
    deps.metrics.connectorUp.set({ venue }, 0);
    sockets.set(venue, list);
    for (const plan of module.plans(meta, ctx)) addSocket(plan);
    // Venues that subscribe per market add sockets for markets listed after start-up, unless the
    // markets were listed explicitly.
    const watcher = configured ? undefined : module.watch?.(meta, ctx, (plans) => {
      log.info({ venue, sockets: plans.length }, 'new markets listed; subscribing');
      plans.forEach(addSocket);
    });
    if (watcher) pollers.push(watcher);
    pollers.push(...(module.pollers?.(meta, { ...ctx, sink: deps.sink, budget, intervalMs: block.oiPollMs }) ?? []));
  }
  return {
    health: () => Object.fromEntries([...sockets].map(([venue, list]) => [venue, list.every((s) => s.connected)])),
    stop: async () => {
      await Promise.all([...pollers.map((p) => p.stop()), ...[...sockets.values()].flat().map((s) => s.stop())]);
    },
  };
}
