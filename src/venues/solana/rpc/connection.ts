import { earliest, ManagedSocket, type ManagedSocketHooks, type ManagedSocketOptions } from '../../../connection/managed-socket.js';
import type { Logger } from '../../../log.js';
import { redactUrlsIn } from '../../../log.js';
import type { SocketPlan, VenueConnection } from '../../venue.js';
import { isSignature } from '../base58.js';
import { liquidationsIn, type SolanaProtocol } from '../parser.js';
import { Transaction, type SolanaCall } from '../schema.js';
import type { SolanaSettings } from '../settings.js';
import { logsNotice, readJson, request, solanaFrame, subscribeRefusal } from './json-rpc.js';

/** What a connection has done, for tests and logs. */
export interface SolanaConnectionStats {
  requests: number;
  /** Transactions fetched (getTransaction answers with a transaction), and those holding a liquidation instruction. */
  transactions: number;
  liquidationTransactions: number;
  /** Signatures re-read after reconnects (getSignaturesForAddress), and the backfills run. */
  backfilledSignatures: number;
  backfills: number;
  /** Requests that failed after their retries (each logged; a backfill that fails is a gap). */
  failures: number;
  gaps: number;
  /** Finality checks run. */
  finalityChecks: number;
}

/** Where a connection's counts go (Prometheus in a service). */
export interface SolanaObserver {
  count(what: 'backfilled_signatures' | 'rpc_errors' | 'request_failures' | 'transactions' | 'finality_checks', n?: number): void;
  head(slot: number): void;
}

/** Tries of one HTTP request (a timeout, a dropped connection, HTTP 429 or 5xx are asked again). */
const TRIES = 3;
/** Subscribe requests' ids (a refusal of one is a subscribe error). */
const SUBSCRIBE_ID = 1;
/** getSignaturesForAddress's page (the node's maximum). */
const PAGE = 1_000;
/** Signatures remembered as handled, so the subscription's and a backfill's copy are fetched once. */
const MAX_HANDLED = 200_000;
/** An HTTP answer larger than this is refused unread (a transaction is a few KiB; a page of signatures ~300 KiB). */
export const MAX_ANSWER_BYTES = 16 * 1024 * 1024;
/**
 * A getTransaction answering `null` (a node behind the one that notified: not yet served at `confirmed`) is asked
 * again this many times, 250 ms × 2^k apart (≈ 3.75 s in all), then fails: a gap, never a silent loss.
 */
const NOT_YET_TRIES = 5;
/** getSignatureStatuses takes at most 256 signatures. */
const STATUS_BATCH = 256;

class RequestFailed extends Error {}

/**
 * One Solana venue's connection to one cluster (docs/venues/solana.md):
 * - a ManagedSocket (reconnect with backoff, silence timeout) subscribed with `logsSubscribe` (mentions: the
 *   program) at `confirmed`; every message it receives is handed on as a frame `{"rpc":…,"chain":…}`;
 * - each notified signature whose logs show a liquidation (or are truncated) is fetched over HTTP with
 *   `getTransaction` (jsonParsed); one holding a liquidation has its price accounts read (`getMultipleAccounts`,
 *   at least at its slot), and both answers are handed on as frames with the request they answer (`call`), the
 *   accounts first, so the parser values the liquidation with them, in a replay as live;
 * - after a reconnect, the program's signatures since the last one handled are read (`getSignaturesForAddress`,
 *   pages of 1,000 with `before`/`until`) and fetched likewise, oldest first: a reconnect is no gap unless that fails;
 * - every `finalityCheckMs`, the finalized slot (`getSlot`) and the statuses of the provisional liquidations
 *   (`getSignatureStatuses`) are asked and handed on: the parser retracts one its finalized slot does not know.
 * Work runs one task at a time, in order, so frames are recorded in the order the parser must read them.
 */
