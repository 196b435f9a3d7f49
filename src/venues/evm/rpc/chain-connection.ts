import { earliest, ManagedSocket, type ManagedSocketHooks, type ManagedSocketOptions } from '../../../connection/managed-socket.js';
import type { Logger } from '../../../log.js';
import { LogLimiter } from '../../../pipeline/log-limiter.js';
import type { SocketPlan, VenueConnection } from '../../venue.js';
import { ANSWER_UPDATED_TOPIC, blockHeader, classify, request, rpcFrame, toHex, type BlockHeader, type RpcError, type RpcMessage } from './json-rpc.js';
import type { EvmSettings } from './settings.js';
import type { CreationSource } from '../discover.js';
import { MAX_DISCOVERED, wordAddress } from '../metadata.js';

/** An eth_getLogs / eth_subscribe("logs") filter: contracts and topics (topic0 alternatives first). */
export interface LogFilter {
  address: string[];
  topics?: (string | string[] | null)[];
}

/** What one venue watches on one chain: its contracts' events and the Chainlink aggregators that price them. */
export interface ChainWatch {
  chain: string;
  filters: LogFilter[];
  /** Aggregator addresses whose AnswerUpdated logs price the venue's assets (subscribed, and read back at start). */
  feeds: string[];
  /**
   * Where the venue's contracts are created (their creators are in `filters`): a contract created while running is
   * asked its `calls`, added to the watched addresses and read back from its creation block (docs/venues/evm.md).
   */
  creations?: readonly CreationSource[];
}

/** What a connection has done, for tests and logs. */
export interface ChainConnectionStats {
  requests: number;
  /** JSON-RPC errors answered to the connector's requests (each also recorded as a rejected frame). */
  rpcErrors: number;
  /** eth_getLogs ranges halved because the provider refused them. */
  halvings: number;
  /** Blocks re-read after reconnects (inclusive ranges, summed). */
  backfilledBlocks: number;
  backfills: number;
  /** Reorgs seen (a head off the stored chain), the ones whose new blocks were re-read, and the deepest fork followed back. */
  reorgs: number;
  rereads: number;
  deepestReorg: number;
  /** Ranges that could not be read: each one a gap event with its block bounds. */
  gaps: number;
  /** Messages that were not JSON (recorded as frames, rejected by the parser). */
  unreadable: number;
  /** Contracts created while running and added to the watch; creations refused past MAX_DISCOVERED. */
  adopted: number;
  overCap: number;
}

/** Where a connection's counts go (Prometheus in a service: liqstream_evm_rpc_total, liqstream_evm_head_block). */
export interface ChainObserver {
  count(what: 'backfilled_blocks' | 'reorgs' | 'range_halvings' | 'rpc_errors' | 'request_timeouts' | 'contracts_adopted' | 'creations_over_cap', n?: number): void;
  head(n: number): void;
}

/** A request failed: the node answered with a JSON-RPC error, or the connection went away, or it timed out. */
export class RequestFailed extends Error {
  constructor(
    message: string,
    readonly rpc: RpcError | undefined,
    /** No answer in time: the connection (or this process) stalled, not the range; worth asking again. */
    readonly timedOut = false,
  ) {
    super(message);
  }
}

/** A contract a creation log announces (a creator's log among `sources` that makes calls), or undefined. */
export interface Creation {
  address: string;
  source: CreationSource;
  block: number;
}

/**
 * The contract `raw` announces, when it is a creation log of one of `sources` whose contracts are asked calls
 * (Euler's and Fluid's factories; Morpho's CreateMarket says all in its log), not removed, with a block number.
 */
export function createdBy(sources: readonly CreationSource[], raw: unknown): Creation | undefined {
  const log = raw as { address?: unknown; topics?: unknown; blockNumber?: unknown; removed?: unknown } | null;
  if (!log || typeof log.address !== 'string' || !Array.isArray(log.topics) || log.removed === true) return undefined;
  const from = log.address.toLowerCase();
  const topics = log.topics as unknown[];
  const source = sources.find((s) => s.calls.length > 0 && s.address === from && s.topic0 === String(topics[0]).toLowerCase());
  const address = source ? wordAddress(String(topics[1] ?? '').slice(2)) : undefined;
  const block = typeof log.blockNumber === 'string' ? Number.parseInt(log.blockNumber, 16) : Number.NaN;
  return source && address && Number.isSafeInteger(block) ? { address, source, block } : undefined;
}

