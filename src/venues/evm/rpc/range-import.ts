import type { ManagedSocketHooks, ManagedSocketOptions } from '../../../connection/managed-socket.js';
import { redactUrl, type Logger } from '../../../log.js';
import type { RawFrame, VenueId } from '../../../schema/events.js';
import { REORG_DEPTH } from '../chain-state.js';
import { MAX_DISCOVERED } from '../metadata.js';
import { createdBy, EvmChainConnection, RequestFailed, SessionEnded, TIMEOUT_RETRIES, type ChainWatch, type Creation } from './chain-connection.js';
import { blockHeader, quantity } from './json-rpc.js';
import type { EvmSettings } from './settings.js';

/** One venue to import on the chain: its watch (contracts, feeds) and the RPC URL live would use. */
export interface ImportVenue {
  venue: VenueId;
  url: string;
  watch: ChainWatch;
}

export interface RangeImportOptions {
  chain: string;
  venues: ImportVenue[];
  settings: EvmSettings;
  log: Logger;
  socketOptions: ManagedSocketOptions;
  /** How long to wait for each node connection before giving up (a wrong URL fails the import, not hangs it). */
  connectTimeoutMs?: number;
}

export interface ImportProgress {
  /** Blocks of [from, to] read, and how many there are. */
  done: number;
  total: number;
  /** Log entries received (liquidations and oracle answers, every venue), the look-back's included. */
  logs: number;
}

/** eth_calls to created contracts in flight at once. */
const CALL_CONCURRENCY = 16;

/** A range the import refuses (before any request for its logs): the CLI prints it and exits 2. */
export class ImportRangeError extends Error {}

/** The largest block number accepted on the command line: 2^53-1 would pass JSON-RPC's hex, but no chain is near 10^12. */
export const MAX_BLOCK = 1e12;

/** A block number as typed: decimal digits only (no sign, no exponent, no hex), at most MAX_BLOCK. */
export function parseBlock(text: string, what: string): number {
  if (!/^\d{1,13}$/.test(text) || Number(text) > MAX_BLOCK) throw new ImportRangeError(`${what} must be a block number (decimal digits, 0 to ${MAX_BLOCK}), not ${JSON.stringify(text.slice(0, 40))}`);
  return Number(text);
}

/**
 * A history import of blocks [from, to] of one chain (docs/history.md, docs/venues/evm.md): for every venue, the
 * frames its live connection would record for those blocks, made with the live connection's own code
 * (EvmChainConnection in requests-only mode: the same socket, readLogs with its range halving, headers). The
 * frames go through the venues' parsers like any recording, so the events are the live ones (same ids, same USD).
 *
 * Order of the frames, per venue and per window of at most REORG_DEPTH blocks:
 * 1. the feeds' AnswerUpdated logs of the window (before the range: the oracle look-back, `lookbackBlocks`);
 * 2. the headers (eth_getBlockByNumber) of the blocks where the venue's logs are, for their timestamps;
 * 3. the venue's logs of the window.
 * So every answer before a liquidation is known when it is valued, and its block's header is still within the
 * parser's memory of REORG_DEPTH blocks.
 */
export class RangeImport {
  private readonly connections: { venue: VenueId; connection: EvmChainConnection }[] = [];
  /** Frames the node sent between steps (unasked: garbage, stray messages): handed on with the next step's. */
  private readonly stray: RawFrame[] = [];
  /** Where the frames received now go (the step being read). */
  private sink: RawFrame[] = this.stray;
  readonly progress: ImportProgress = { done: 0, total: 0, logs: 0 };
  /** Contracts created in the range and read (as live adopts them), and those refused past MAX_DISCOVERED. */
  private readonly taken = new Set<string>();
  overCap = 0;
  get adopted(): number {
    return this.taken.size;
  }

  constructor(private readonly o: RangeImportOptions) {}