export class SolanaConnection implements VenueConnection {
  readonly stats: SolanaConnectionStats = { requests: 0, transactions: 0, liquidationTransactions: 0, backfilledSignatures: 0, backfills: 0, failures: 0, gaps: 0, finalityChecks: 0 };
  private readonly socket: ManagedSocket;
  private queue: Promise<void> = Promise.resolve();
  private readonly handled = new Set<string>();
  /** The newest signature of the program known handled: where a backfill reads back to. */
  private lastSignature: string | undefined;
  /** Provisional liquidation transactions: signature → slot (asked for their status until final). */
  private readonly provisional = new Map<string, number>();
  private outage: { from: number; reason: string } | undefined;
  /** Counts disconnections: a backfill closes the outage only if no other began while it ran (that one has its own backfill queued). */
  private outages = 0;
  /** Notified signatures waiting for their fetch (at most settings.maxQueuedFetches), and whether a storm's backfill is queued. */
  private readonly queued = new Set<string>();
  private overflowBackfill = false;
  private sessions = 0;
  /**
   * Whether this connection's logsSubscribe is answered, and who waits for it. A subscription carries only what
   * happens after it is made, and the HTTP requests race it: the anchor or a backfill's listing read before then
   * leaves what lands in between on neither side, lost with no gap. So they wait for the answer (see onUp).
   */
  private subscribedNow = false;
  private upSince: number | undefined;
  private subscribeWait: ((answered: boolean) => void) | undefined;
  private stopping = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly context: Record<string, unknown>;
  private nextId = 100;

  constructor(
    private readonly venue: string,
    private readonly chain: string,
    private readonly protocol: SolanaProtocol,
    /** Bytes of each price account the protocol reads (dataSlice). */
    private readonly priceBytes: number,
    url: string,
    private readonly httpUrl: string,
    private readonly settings: SolanaSettings,
    private readonly hooks: ManagedSocketHooks,
    private readonly log: Logger,
    options: ManagedSocketOptions,
    private readonly observer?: SolanaObserver,
  ) {
    this.context = { venue, chain };
    this.socket = new ManagedSocket(this.plan(url), this.socketHooks(), log, options);
  }

  private plan(url: string): SocketPlan {
    return {
      venue: this.venue,
      name: this.chain,
      url,
      subscribe: [request(SUBSCRIBE_ID, 'logsSubscribe', [{ mentions: [this.protocol.programId] }, { commitment: 'confirmed' }])],
      pingIntervalMs: this.settings.pingIntervalMs,
      silenceTimeoutMs: this.settings.silenceTimeoutMs,
      subscribeError: (frame) => {
        if (!frame.includes('"error"')) return undefined;
        try {
          return subscribeRefusal(JSON.parse(frame), 100);
        } catch {
          return undefined;
        }
      },
    };
  }