/** Times a backfill or re-read is started again after a request timed out, before its blocks are a gap. */
export const TIMEOUT_RETRIES = 3;

/** The session the work began in ended (the socket closed): the next session takes it over. */
export class SessionEnded extends Error {}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout; method: string; params: unknown[] };

/** Id of the subscriptions to contracts created while running (below FIRST_REQUEST_ID: a refusal is a subscribe error). */
const ADOPTED_SUBSCRIPTION_ID = 99;

/** Subscribe requests use ids below this; the connector's own requests count up from it. */
const FIRST_REQUEST_ID = 100;
/** Header requests in flight at once during a backfill. */
const HEADER_CONCURRENCY = 16;

/**
 * One venue's connection to one chain: a ManagedSocket (reconnect, backoff, silence timeout) subscribed to
 * `newHeads` and the venue's logs, plus what a plain socket plan cannot do, because it needs request/response:
 *
 * - every received message is handed on as one frame `{"rpc":…,"chain":…}` (recording and replay as for any venue);
 * - at the first connection, the oracle look-back (AnswerUpdated of the feeds over `lookbackBlocks`);
 * - after a reconnect, the missed blocks (from the last head seen, inclusive, to the node's head) are re-read:
 *   their headers (eth_getBlockByNumber, so the parser has hashes and timestamps) then their logs (eth_getLogs,
 *   the range halved while the provider refuses it). A reconnect whose backfill succeeded is no gap; one that
 *   could not be read is a gap event naming the exact blocks;
 * - a head off the stored chain (parentHash ≠ the stored hash of number-1, or a number stored with another hash) is
 *   a reorg: the fork point is found by reading the new chain's headers back, and its blocks' logs are re-read.
 *
 * Requests go over the same socket as the subscriptions, so their answers are recorded in order with the rest.
 */
export class EvmChainConnection implements VenueConnection {
  readonly stats: ChainConnectionStats = { requests: 0, rpcErrors: 0, halvings: 0, backfilledBlocks: 0, backfills: 0, reorgs: 0, rereads: 0, deepestReorg: 0, gaps: 0, unreadable: 0, adopted: 0, overCap: 0 };
  private readonly socket: ManagedSocket;
  private readonly pending = new Map<number, Pending>();
  private nextId = FIRST_REQUEST_ID;
  /** Bumped at every connect and disconnect: work of an ended session stops at its next request. */
  private session = 0;
  private up = false;
  /** Block number → hash of the chain as last seen, the last `reorgDepth` blocks. */
  private readonly hashes = new Map<number, string>();
  /** The highest block whose logs are known received (heads while in sync); undefined before the first sync. */
  /** The first block this connection read (its start-up look-back): no creation it sees is older. */
  private firstBlock: number | undefined;
  private covered: number | undefined;
  private inSync = false;
  /** When the current connection came up. */
  private upSince: number | undefined;
  /**
   * Log notifications received while a look-back or backfill runs, handed on after its answers: a liquidation must
   * reach the parser after the oracle answers before it, and those come in the backfill's eth_getLogs answers.
   */
  private held: { frame: string; recv: number }[] = [];
  private releasing = false;
  /** The highest head received live on the current connection (its logs come on the same subscription). */
  private liveHead: number | undefined;
  /** An outage not yet backfilled: reported as a gap only if the backfill fails. */
  private outage: { from: number; reason: string } | undefined;
  /** Sync work (backfill, reorg repair) runs one at a time. */
  private queue: Promise<void> = Promise.resolve();
  private readonly context: Record<string, unknown>;
  private stopping = false;
  private readonly garbageLines = new LogLimiter(5, 10_000);
  /** The subscribe requests sent at every connect (the plan's own list: a contract adopted later is appended). */
  private readonly subscriptions: string[];
  /** Addresses watched (the venue's filter) and contracts created but not yet adopted (asked again next session). */
  private readonly watched: Set<string>;
  private unadopted: Creation[] = [];
  /**
   * This connection's subscribe requests not yet answered, by id (adopted contracts share one id: counted). A node
   * may answer a later request first (anvil answers eth_blockNumber before eth_subscribe), and a subscription
   * delivers only what happens after it is made, so the head is read only once every subscription is answered: a
   * block after that head is on a subscription. Only ids sent and not yet answered count (a stray answer does not).
   */
  private unanswered = new Map<number, number>();
  private subscribeWait: { resolve: () => void; reject: (e: Error) => void; timer: NodeJS.Timeout } | undefined;

