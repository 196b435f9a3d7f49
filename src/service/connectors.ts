import type { Config } from '../config/schema.js';
import { ManagedSocket, type ManagedSocketHooks } from '../connection/managed-socket.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import type { VenueId } from '../schema/events.js';
import { venueModule } from '../venues/registry.js';
import { connectedFrame, type FrameParser, type FrameSink, type Poller, type SocketPlan, type VenueConnection, type VenueMetadata } from '../venues/venue.js';
import { WeightBudget } from '../connection/weight-budget.js';

export interface RunningConnectors {
  /** Venue → every socket connected. */
  health(): Record<string, boolean>;
  /**
   * Since when this venue has not been watched whole: the start of an open outage of any of its
   * sockets, or of a restart gap not yet recorded. Undefined while every socket is subscribed.
   */
  unwatchedSince(venue: VenueId): number | undefined;
  stop(): Promise<void>;
}

/** Where the previous process stopped watching each venue (its watch mark), and how it stopped. */
export interface Predecessor {
  since: Record<VenueId, number>;
  clean: boolean;
}

export const enabledVenues = (config: Config): VenueId[] => Object.entries(config.venues).filter(([, v]) => v.enabled).map(([venue]) => venue);

/** Discover markets, then open and keep alive every socket of every enabled venue. */
export async function startConnectors(
  config: Config,
  deps: { sink: FrameSink; metrics: Metrics; log: Logger; parsers: Map<VenueId, FrameParser>; metadata?: Map<VenueId, VenueMetadata>; predecessor?: Predecessor },
): Promise<RunningConnectors> {
  const sockets = new Map<VenueId, VenueConnection[]>();
  /** Per venue, a restart gap still open: from where the previous process stopped, until every first socket has subscribed. */
  const restarts = new Map<VenueId, { from: number; waiting: Set<VenueConnection> }>();
  const pollers: Poller[] = [];
  const budgets = new Map<string, WeightBudget>();
  const budget = (key: string): WeightBudget => {
    let b = budgets.get(key);
    if (!b) budgets.set(key, (b = new WeightBudget(config.connection.binanceWeightPerMinute)));
    return b;
  };
  const venues = enabledVenues(config);
  const contextOf = (venue: VenueId) => {
    const block = config.venues[venue]!;
    // Module and socket logs name the venue themselves.
    return { log: deps.log, url: block.url, restUrl: block.restUrl, options: block, evm: config.evm, solana: config.solana };
  };
  // Every venue's discovery at once, each bounded: one venue's hung REST endpoint must not hold up the others.
  const discoveries = new Map(
    venues.map((venue) => [venue, config.venues[venue]!.discover ? settled(withinMs(venueModule(venue).discover(contextOf(venue)), config.connection.discoverTimeoutMs)) : undefined]),
  );
  for (const venue of venues) {
    const log = deps.log;
    const module = venueModule(venue);
    const block = config.venues[venue]!;
    const ctx = contextOf(venue);
    const configured = block.symbols;
    let meta: VenueMetadata = {};
    const outcome = await discoveries.get(venue);
    if (outcome?.ok) {
      meta = outcome.value;
      log.info({ venue, symbols: meta.symbols?.length }, 'markets discovered');
    } else if (outcome) log.error({ venue, err: outcome.error.message }, 'market discovery failed; continuing with built-in defaults');
    // An explicit list decides what is watched; discovery still supplies what parsing needs
    // (COIN-M contract sizes).
    if (configured) meta = { ...meta, symbols: configured };
    deps.parsers.set(venue, module.parser(meta, ctx));
    const coverage = meta;
    deps.metrics.partialCoverage.set(venue, () => coverage.partial?.active === true || coverage.partial?.refused === true);
    deps.metadata?.set(venue, meta);
    const list: VenueConnection[] = [];
    const up = new Set<VenueConnection>();
    const previous = deps.predecessor?.since[venue];
    // The previous process watched this venue until `previous`: everything from then until this one has
    // subscribed every socket was watched by nobody (a kill -9 also loses what was in its socket buffers).
    const restart = previous !== undefined ? { from: previous, waiting: new Set<VenueConnection>() } : undefined;
    if (restart) restarts.set(venue, restart);
    const restartReason = deps.predecessor?.clean ? 'connector stopped (clean shutdown) until restarted' : 'connector process died (no clean shutdown) until restarted';
    /** Registers a connection (a plan's ManagedSocket, or one a venue's `connect` opened) and gives its hooks. */
    const attach = (socket: VenueConnection, plan?: SocketPlan): ManagedSocketHooks => {
      list.push(socket);
      if (restart && restarts.get(venue) === restart) restart.waiting.add(socket);
      return {
        onFrame: (frame, recv) => deps.sink.handleFrame({ venue, recv, frame }),
        onGap: (from, to, reason) => {
          // Inside the restart gap still open (a first connection that failed): that gap covers it.
          if (restarts.get(venue) !== restart || !restart) void deps.sink.gap(venue, from, to, reason);
        },
        onUp: (isUp) => {
          if (isUp) up.add(socket);
          else up.delete(socket);
          deps.metrics.connectorUp.set({ venue }, up.size === list.length ? 1 : 0);
          if (isUp && restart && restarts.get(venue) === restart && restart.waiting.delete(socket) && restart.waiting.size === 0) {
            restarts.delete(venue);
            const to = Date.now();
            if (to > restart.from) void deps.sink.gap(venue, restart.from, to, restartReason);
          }
        },
        onReconnect: () => deps.metrics.reconnectsTotal.inc({ venue }),
        onSubscribeError: () => deps.metrics.subscribeErrorsTotal.inc({ venue }),
        // Only venues that send history on subscribe need to know where a connection began.
        onConnected: module.snapshots && plan ? (recv) => deps.sink.handleFrame({ venue, recv, frame: connectedFrame(plan.name) }) : undefined,
      };
    };
    const socketOptions = { backoff: config.connection.backoff, stableAfterMs: config.connection.stableAfterMs };
    const addSocket = (plan: SocketPlan): void => {
      // The hooks name the socket, so they are filled in once it exists (before it starts).
      const hooks = {} as ManagedSocketHooks;
      const socket = new ManagedSocket(plan, hooks, log, socketOptions);
      Object.assign(hooks, attach(socket, plan));
      socket.start();
    };
    deps.metrics.connectorUp.set({ venue }, 0);
    sockets.set(venue, list);
    for (const plan of module.plans(meta, ctx)) addSocket(plan);
    await module.load?.();
    module.connect?.(meta, {
      ...ctx,
      attach: (c) => attach(c),
      socketOptions,
      count: (chain, what, n = 1) => deps.metrics.evmRpcTotal.inc({ venue, chain, what }, n),
      position: (chain, n) => deps.metrics.evmHeadBlock.set({ venue, chain }, n),
    });
    if (restart?.waiting.size === 0) restarts.delete(venue); // nothing to subscribe: no socket can end it
    // Venues that subscribe per market add sockets for markets listed after start-up, unless the
    // markets were listed explicitly.
    const watcher = configured ? undefined : module.watch?.(meta, ctx, (plans) => {
      log.info({ venue, sockets: plans.length }, 'new markets listed; subscribing');
      plans.forEach(addSocket);
    });
    if (watcher) pollers.push(watcher);
    pollers.push(...(module.pollers?.(meta, { ...ctx, sink: deps.sink, budget, intervalMs: block.oiPollMs }) ?? []));
  }
  const unreachable = (): Record<string, string> =>
    Object.fromEntries([...sockets].flatMap(([venue, list]) => {
      const why = list.map((s) => s.downBecause).find((r) => r !== undefined);
      return why === undefined ? [] : [[venue, why]];
    }));
  // One line that says what is wrong, once the sockets have had time to connect; retries stay quiet.
  const report = setTimeout(() => {
    const down = unreachable();
    // Out of the venues that have a connection: an on-chain venue with no RPC URL configured watches nothing.
    const watching = [...sockets.values()].filter((list) => list.length > 0).length;
    if (Object.keys(down).length > 0) deps.log.warn({ unreachable: down }, unreachableLine(down, watching));
  }, config.connection.unreachableReportMs);
  report.unref();
  return {
    health: () => Object.fromEntries([...sockets].map(([venue, list]) => [venue, list.every((s) => s.connected)])),
    unwatchedSince: (venue) => {
      let since = restarts.get(venue)?.from ?? Infinity;
      for (const s of sockets.get(venue) ?? []) since = Math.min(since, s.downSinceMs ?? Infinity);
      return since === Infinity ? undefined : since;
    },
    stop: async () => {
      clearTimeout(report);
      await Promise.all([...pollers.map((p) => p.stop()), ...[...sockets.values()].flat().map((s) => s.stop())]);
    },
  };
}

/**
 * "no venue reachable (15 of 15): connect ECONNREFUSED 127.0.0.1:9 (binance-usdm, okx); … — is the network
 * up? …": venues grouped by the reason their sockets give.
 */
export function unreachableLine(down: Record<string, string>, total: number): string {
  const byReason = new Map<string, string[]>();
  for (const [venue, why] of Object.entries(down)) byReason.set(why, [...(byReason.get(why) ?? []), venue]);
  const reasons = [...byReason].map(([why, venues]) => `${why} (${venues.join(', ')})`).join('; ');
  const n = Object.keys(down).length;
  const head = n === total ? `no venue reachable (${n} of ${total})` : `${n} of ${total} venues unreachable`;
  const hint = n === total ? ' — is the network up?' : '; the others are connected.';
  return `${head}: ${reasons}${hint} Retrying in the background; each retry is logged at debug level (LIQSTREAM_LOG_LEVEL=debug).`;
}

/** `promise`, or a rejection once `ms` have passed (the late result is dropped). */
function withinMs<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** The outcome as a value, with the rejection handled at once (these are awaited one after another). */
const settled = <T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: Error }> =>
  promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error: error instanceof Error ? error : new Error(String(error)) }),
  );