  private socketHooks(): ManagedSocketHooks {
    return {
      onFrame: (text, recv) => {
        const { json, isJson } = readJson(text);
        // The subscribe's answer. A refusal (ManagedSocket logs and counts it) leaves the venue blind: the connection
        // is dropped, the venue unwatched until a node accepts it.
        if (isJson && (json as { id?: unknown } | null)?.id === SUBSCRIBE_ID && !this.subscribedNow) {
          const refusal = subscribeRefusal(json, SUBSCRIBE_ID + 1);
          if (refusal !== undefined) this.socket.drop(`subscribe refused: ${refusal}`);
          else {
            this.subscribedNow = true;
            this.subscribeWait?.(true);
          }
        }
        const notice = isJson ? logsNotice(json) : undefined;
        if (notice && !notice.failed && isSignature(notice.signature) && this.showsLiquidation(notice.logs)) {
          this.queueFetch(notice.signature);
        } else if (notice && !notice.failed && isSignature(notice.signature) && this.outage === undefined) {
          // Not while an outage awaits its backfill: that reads back to lastSignature, which must stay before the outage.
          this.lastSignature = notice.signature;
        }
        if (notice?.slot !== undefined) this.observer?.head(notice.slot);
        return this.hooks.onFrame(solanaFrame(this.chain, text, isJson), recv);
      },
      onGap: (from, _to, reason) => {
        // Not yet a gap: the backfill decides.
        this.outages += 1;
        this.outage = { from: Math.min(from, this.outage?.from ?? from), reason };
      },
      onUp: (up) => {
        // A connection whose subscription was never made watched nothing from its start.
        const unwatchedFrom = this.subscribedNow ? Date.now() : (this.upSince ?? Date.now());
        this.subscribeWait?.(false);
        this.subscribedNow = false;
        if (up) {
          this.sessions += 1;
          this.upSince = Date.now();
          const session = this.sessions;
          // Once the subscription is made (see subscribedNow): fill the outage from the last signature handled; without
          // one (the first connection, or every one so far ended before its anchor), an open outage is a gap, and
          // where the program's history stands now is read as the anchor a later backfill reads back to.
          this.enqueue(async () => {
            if (!(await this.subscribed(session))) return;
            if (this.lastSignature !== undefined) return this.backfill();
            if (this.outage) await this.backfill();
            return this.anchor();
          });
        } else if (!this.stopping) {
          this.outages += 1;
          this.outage ??= { from: unwatchedFrom, reason: 'disconnected' };
        }
        this.hooks.onUp(up);
      },
      onReconnect: () => this.hooks.onReconnect(),
      onSubscribeError: (message) => this.hooks.onSubscribeError(message),
      onConnected: (recv) => this.hooks.onConnected?.(recv),
    };
  }

  /**
   * A notified signature's fetch, queued once. Past maxQueuedFetches waiting, the notification is not queued: the
   * storm is an outage, read by one backfill queued behind the waiting fetches (it lists what they were not).
   */
  private queueFetch(signature: string): void {
    if (this.queued.has(signature) || this.handled.has(signature)) return;
    if (this.queued.size >= this.settings.maxQueuedFetches) {
      this.outages += 1;
      this.outage ??= { from: Date.now(), reason: `more than ${this.settings.maxQueuedFetches} notified transactions waiting` };
      if (!this.overflowBackfill) {
        this.overflowBackfill = true;
        this.log.warn({ ...this.context, waiting: this.queued.size }, 'notification storm: read by a backfill instead');
        this.enqueue(() => {
          this.overflowBackfill = false;
          return this.backfill();
        });
      }
      return;
    }
    this.queued.add(signature);
    this.enqueue(() => {
      this.queued.delete(signature);
      return this.fetch(signature);
    });
  }

  /** Notified signatures waiting for their fetch (bounded by settings.maxQueuedFetches). */
  get queuedFetches(): number {
    return this.queued.size;
  }

  /** Logs that show a liquidation, or that the node truncated (the instruction's line may be past the cut). */
  private showsLiquidation(logs: string[]): boolean {
    return logs.some((l) => l.startsWith('Log truncated') || this.protocol.logMarkers.some((m) => l.includes(m)));
  }