  constructor(
    private readonly venue: string,
    private readonly watch: ChainWatch,
    private readonly url: string,
    private readonly settings: EvmSettings,
    private readonly hooks: ManagedSocketHooks,
    private readonly log: Logger,
    options: ManagedSocketOptions,
    private readonly observer?: ChainObserver,
    /**
     * Requests only (the history import, src/venues/evm/rpc/range-import.ts): no subscriptions, no look-back or
     * backfill of its own; the caller asks (readLogs, headers) and every answer is handed on as a frame as usual.
     */
    private readonly requestsOnly = false,
  ) {
    this.context = { venue, chain: watch.chain };
    this.watched = new Set((watch.filters[0]?.address ?? []).map((a) => a.toLowerCase()));
    const plan = this.plan();
    this.subscriptions = plan.subscribe;
    this.socket = new ManagedSocket(plan, this.socketHooks(), log, options);
  }

  /** The feeds' AnswerUpdated logs (none without feeds). */
  get feedFilters(): LogFilter[] {
    return this.watch.feeds.length > 0 ? [{ address: this.watch.feeds, topics: [ANSWER_UPDATED_TOPIC] }] : [];
  }

  /** The venue's own contracts' events. */
  get venueFilters(): LogFilter[] {
    return this.watch.filters.filter((f) => f.address.length > 0);
  }

  /**
   * Every filter the connection reads: the feeds' first, so a backfill's (or re-read's) oracle answers reach the
   * parser before the liquidations of the same blocks, which are valued at the answer before them.
   */
  get filters(): LogFilter[] {
    return [...this.feedFilters, ...this.venueFilters];
  }

  private plan(): SocketPlan {
    const subscribe = this.requestsOnly ? [] : [request(1, 'eth_subscribe', ['newHeads']), ...this.filters.map((f, i) => request(2 + i, 'eth_subscribe', ['logs', f]))];
    return {
      venue: this.venue,
      name: this.watch.chain,
      url: this.url,
      subscribe,
      pingIntervalMs: this.settings.pingIntervalMs,
      silenceTimeoutMs: this.settings.silenceTimeoutMs,
      subscribeError: (frame) => {
        // Cheap test first: this runs on every frame.
        if (!frame.includes('"error"')) return undefined;
        try {
          const m = classify(JSON.parse(frame));
          return m.kind === 'error' && m.id !== undefined && m.id < FIRST_REQUEST_ID ? m.error.message : undefined;
        } catch {
          return undefined;
        }
      },
    };
  }

  private socketHooks(): ManagedSocketHooks {
    return {
      onFrame: (text, recv) => {
        let json: unknown;
        let isJson = true;
        try {
          json = JSON.parse(text);
        } catch {
          isJson = false;
        }
        const frame = rpcFrame(this.watch.chain, text, isJson, isJson ? this.callAnswered(json) : undefined);
        if (!isJson) {
          this.stats.unreadable += 1;
          // At most 5 lines per 10 s: a node sending garbage in a loop is counted in full, logged in part.
          const { log, suppressedBefore } = this.garbageLines.allow('not json');
          if (log) this.log.warn({ ...this.context, bytes: text.length, preview: text.slice(0, 80), ...(suppressedBefore ? { suppressedBefore } : {}) }, 'node sent a message that is not JSON (recorded, rejected by the parser)');
          return this.hooks.onFrame(frame, recv);
        }
        const kind = this.observe(json);
        if (kind === 'log') this.noticeCreations([(json as { params: { result: unknown } }).params.result]);
        if (kind === 'log' && (!this.inSync || this.releasing || this.held.length > 0)) {
          this.held.push({ frame, recv });
          return undefined;
        }
        return this.hooks.onFrame(frame, recv);
      },
      onGap: (from, _to, reason) => {
        // Not yet a gap: the backfill decides (see onUp).
        this.outage = { from: Math.min(from, this.outage?.from ?? from), reason };
      },
      onUp: (isUp) => {
        this.up = isUp;
        this.session += 1;
        this.endSubscribeWait(new SessionEnded('connection closed')); // a wait of the session before
        if (isUp && this.requestsOnly) this.inSync = true; // nothing held: the caller orders its own requests
        else if (isUp) {
          this.upSince = Date.now();
          this.liveHead = undefined;
          this.unanswered = new Map();
          for (const sub of this.subscriptions) this.expectAnswer(sub);
          const session = this.session;
          this.enqueue(() => this.startSession(session));
        } else if (!this.stopping) {
          // A connection that never synced watched nothing from its start.
          this.outage ??= { from: this.inSync ? Date.now() : (this.upSince ?? Date.now()), reason: 'disconnected' };
          this.inSync = false;
          for (const [id, p] of this.pending) {
            clearTimeout(p.timer);
            p.reject(new SessionEnded('connection closed'));
            this.pending.delete(id);
          }
        }
        this.hooks.onUp(isUp);
      },
      onReconnect: () => this.hooks.onReconnect(),
      onSubscribeError: (message) => this.hooks.onSubscribeError(message),
      onConnected: (recv) => this.hooks.onConnected?.(recv),
    };
  }