  /** Opens one connection per venue (as live: a venue may have its own URL) and waits until each is up. */
  async open(): Promise<void> {
    for (const v of this.o.venues) {
      const hooks: ManagedSocketHooks = {
        onFrame: (frame, recv) => void this.sink.push({ recv, venue: v.venue, frame }),
        onGap: () => {},
        onUp: () => {},
        onReconnect: () => {},
        onSubscribeError: () => {},
      };
      const connection = new EvmChainConnection(v.venue, v.watch, v.url, this.o.settings, hooks, this.o.log, this.o.socketOptions, undefined, true);
      connection.start();
      this.connections.push({ venue: v.venue, connection });
    }
    for (const [i, { venue, connection }] of this.connections.entries()) await this.up(connection, venue, this.o.venues[i]!.url);
  }

  private async up(connection: EvmChainConnection, venue: VenueId, url: string): Promise<number> {
    const deadline = Date.now() + (this.o.connectTimeoutMs ?? 30_000);
    for (;;) {
      const s = connection.sessionId;
      if (s !== undefined) return s;
      if (Date.now() > deadline)
        throw new Error(`${this.o.chain}: cannot reach the RPC node of ${venue} at ${redactUrl(url)}${connection.downBecause ? `: ${connection.downBecause}` : ''}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /**
   * The chain's finalized block, and its head: the highest block the import may read is the finalized one
   * (no reorg can take back what is stored). A node that names no finalized block is refused.
   */
  async bounds(): Promise<{ finalized: number; head: number; hash: string }> {
    const { connection, venue } = this.connections[0]!;
    // The finalized block's header is no frame for the parser (it would become its tip, far above the range);
    // whatever else came meanwhile is (the head number is harmless; junk is the parser's to count).
    const before = this.sink;
    const frames: RawFrame[] = [];
    this.sink = frames;
    try {
      const bounds = await this.finalized(connection, venue);
      this.stray.push(...frames.filter((f) => !f.frame.includes(bounds.hash)));
      return bounds;
    } finally {
      this.sink = before;
    }
  }

  private finalized(connection: EvmChainConnection, venue: VenueId): Promise<{ finalized: number; head: number; hash: string }> {
    return this.retry(venue, 'the finalized block', async () => {
      const session = await this.up(connection, venue, this.o.venues[0]!.url);
      const head = quantity(await connection.call(session, 'eth_blockNumber', []));
      const finalized = blockHeader(await connection.call(session, 'eth_getBlockByNumber', ['finalized', false]));
      if (head === undefined) throw new RequestFailed('eth_blockNumber: not a block number', undefined);
      if (!finalized) throw new ImportRangeError(`${this.o.chain}: the node names no finalized block (eth_getBlockByNumber("finalized")): cannot tell which blocks are final`);
      return { finalized: finalized.number, head, hash: finalized.hash };
    });
  }

  /** Checks [from, to] against the chain and gives `to` (the finalized block when not given). */
  async range(from: number, to: number | undefined): Promise<{ from: number; to: number }> {
    const { finalized, head } = await this.bounds();
    const end = to ?? finalized;
    if (from > end) throw new ImportRangeError(`--from-block ${from} is after --to-block ${end}${to === undefined ? ` (the chain's finalized block; its head is ${head})` : ''}`);
    if (end > head) throw new ImportRangeError(`--to-block ${end} is beyond the chain's tip: ${this.o.chain} is at block ${head} (finalized ${finalized})`);
    if (end > finalized) throw new ImportRangeError(`--to-block ${end} is past ${this.o.chain}'s finalized block ${finalized} (head ${head}): a reorg could still take those blocks back; import up to ${finalized}`);
    return { from, to: end };
  }

  /**
   * The frames of [from, to], window by window, in the order above; `onWindow` after each. Frames the node sent
   * unasked (garbage, stray messages) come with the window they arrived in, for the parser to count.
   */
  async *frames(from: number, to: number, onWindow?: (p: ImportProgress) => void): AsyncGenerator<RawFrame> {
    const { settings } = this.o;
    this.progress.total = to - from + 1;
    const onAnswer = (logs: unknown[]) => void (this.progress.logs += logs.length);
    // The oracle look-back: the answers in force at `from`.
    if (from > 0 && settings.lookbackBlocks > 0) {
      const start = Math.max(0, from - settings.lookbackBlocks);
      for (const { venue, connection } of this.connections)
        yield* this.phase(venue, `the oracle look-back (blocks ${start}-${from - 1})`, (s) => connection.readLogs(s, start, from - 1, connection.feedFilters, onAnswer));
      // Contracts created over the look-back (as live reads its creators' logs there): learned and asked their
      // calls, so their logs from `from` on are read; before the look-back, start-up discovery (`httpUrl`) finds them.
      for (const { venue } of this.o.venues.filter((v) => v.watch.creations?.some((c) => c.calls.length > 0)))
        yield* this.phase(venue, `the creations of the look-back (blocks ${start}-${from - 1})`, (s) => this.lookBackCreations(venue, s, start, from - 1, onAnswer));
    }
    // Within the parser's memory of heads (chain-state.ts), and no wider than a provider is asked at once.
    const width = Math.min(settings.maxRangeBlocks, REORG_DEPTH);
    for (let a = from; a <= to; a += width) {
      const b = Math.min(to, a + width - 1);
      for (const { venue, connection } of this.connections) {
        yield* this.phase(venue, `the oracle answers of blocks ${a}-${b}`, (s) => connection.readLogs(s, a, b, connection.feedFilters, onAnswer));
        const { watch } = this.o.venues.find((v) => v.venue === venue)!;
        const blocks = new Set<number>();
        const creations: Creation[] = [];
        const onLogs = (list: unknown[]) => {
          onAnswer(list);
          // Headers only of blocks in the window asked: a log claiming another block is the parser's to judge.
          for (const l of list) {
            const n = typeof l === 'object' && l !== null ? quantity((l as { blockNumber?: unknown }).blockNumber) : undefined;
            if (n !== undefined && n >= a && n <= b) blocks.add(n);
            const c = watch.creations && createdBy(watch.creations, l);
            if (c && c.block >= a && c.block <= b) creations.push(c);
          }
        };
        const logs = await this.collect(venue, `blocks ${a}-${b}`, (s) => connection.readLogs(s, a, b, connection.venueFilters, onLogs));
        // Contracts created in the window (live adopts them): asked their calls, watched from here on, and their
        // logs of the window read from their creation block; the answers and logs follow the creation log.
        while (creations.length > 0) {
          const found = creations.splice(0).filter((c, i, all) => all.findIndex((x) => x.address === c.address) === i && this.adopt(venue, watch, c));
          if (found.length > 0) logs.push(...(await this.collect(venue, `contracts created in blocks ${a}-${b}`, (s) => this.readCreated(connection, s, watch, found, b, onLogs))));
        }
        yield* this.phase(venue, `the headers of blocks ${a}-${b}`, (s) => connection.readHeaders(s, [...blocks].sort((x, y) => x - y)));
        yield* logs;
      }
      this.progress.done = b - from + 1;
      onWindow?.(this.progress);
    }
  }

  /**
   * Whether the import takes `c` into `watch`'s filter (once; at most MAX_DISCOVERED contracts: past it counted and
   * logged, as live).
   */
  private adopt(venue: VenueId, watch: ChainWatch, c: Creation): boolean {
    const filter = watch.filters[0];
    if (!filter || filter.address.includes(c.address)) return false;
    if (filter.address.length >= MAX_DISCOVERED) {
      this.overCap += 1;
      if (this.overCap === 1) this.o.log.warn({ venue, chain: this.o.chain, address: c.address, max: MAX_DISCOVERED }, 'history import: contract created past the watch cap: not read (counted)');
      return false;
    }
    filter.address.push(c.address);
    this.taken.add(c.address);
    return true;
  }

  /** The creators' logs of [from, to] (frames: the parser learns from them), each new contract adopted and asked its calls. */
  private async lookBackCreations(venue: VenueId, session: number, from: number, to: number, onAnswer: (list: unknown[]) => void): Promise<void> {
    const { connection } = this.connections.find((c) => c.venue === venue)!;
    const { watch } = this.o.venues.find((v) => v.venue === venue)!;
    const sources = (watch.creations ?? []).filter((c) => c.calls.length > 0);
    const found: Creation[] = [];
    const filter = { address: [...new Set(sources.map((c) => c.address))], topics: [[...new Set(sources.map((c) => c.topic0))]] };
    await connection.readLogs(session, from, to, [filter], (list) => {
      onAnswer(list);
      for (const l of list) {
        const c = createdBy(sources, l);
        if (c && !found.some((x) => x.address === c.address)) found.push(c);
      }
    });
    // Asked again after a dropped connection: the calls of every one this import adopted (the answers may be lost).
    for (const c of found) this.adopt(venue, watch, c);
    await this.readCreated(connection, session, watch, found.filter((c) => this.taken.has(c.address)), undefined, onAnswer);
  }

  /** The created contracts' calls (answers recorded with their request), then their logs of [creation block, to] (none without `to`). */
  private async readCreated(connection: EvmChainConnection, session: number, watch: ChainWatch, found: Creation[], to: number | undefined, onLogs: (list: unknown[]) => void): Promise<void> {
    const asks = found.flatMap((c) => c.source.calls.map((data) => ({ to: c.address, data })));
    // A few at a time, as start-up discovery: a factory's burst of creations is not thousands of serial round trips.
    for (let i = 0; i < asks.length; i += CALL_CONCURRENCY)
      await Promise.all(
        asks.slice(i, i + CALL_CONCURRENCY).map((call) =>
          connection.call(session, 'eth_call', [call, 'latest']).catch((err: unknown) => {
            if (!(err instanceof RequestFailed) || err.timedOut) throw err;
            this.o.log.warn({ chain: this.o.chain, address: call.to, err: err.message }, 'history import: created contract refused a discovery call (its logs will be refused for want of metadata)');
          }),
        ),
      );
    // One read for all of them, from the first creation (a contract has no logs before its own).
    if (to !== undefined && found.length > 0)
      await connection.readLogs(session, Math.min(...found.map((c) => c.block)), to, [{ address: found.map((c) => c.address), topics: watch.filters[0]!.topics ?? [] }], onLogs);
  }

  /** The frames one step's requests brought (see collect). */
  private async *phase(venue: VenueId, what: string, work: (session: number) => Promise<unknown>): AsyncGenerator<RawFrame> {
    yield* await this.collect(venue, what, work);
  }

  /** Runs one step's requests and returns the frames received meanwhile; a dropped or stalled connection is asked again. */
  private async collect(venue: VenueId, what: string, work: (session: number) => Promise<unknown>): Promise<RawFrame[]> {
    const frames: RawFrame[] = this.stray.splice(0);
    const before = this.sink;
    this.sink = frames;
    try {
      const { connection } = this.connections.find((c) => c.venue === venue)!;
      const url = this.o.venues.find((v) => v.venue === venue)!.url;
      await this.retry(venue, what, async () => work(await this.up(connection, venue, url)));
    } finally {
      this.sink = before;
    }
    return frames;
  }

  private async retry<T>(venue: VenueId, what: string, work: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await work();
      } catch (err) {
        if (err instanceof ImportRangeError) throw err;
        const again = err instanceof SessionEnded || (err instanceof RequestFailed && err.timedOut);
        if (again && attempt < TIMEOUT_RETRIES) {
          this.o.log.warn({ venue, chain: this.o.chain, what, err: (err as Error).message, attempt: attempt + 1 }, 'history import: request failed; asking again');
          continue;
        }
        throw new Error(`${venue} on ${this.o.chain}: ${what} could not be read: ${(err as Error).message}`, { cause: err });
      }
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.connections.map(({ connection }) => connection.stop()));
  }

  /** Requests sent and eth_getLogs ranges halved, over every connection. */
  get stats(): { requests: number; halvings: number; unreadable: number } {
    const sum = (k: 'requests' | 'halvings' | 'unreadable') => this.connections.reduce((n, c) => n + c.connection.stats[k], 0);
    return { requests: sum('requests'), halvings: sum('halvings'), unreadable: sum('unreadable') };
  }
}