  start(): void {
    this.socket.start();
    this.timer = setInterval(() => {
      if (this.provisional.size > 0 && this.socket.connected) this.enqueue(() => this.checkFinality());
    }, this.settings.finalityCheckMs);
    this.timer.unref();
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  /** Down, or up with an outage not yet backfilled, or with its subscription not yet made (at start-up too). */
  get downSinceMs(): number | undefined {
    // The earliest: a socket reconnecting in a loop (a refused subscription) has a new down time each time.
    return earliest(this.socket.downSinceMs, this.outage?.from ?? (this.subscribedNow ? undefined : this.upSince));
  }

  /**
   * True once this connection's logsSubscribe is answered; false if the connection ends first, or drops it after
   * `requestTimeoutMs` unanswered (the next connection subscribes again).
   */
  private subscribed(session: number): Promise<boolean> {
    // A task of a connection that ended (or of a stopping one) waits for nothing: its answer will never come.
    if (this.stopping || session !== this.sessions) return Promise.resolve(false);
    if (this.subscribedNow) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.subscribeWait = undefined;
        this.log.warn({ ...this.context, timeoutMs: this.settings.requestTimeoutMs }, 'logsSubscribe unanswered; reconnecting');
        resolve(false);
        this.socket.drop('subscribe unanswered');
      }, this.settings.requestTimeoutMs);
      this.subscribeWait = (answered) => {
        this.subscribeWait = undefined;
        clearTimeout(timer);
        resolve(answered);
      };
    });
  }

  get downBecause(): string | undefined {
    return this.socket.downBecause;
  }

  /** Resolves when every queued task has run (tests). */
  idle(): Promise<void> {
    return this.queue;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.socket.stop();
    await this.queue;
    const open = this.outage;
    if (open) this.reportGap(open.from, Date.now(), `${open.reason}; stopped before the missed signatures were read`);
  }

  private enqueue(task: () => Promise<void>): void {
    this.queue = this.queue.then(task).catch((err: unknown) => {
      this.log.warn({ ...this.context, err: redactUrlsIn(String(err)) }, 'Solana connection task failed');
    });
  }

  private reportGap(from: number, to: number, reason: string): void {
    this.stats.gaps += 1;
    this.hooks.onGap(from, Math.max(to, from), reason);
  }

  /**
   * One JSON-RPC request over HTTP; its answer handed on as a frame with `call`, unless `deferred` (the caller records
   * it, with what it asks next). An answer that is not JSON is handed on at once either way: refused and counted.
   */
  private async ask(method: string, params: unknown[], call: SolanaCall, deferred = false): Promise<{ json: unknown; text: string; recv: number }> {
    let last = 'no answer';
    for (let attempt = 0; attempt < TRIES && !this.stopping; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
      this.stats.requests += 1;
      try {
        const res = await fetch(this.httpUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: request(this.nextId++, method, params),
          signal: AbortSignal.timeout(this.settings.requestTimeoutMs),
        });
        if (res.status === 429 || res.status >= 500) {
          last = `HTTP ${res.status}`;
          await res.body?.cancel();
          continue;
        }
        const length = Number(res.headers.get('content-length') ?? '0');
        if (length > MAX_ANSWER_BYTES) {
          await res.body?.cancel();
          throw new RequestFailed(`${method}: answer of ${length} bytes refused`);
        }
        const text = await res.text();
        if (text.length > MAX_ANSWER_BYTES) throw new RequestFailed(`${method}: answer of ${text.length} characters refused`);
        const { json, isJson } = readJson(text);
        const recv = Date.now();
        if (!deferred || !isJson) await this.hooks.onFrame(solanaFrame(this.chain, text, isJson, call), recv);
        if (!isJson) throw new RequestFailed(`${method}: answer is not JSON`);
        if (typeof json === 'object' && json !== null && 'error' in json) {
          this.observer?.count('rpc_errors');
          throw new RequestFailed(`${method}: ${String((json as { error: { message?: unknown } }).error?.message ?? 'error').slice(0, 300)}`);
        }
        return { json, text, recv };
      } catch (err) {
        if (err instanceof RequestFailed) throw err;
        last = err instanceof Error ? err.message : String(err);
      }
    }
    this.stats.failures += 1;
    this.observer?.count('request_failures');
    throw new RequestFailed(`${method}: ${last} (after ${TRIES} tries)`);
  }

  private remember(signature: string): boolean {
    if (this.handled.has(signature)) return false;
    this.handled.add(signature);
    if (this.handled.size > MAX_HANDLED) this.handled.delete(this.handled.values().next().value!);
    return true;
  }

  /** Fetches one signature's transaction and, when it holds a liquidation, its price accounts (recorded first). */
  private async fetch(signature: string): Promise<void> {
    if (!this.remember(signature)) return;
    try {
      await this.fetchTransaction(signature);
      this.lastSignature = signature;
    } catch (err) {
      this.handled.delete(signature);
      const reason = redactUrlsIn(err instanceof Error ? err.message : String(err));
      this.log.warn({ ...this.context, signature, reason }, 'a liquidation transaction could not be read');
      this.reportGap(Date.now(), Date.now(), `transaction ${signature} could not be read: ${reason}`);
    }
  }

  private async fetchTransaction(signature: string): Promise<void> {
    const call: SolanaCall = { method: 'getTransaction', signature };
    const params = [signature, { encoding: 'jsonParsed', maxSupportedTransactionVersion: 0, commitment: 'confirmed' }];
    let answer = await this.ask('getTransaction', params, call, true);
    for (let k = 1; (answer.json as { result?: unknown }).result === null; k++) {
      if (k >= NOT_YET_TRIES || this.stopping) throw new RequestFailed(`getTransaction: not found after ${k} tries`);
      await new Promise((r) => setTimeout(r, 250 * 2 ** (k - 1)));
      answer = await this.ask('getTransaction', params, call, true);
    }
    const tx = Transaction.safeParse((answer.json as { result?: unknown }).result);
    let priced: Parameters<typeof solanaFrame>[4];
    // Another transaction than the one asked: the parser refuses it (and so nothing is priced or awaited here).
    if (tx.success && tx.data.transaction.signatures[0] === signature) {
      this.stats.transactions += 1;
      this.observer?.count('transactions');
      const accounts = new Set<string>();
      if (tx.data.meta.err === null)
        for (const found of liquidationsIn(this.protocol, tx.data)) {
          if (typeof found.read === 'string') continue;
          accounts.add(found.read.collateral.priceAccount);
          accounts.add(found.read.debt.priceAccount);
        }
      if (accounts.size > 0) {
        this.stats.liquidationTransactions += 1;
        const list = [...accounts];
        const asked = { method: 'getMultipleAccounts' as const, accounts: list };
        // At least at the liquidation's slot: the price the reserve held then, or after a later refresh (then ≈).
        const params = [list, { encoding: 'base64', commitment: 'confirmed', minContextSlot: tx.data.slot, dataSlice: { offset: 0, length: this.priceBytes } }];
        try {
          const prices = await this.ask('getMultipleAccounts', params, call, true);
          priced = { text: prices.text, isJson: true, call: asked };
        } catch (err) {
          // Recorded without prices, the parser refuses its liquidations (dead-lettered with the reason): said here too.
          this.log.warn({ ...this.context, signature, reason: redactUrlsIn(String(err)) }, 'price accounts could not be read');
        }
        this.provisional.set(signature, tx.data.slot);
      }
    }
    await this.hooks.onFrame(solanaFrame(this.chain, answer.text, true, call, priced), answer.recv);
  }

  /** At the first connection: the program's newest signature, where a later backfill reads back to. */
  private async anchor(): Promise<void> {
    try {
      const { json } = await this.ask('getSignaturesForAddress', [this.protocol.programId, { limit: 1, commitment: 'confirmed' }], { method: 'getSignaturesForAddress' });
      const first = signaturesOf(json).entries[0];
      this.lastSignature ??= first?.signature;
    } catch (err) {
      this.log.warn({ ...this.context, reason: redactUrlsIn(String(err)) }, 'could not read the newest signature: a reconnect before the first liquidation is a gap');
    }
  }

  /** After a reconnect: every signature of the program since the last one handled, fetched oldest first. */
  private async backfill(): Promise<void> {
    const outage = this.outage;
    if (outage === undefined) return;
    const seen = this.outages;
    // Closed unless another outage began meanwhile: its own backfill (queued by its reconnect) reads on from here.
    const close = () => {
      if (this.outages === seen) this.outage = undefined;
    };
    const until = this.lastSignature;
    if (until === undefined) {
      this.outage = undefined;
      return this.reportGap(outage.from, Date.now(), `${outage.reason}; no signature to read back to`);
    }
    this.stats.backfills += 1;
    const found: string[] = [];
    let before: string | undefined;
    let complete = false;
    let malformed = 0;
    try {
      while (found.length < this.settings.maxBackfillSignatures) {
        const { json } = await this.ask('getSignaturesForAddress', [this.protocol.programId, { until, limit: PAGE, commitment: 'confirmed', ...(before ? { before } : {}) }], { method: 'getSignaturesForAddress' });
        const page = signaturesOf(json);
        malformed += page.malformed;
        for (const s of page.entries) if (s.failed === false) found.push(s.signature);
        // A page is full by what the node listed, malformed entries included: a short page ends the walk.
        const last = page.entries.at(-1);
        if (page.listed < PAGE || last === undefined) {
          complete = true;
          break;
        }
        before = last.signature;
      }
    } catch (err) {
      close();
      return this.reportGap(outage.from, Date.now(), `${outage.reason}; the missed signatures could not be listed: ${redactUrlsIn(String(err))}`);
    }
    this.stats.backfilledSignatures += found.length;
    this.observer?.count('backfilled_signatures', found.length);
    // Oldest first, as they happened; ones the subscription already brought are skipped.
    for (const signature of found.reverse()) await this.fetch(signature);
    close();
    if (malformed > 0) {
      this.log.warn({ ...this.context, malformed }, 'getSignaturesForAddress listed malformed entries: not read');
      this.reportGap(outage.from, Date.now(), `${outage.reason}; ${malformed} listed signature${malformed === 1 ? '' : 's'} malformed: not read`);
    }
    if (!complete) this.reportGap(outage.from, Date.now(), `${outage.reason}; more than ${this.settings.maxBackfillSignatures} signatures missed: the oldest were not read`);
  }

  /** The finalized slot, then the statuses of the provisional liquidations: final ones are forgotten, lost ones retracted (by the parser). */
  private async checkFinality(): Promise<void> {
    this.stats.finalityChecks += 1;
    this.observer?.count('finality_checks');
    try {
      const { json } = await this.ask('getSlot', [{ commitment: 'finalized' }], { method: 'getSlot', commitment: 'finalized' });
      const finalized = (json as { result?: unknown }).result;
      if (typeof finalized !== 'number') return;
      const due = [...this.provisional].filter(([, slot]) => slot <= finalized).map(([s]) => s);
      for (let i = 0; i < due.length; i += STATUS_BATCH) {
        const batch = due.slice(i, i + STATUS_BATCH);
        const answer = await this.ask('getSignatureStatuses', [batch, { searchTransactionHistory: true }], { method: 'getSignatureStatuses', signatures: batch });
        const value = (answer.json as { result?: { value?: unknown } }).result?.value;
        if (!Array.isArray(value) || value.length !== batch.length) continue;
        // Finalized, or unknown at a finalized slot (the parser retracts it): settled. Others are asked again.
        batch.forEach((s, k) => {
          const status = value[k] as { confirmationStatus?: unknown } | null;
          if (status === null || status?.confirmationStatus === 'finalized') this.provisional.delete(s);
          // Retracted, it may still land on the final fork (its blockhash valid a while): then it is read anew.
          if (status === null) this.handled.delete(s);
        });
      }
    } catch (err) {
      this.log.debug({ ...this.context, reason: redactUrlsIn(String(err)) }, 'finality check failed; asked again next time');
    }
  }
}

/** getSignaturesForAddress's entries (newest first): each signature and whether its transaction failed; how many were listed, and how many of those were malformed. */
function signaturesOf(json: unknown): { entries: { signature: string; failed: boolean }[]; listed: number; malformed: number } {
  const result = (json as { result?: unknown } | null)?.result;
  if (!Array.isArray(result)) throw new RequestFailed('getSignaturesForAddress: answer is not a list');
  const entries = result.flatMap((e: unknown) => {
    const s = e as { signature?: unknown; err?: unknown } | null;
    return s && isSignature(s.signature) ? [{ signature: s.signature, failed: s.err !== null && s.err !== undefined }] : [];
  });
  return { entries, listed: result.length, malformed: result.length - entries.length };
}