  start(): void {
    this.socket.start();
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  /**
   * Down, or up but not yet in sync (subscriptions answered, backfill or look-back read): the venue is not watched
   * whole since then. At start-up, since the connection came up: a block mined before the subscriptions are made
   * is on neither side (the aave-v3 live test sent its first burst then, reading the venue as watched, and lost it).
   */
  get downSinceMs(): number | undefined {
    // The earlier of the two: a socket reconnecting in a loop (a refused subscription) has a new down time each time.
    return earliest(this.socket.downSinceMs, this.inSync ? undefined : (this.outage?.from ?? this.upSince));
  }

  get downBecause(): string | undefined {
    return this.socket.downBecause;
  }

  /** The current connection's number, for `call` (requests of an ended connection fail); undefined while down. */
  get sessionId(): number | undefined {
    return this.up ? this.session : undefined;
  }

  /** Whether the connection has caught up (backfill done) and follows the chain head. */
  get synced(): boolean {
    return this.inSync;
  }

  async stop(): Promise<void> {
    const open = this.outage;
    this.stopping = true;
    await this.socket.stop();
    await this.release();
    if (open) this.reportGap(open.from, Date.now(), `${open.reason}; stopped before the missed blocks were read`);
  }

  /** Hands on the held log notifications, in order; logs that arrive meanwhile queue behind them. */
  private async release(): Promise<void> {
    if (this.releasing) return;
    this.releasing = true;
    try {
      for (let i = 0; i < this.held.length; i++) {
        const { frame, recv } = this.held[i]!;
        const pending = this.hooks.onFrame(frame, recv);
        if (pending) await pending;
      }
    } finally {
      this.held = [];
      this.releasing = false;
    }
  }

  /** The eth_call a response answers (recorded beside it: the parser learns from the pair), if it answers one. */
  private callAnswered(json: unknown): { to: string; data: string } | undefined {
    const id = (json as { id?: unknown } | null)?.id;
    const p = typeof id === 'number' ? this.pending.get(id) : undefined;
    return p?.method === 'eth_call' ? (p.params[0] as { to: string; data: string }) : undefined;
  }

  /**
   * Logs just received (a notification, an eth_getLogs answer): a creation log of one of the venue's creators that
   * names a contract not watched yet is adopted (asked its calls, watched, read back from its creation block).
   * Bounded by MAX_DISCOVERED; past it each refused creation is counted and the first logged.
   */
  private noticeCreations(logs: readonly unknown[]): void {
    const sources = this.watch.creations;
    if (!sources) return;
    for (const raw of logs) {
      const creation = createdBy(sources, raw);
      if (!creation || this.watched.has(creation.address)) continue;
      const { address } = creation;
      if (this.watched.size >= MAX_DISCOVERED) {
        this.stats.overCap += 1;
        this.observer?.count('creations_over_cap');
        if (this.stats.overCap === 1) this.log.warn({ ...this.context, address, max: MAX_DISCOVERED }, 'contract created past the watch cap: not watched (counted)');
        continue;
      }
      this.watched.add(address);
      this.enqueue(() => this.adopt(this.session, creation));
    }
  }

  /**
   * A created contract joins the watch: its calls answered first (the parser needs its tokens before its logs), then
   * subscribed (and in every later subscribe and backfill), then its logs read back from its creation block, so
   * one liquidated right after creation is not missed. Unfinished (the connection dropped) it is retried next session.
   */
  private async adopt(session: number, item: Creation): Promise<void> {
    const { address, source, block } = item;
    const filter = this.watch.filters[0]!;
    try {
      for (const data of source.calls) await this.call(session, 'eth_call', [{ to: address, data }, 'latest']).catch((err: unknown) => {
        if (!(err instanceof RequestFailed) || err.timedOut) throw err;
        this.log.warn({ ...this.context, address, err: err.message }, 'created contract refused a discovery call (its logs will be refused for want of metadata)');
      });
      if (!filter.address.includes(address)) {
        filter.address.push(address);
        const subscribe = request(ADOPTED_SUBSCRIPTION_ID, 'eth_subscribe', ['logs', { address: [address], topics: filter.topics }]);
        this.subscriptions.push(subscribe);
        this.expectAnswer(subscribe);
        this.socket.send(subscribe);
      }
      // Its head is read once its subscription is made, as a session's (see `unanswered`).
      await this.subscribed();
      const head = quantityOf(await this.call(session, 'eth_blockNumber', []), 'eth_blockNumber');
      // A creation reaches this connection only from its own reads (the look-back, backfills, subscriptions), so never
      // before the first block it asked about: a log claiming an older block (block 0) would be a read of the whole chain.
      await this.readLogs(session, Math.max(block, this.firstBlock ?? block), head, [{ address: [address], topics: filter.topics ?? [] }]);
      this.stats.adopted += 1;
      this.observer?.count('contracts_adopted');
      this.log.info({ ...this.context, address, createdAt: block }, 'created contract watched');
    } catch (err) {
      if (!(err instanceof SessionEnded) && session === this.session) this.log.warn({ ...this.context, address, err: (err as Error).message }, 'adopting a created contract failed; asking again next session');
      this.unadopted.push(item);
    }
  }

  /** A received message: answers go to their request, heads to the chain tracking. Returns its kind. */
  private observe(json: unknown): RpcMessage['kind'] {
    const m = classify(json);
    if (m.kind === 'response' || (m.kind === 'error' && m.id !== undefined)) {
      // A refusal of one of the plan's subscriptions (ManagedSocket logs and counts it: subscribeError) leaves the venue
      // blind to what it carries, whatever else works: the connection is dropped, the venue unwatched until a node
      // accepts it. A created contract's refused (one vault, not the venue) is an answer: logged and counted only.
      if (m.kind === 'error' && m.id! < ADOPTED_SUBSCRIPTION_ID && this.unanswered.has(m.id!)) this.socket.drop(`subscribe refused: ${m.error.message}`);
      else if (m.id! < FIRST_REQUEST_ID) this.subscribeAnswered(m.id!);
      const p = this.pending.get(m.id!);
      if (!p) return m.kind;
      this.pending.delete(m.id!);
      clearTimeout(p.timer);
      if (m.kind === 'response') p.resolve(m.result);
      else {
        this.stats.rpcErrors += 1;
        this.observer?.count('rpc_errors');
        p.reject(new RequestFailed(`${p.method}: ${m.error.message}`, m.error));
      }
    } else if (m.kind === 'head') this.onHead(m.header, true);
    else if (m.kind === 'error') this.log.warn({ ...this.context, error: m.error }, 'node sent a JSON-RPC error');
    return m.kind;
  }

  /** A header seen (subscription or response): stored; a head off the stored chain starts a repair. */
  private onHead(header: BlockHeader, live: boolean): void {
    const parent = this.hashes.get(header.number - 1);
    const same = this.hashes.get(header.number);
    this.remember(header);
    if (!live) return;
    this.observer?.head(header.number);
    this.liveHead = Math.max(this.liveHead ?? header.number, header.number);
    if ((parent !== undefined && parent !== header.parentHash) || (same !== undefined && same !== header.hash)) {
      this.stats.reorgs += 1;
      this.observer?.count('reorgs');
      this.log.warn({ ...this.context, block: header.number, hash: header.hash, parentHash: header.parentHash, storedParent: parent, storedHash: same }, 'reorg: head off the stored chain; re-reading from the fork');
      const session = this.session;
      const replaced = same !== undefined && same !== header.hash;
      this.enqueue(() => this.repair(session, header.number, replaced));
    } else if (this.inSync) this.covered = Math.max(this.covered ?? header.number, header.number);
  }

  private remember(header: BlockHeader): void {
    this.hashes.set(header.number, header.hash);
    const floor = header.number - this.settings.reorgDepth;
    if (this.hashes.size > this.settings.reorgDepth * 2) for (const n of this.hashes.keys()) if (n < floor) this.hashes.delete(n);
  }

  private enqueue(work: () => Promise<void>): void {
    this.queue = this.queue.then(work).catch((err: unknown) => this.log.error({ ...this.context, err }, 'EVM connection work failed'));
  }

  /** One request over the socket; rejects on a JSON-RPC error, a timeout or the end of `session`. */
  call<T = unknown>(session: number, method: string, params: unknown[]): Promise<T> {
    if (session !== this.session || !this.up) return Promise.reject(new SessionEnded('connection closed'));
    const id = this.nextId++;
    this.stats.requests += 1;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.observer?.count('request_timeouts');
        reject(new RequestFailed(`${method}: no answer within ${this.settings.requestTimeoutMs} ms`, undefined, true));
      }, this.settings.requestTimeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer, method, params });
      if (!this.socket.send(request(id, method, params))) {
        this.pending.delete(id);
        clearTimeout(timer);
        reject(new SessionEnded('connection closed'));
      }
    });
  }

  /** A connection is up: look back (first time) or backfill what was missed. */
  private async startSession(session: number, attempt = 0): Promise<void> {
    if (session !== this.session) return;
    try {
      await this.subscribed();
      const head = quantityOf(await this.call(session, 'eth_blockNumber', []), 'eth_blockNumber');
      if (this.covered === undefined) {
        // Start-up: nothing was watched before, so nothing to backfill; a first connection that failed before it
        // succeeded is the gap it always was (the process ran blind), as for every venue.
        if (this.outage) this.reportGap(this.outage.from, Date.now(), this.outage.reason);
        this.outage = undefined;
        const from = Math.max(0, head - this.settings.lookbackBlocks);
        this.firstBlock ??= from;
        if (this.feedFilters.length > 0 && this.settings.lookbackBlocks > 0) {
          const logs = await this.readLogs(session, from, head, this.feedFilters);
          this.log.info({ ...this.context, fromBlock: from, toBlock: head, updates: logs }, 'oracle look-back read');
        }
        // Contracts created since discovery ran (or within the look-back when it did not): adopted like live ones.
        const creators = this.watch.creations ?? [];
        if (creators.length > 0 && this.settings.lookbackBlocks > 0)
          await this.readLogs(session, from, head, [{ address: [...new Set(creators.map((c) => c.address))], topics: [[...new Set(creators.map((c) => c.topic0))]] }]);
      } else {
        const from = this.covered;
        const { blocks } = await this.sync(session, from, head);
        this.stats.backfills += 1;
        this.stats.backfilledBlocks += blocks;
        this.observer?.count('backfilled_blocks', blocks);
        this.log.info({ ...this.context, fromBlock: from, toBlock: head, blocks }, 'missed blocks backfilled after reconnect: no gap');
      }
      for (const item of this.unadopted.splice(0)) this.enqueue(() => this.adopt(session, item));
      // Heads that arrived live meanwhile came with their logs on the subscription: covered too.
      this.covered = Math.max(head, this.covered ?? head, this.liveHead ?? head);
      this.observer?.head(this.covered);
      this.inSync = true;
      this.outage = undefined;
      await this.release();
    } catch (err) {
      if (err instanceof SessionEnded || session !== this.session) return; // the next connection takes it over
      if (err instanceof RequestFailed && err.timedOut && attempt < TIMEOUT_RETRIES) {
        // A stall (a busy node, or this process starved of CPU so the timer fired before the answer was read) is
        // no reason to give blocks up: the same range is asked again.
        this.log.warn({ ...this.context, fromBlock: this.covered, err: err.message, attempt: attempt + 1 }, 'backfill request timed out; asking again');
        return this.startSession(session, attempt + 1);
      }
      const from = this.covered;
      const to = await this.headNumber(session);
      const blocks = from === undefined ? 'the oracle look-back' : `blocks ${from}-${to ?? '?'}`;
      const reason = `${this.outage?.reason ?? 'start'}; ${blocks} could not be read: ${(err as Error).message}`;
      this.log.error({ ...this.context, fromBlock: from, toBlock: to, err: (err as Error).message }, 'backfill failed: gap');
      if (this.outage) this.reportGap(this.outage.from, Date.now(), reason);
      if (to !== undefined) this.covered = to;
      this.inSync = true;
      this.outage = undefined;
      await this.release();
    }
  }

  /** A subscribe request `text` sent on this connection: its answer is waited for. */
  private expectAnswer(text: string): void {
    const id = (JSON.parse(text) as { id: number }).id;
    this.unanswered.set(id, (this.unanswered.get(id) ?? 0) + 1);
  }

  private subscribeAnswered(id: number): void {
    const left = this.unanswered.get(id);
    if (left === undefined) return; // not asked, or answered already
    if (left > 1) this.unanswered.set(id, left - 1);
    else this.unanswered.delete(id);
    if (this.unanswered.size === 0) this.endSubscribeWait();
  }

  /**
   * Resolves once every subscribe request of the session is answered; the session's end rejects. One unanswered
   * after `requestTimeoutMs` drops the connection: the next one subscribes again (waiting on would read the head
   * with the subscription missing, and a connection is never in sync so).
   */
  private subscribed(): Promise<void> {
    if (this.stopping) return Promise.reject(new SessionEnded('stopping'));
    if (this.unanswered.size === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.subscribeWait = undefined;
        this.observer?.count('request_timeouts');
        const left = [...this.unanswered.values()].reduce((a, b) => a + b, 0);
        this.log.warn({ ...this.context, unanswered: left, timeoutMs: this.settings.requestTimeoutMs }, 'subscribe requests unanswered; reconnecting');
        reject(new SessionEnded('subscribe unanswered'));
        this.socket.drop('subscribe unanswered');
      }, this.settings.requestTimeoutMs);
      this.subscribeWait = { resolve, reject, timer };
    });
  }

  /** Ends the wait for the subscribe answers: answered (no error) or the session ended. */
  private endSubscribeWait(error?: Error): void {
    const wait = this.subscribeWait;
    if (!wait) return;
    this.subscribeWait = undefined;
    clearTimeout(wait.timer);
    if (error) wait.reject(error);
    else wait.resolve();
  }

  private async headNumber(session: number): Promise<number | undefined> {
    try {
      return quantityOf(await this.call(session, 'eth_blockNumber', []), 'eth_blockNumber');
    } catch {
      return undefined;
    }
  }

  /** A reorg seen at `tip`: find the fork, re-read the new chain's blocks up to `tip`. */
  private async repair(session: number, tip: number, replacedTip: boolean, attempt = 0): Promise<void> {
    try {
      const orphaned = (await this.sync(session, tip, tip)).walked + (replacedTip ? 1 : 0);
      this.stats.deepestReorg = Math.max(this.stats.deepestReorg, orphaned);
      this.stats.rereads += 1;
      this.log.info({ ...this.context, block: tip, orphaned }, 'reorg: new chain re-read');
    } catch (err) {
      if (err instanceof SessionEnded || session !== this.session) {
        // The reconnect's backfill starts at or below the fork: it re-reads these blocks.
        if (this.covered !== undefined) this.covered = Math.min(this.covered, tip - 1);
        return;
      }
      if (err instanceof RequestFailed && err.timedOut && attempt < TIMEOUT_RETRIES) {
        this.log.warn({ ...this.context, block: tip, err: err.message, attempt: attempt + 1 }, 'reorg re-read timed out; asking again');
        return this.repair(session, tip, replacedTip, attempt + 1);
      }
      this.log.error({ ...this.context, block: tip, err: (err as Error).message }, 'reorg re-read failed: gap');
      this.reportGap(Date.now(), Date.now(), `reorg at block ${tip}: the new chain's logs could not be read: ${(err as Error).message}`);
    }
  }

  /**
   * Re-reads blocks [from, to]: first back from `from` to where the node's chain meets the stored one (a reorg
   * during an outage, or the one a head announced), then the headers of the range, then its logs. Returns the
   * number of blocks read.
   */
  private async sync(session: number, from: number, to: number): Promise<{ blocks: number; walked: number }> {
    let start = from;
    for (;;) {
      const stored = this.hashes.get(start - 1);
      if (stored === undefined || start <= 0 || from - start >= this.settings.reorgDepth) break;
      const parent = await this.header(session, start - 1);
      if (parent.hash === stored) break;
      this.remember(parent);
      start -= 1;
    }
    if (start < from) this.log.warn({ ...this.context, forkBlock: start - 1, fromBlock: start, toBlock: to }, 'chain reorganised below the blocks to read; reading from the fork');
    const headerFrom = Math.max(start, to - this.settings.maxHeaderBlocks + 1);
    await this.readHeaders(session, Array.from({ length: Math.max(0, to - headerFrom + 1) }, (_, i) => headerFrom + i));
    await this.readLogs(session, start, to, this.filters);
    return { blocks: to - start + 1, walked: from - start };
  }

  /** The headers of `blocks` (eth_getBlockByNumber, HEADER_CONCURRENCY at once), remembered; each answer is a frame. */
  async readHeaders(session: number, blocks: readonly number[]): Promise<void> {
    for (let i = 0; i < blocks.length; i += HEADER_CONCURRENCY)
      for (const h of await Promise.all(blocks.slice(i, i + HEADER_CONCURRENCY).map((b) => this.header(session, b)))) this.remember(h);
  }

  private async header(session: number, n: number): Promise<BlockHeader> {
    const block = await this.call(session, 'eth_getBlockByNumber', [toHex(n), false]);
    const header = blockHeader(block);
    if (!header || header.number !== n) throw new RequestFailed(`eth_getBlockByNumber(${n}): no block in the answer`, undefined);
    return header;
  }

  /**
   * The logs of [from, to] for each filter, in ranges of at most `maxRangeBlocks`; a range the node refuses (a
   * JSON-RPC error: result cap, range cap, timeout) is halved and asked again, down to one block, which must be
   * answered. Returns the number of logs (the answers themselves are recorded frames); `onAnswer` sees each
   * answer's list as well.
   */
  async readLogs(session: number, from: number, to: number, filters: LogFilter[], onAnswer?: (logs: unknown[]) => void): Promise<number> {
    let count = 0;
    for (const filter of filters) {
      let size = this.settings.maxRangeBlocks;
      for (let a = from; a <= to; ) {
        const b = Math.min(to, a + size - 1);
        let logs: unknown;
        try {
          logs = await this.call(session, 'eth_getLogs', [{ ...filter, fromBlock: toHex(a), toBlock: toHex(b) }]);
        } catch (err) {
          if (err instanceof RequestFailed && err.rpc !== undefined && b > a) {
            size = Math.max(1, Math.floor((b - a + 1) / 2));
            this.stats.halvings += 1;
            this.observer?.count('range_halvings');
            this.log.info({ ...this.context, fromBlock: a, toBlock: b, nextRange: size, error: err.rpc.message }, 'provider refused the eth_getLogs range; halving it');
            continue;
          }
          throw err;
        }
        if (!Array.isArray(logs)) throw new RequestFailed(`eth_getLogs(${a}-${b}): the answer is not a list`, undefined);
        // An import (requests only) adopts what is created in its range itself (range-import.ts): adopting here
        // would subscribe and read past the range.
        if (!this.requestsOnly) this.noticeCreations(logs);
        onAnswer?.(logs);
        count += logs.length;
        a = b + 1;
      }
    }
    return count;
  }

  private reportGap(from: number, to: number, reason: string): void {
    this.stats.gaps += 1;
    void this.hooks.onGap(from, Math.max(from, to), reason);
  }
}

function quantityOf(v: unknown, what: string): number {
  if (typeof v === 'string' && /^0x[0-9a-fA-F]{1,14}$/.test(v)) return Number.parseInt(v.slice(2), 16);
  throw new RequestFailed(`${what}: not a block number`, undefined);
}
