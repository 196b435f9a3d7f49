import { performance } from 'node:perf_hooks';
import type { Logger } from '../log.js';
import type { BusStatus } from '../metrics/metrics.js';
import type { Bus, BusMessage, ConsumedBatch, SubscribeOptions, Subscription } from './bus.js';
import { errnoCode, SpillLog, SpillWriteError, type SpillConfig, type SpillRecord } from './spill-log.js';

export class SpillFullError extends Error {}
export { SpillWriteError };

/** Publishes the bus had accepted and then lost (the disk refused them); `err` says why. */
export type LossListener = (records: SpillRecord[], err: SpillWriteError) => void;

interface InFlight {
  record: SpillRecord;
  /** The publish's number in acceptance order (see `progress`). */
  seq: number;
  settled: Promise<unknown>;
  /** Set when the record was moved to the spill after a failure; its late settlement is ignored. */
  moved: boolean;
  /**
   * When it was handed to the broker, on the monotonic clock: the watchdog must not depend on the
   * wall clock (an NTP step back of an hour kept a hung send in memory for that hour).
   */
  sentAt: number;
}

/**
 * Keeps a producer's publishes when the broker is away. A publish is accepted at once: sent
 * straight to the inner bus while the broker answers and fewer than `maxInMemory` events await
 * its acknowledgement; otherwise appended to an on-disk spill. When a send fails, everything
 * still in flight moves to the front of the spill, and a drainer sends the spill back in order,
 * retrying without end (with back-off), until it is empty and sending goes direct again.
 *
 * So call order is kept across an outage, nothing accepted is lost while the process lives, and a
 * restart on the same spill directory sends what was left. A send that failed after the broker
 * wrote it is sent again: delivery is at least once (the aggregator drops repeated event ids).
 *
 * `full` says the spill has reached bus.spill.maxBytes: callers stop reading then (see Ingestor).
 * `publish` rejects with SpillFullError only past twice that, which a caller that checks `full`
 * never reaches.
 *
 * A write the disk refuses (ENOSPC, EDQUOT, EIO, a short write) is treated the same way: that publish
 * is rejected with SpillWriteError, and `full` holds (so are later publishes) until the disk can be
 * expected to take data again: the spill emptied, gave a segment back, or `retry.maxMs` passed. In-flight
 * records the disk refuses when they must move to it are reported, exactly, to the loss listener.
 */
export class SpillingBus implements Bus {
  readonly kind: Bus['kind'];
  private readonly inFlight: InFlight[] = [];
  private memoryEvents = 0;
  private up = false;
  private started = false;
  private topics: string[] = [];
  private draining: Promise<void> | undefined;
  private closed = false;
  /** Set when close() begins: the drainer's next failure ends it instead of starting a back-off pause. */
  private stopping = false;
  private closing: Promise<void> | undefined;
  private failuresLogged = 0;
  private readonly spill: SpillLog;
  private wake: (() => void) | undefined;
  private starting: Promise<boolean> | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  /** Set once the spill is closed (and its lock released): nothing may touch the directory after that. */
  private spillClosed = false;
  /** Since the disk refused a write: when (monotonic), the spill's freed bytes then, and why. */
  private writeFailure: { at: number; freed: number; code: string } | undefined;
  private lossListener: LossListener | undefined;
  /** Publishes accepted so far; each gets the next number. */
  private accepted = 0;

  constructor(
    private readonly inner: Bus,
    private readonly config: SpillConfig & { maxInMemory: number; sendTimeoutMs: number },
    private readonly log: Logger,
  ) {
    this.kind = inner.kind;
    this.spill = SpillLog.open(config);
    if (this.spill.recoveredTornBytes > 0) log.warn({ dir: config.dir, bytes: this.spill.recoveredTornBytes }, 'spill: cut off a torn record left by a crash');
    if (this.spill.records > 0) log.warn({ dir: config.dir, records: this.spill.records, bytes: this.spill.bytes }, 'spill: unsent records from an earlier run; sending them first');
  }

  /**
   * Tries the broker for at most `waitMs`; if it is away (kafkajs's own connection retries can take
   * tens of seconds), the process runs on, spilling, and the drainer goes on trying.
   */
  async start(topics: string[], waitMs = 3_000): Promise<void> {
    this.topics = topics;
    const started = this.startInner();
    let timer: NodeJS.Timeout | undefined;
    const waited = await Promise.race([started, new Promise<false>((r) => (timer = setTimeout(() => r(false), waitMs)))]);
    clearTimeout(timer);
    if (!waited) this.log.error({ waitedMs: waitMs }, 'bus unavailable at start; spilling to disk and retrying');
    this.kick();
  }

  /** One attempt at a time, shared by start() and the drainer. */
  private startInner(): Promise<boolean> {
    this.starting ??= this.inner.start(this.topics).then(
      () => {
        this.started = true;
        this.up = true;
        return true;
      },
      (err: unknown) => {
        if (!this.closed) this.markDown(err); // after close() (which did not wait for this attempt) there is nothing to report
        return false;
      },
    ).finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  subscribe(options: SubscribeOptions, handler: (batch: ConsumedBatch) => Promise<void>): Promise<Subscription> {
    return this.inner.subscribe(options, handler);
  }

  get full(): boolean {
    return this.spill.bytes >= this.config.maxBytes || !this.writable();
  }

  /** Why `full` is true: the reason a gap for frames dropped now carries. */
  get fullReason(): string {
    return this.writeFailure ? `spill write failed (${this.writeFailure.code}): frames dropped` : 'bus spill full: frames dropped';
  }

  /** Called with every accepted publish that is lost afterwards (in flight when the disk refused it). */
  onLoss(listener: LossListener): void {
    this.lossListener = listener;
  }

  /**
   * Publishes accepted (numbered 1, 2, …) and how many of the first ones are durable: acknowledged by
   * the broker, on disk, or reported lost. A `kill -9` loses none of the first `durable`.
   */
  progress(): { accepted: number; durable: number } {
    const oldest = this.inFlight[0];
    return { accepted: this.accepted, durable: oldest ? oldest.seq - 1 : this.accepted };
  }

  /** False while a recent write failure says the disk will refuse the next one. */
  private writable(): boolean {
    const f = this.writeFailure;
    if (!f) return true;
    // Space comes back when the drainer deletes spent segments (all of them once the spill is empty);
    // otherwise (space freed by someone else, a quota raised) a write is tried again after retry.maxMs.
    if (this.spill.records > 0 && this.spill.freedBytes === f.freed && performance.now() - f.at < this.config.retry.maxMs) return false;
    this.writeFailure = undefined;
    this.log.info({ dir: this.config.dir }, 'spill: trying the disk again after a write failure');
    return true;
  }

  private writeFailed(err: SpillWriteError): void {
    if (!this.writeFailure) this.log.error({ dir: this.config.dir, err: err.message, code: err.code }, 'spill: the disk refused a write; frames are dropped (and a gap recorded) until it takes data again');
    this.writeFailure = { at: performance.now(), freed: this.spill.freedBytes, code: err.code };
  }

  status(): BusStatus {
    const mem = this.inFlight[0]?.record.t;
    const disk = this.spill.oldest();
    return {
      up: this.up,
      memoryEvents: this.memoryEvents,
      spillBytes: this.spill.bytes,
      spillMaxBytes: this.config.maxBytes,
      oldestUnsent: disk !== undefined && (mem === undefined || disk < mem) ? disk : mem,
    };
  }

  publish(topic: string, messages: BusMessage[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('bus is closed'));
    if (messages.length === 0) return Promise.resolve();
    const record: SpillRecord = { t: Date.now(), topic, messages };
    if (this.up && this.spill.records === 0 && this.memoryEvents + messages.length <= this.config.maxInMemory) {
      this.send(record);
      return Promise.resolve();
    }
    // The disk refused a write a moment ago: this one is refused without trying (the caller records the loss).
    if (!this.writable()) return Promise.reject(new SpillWriteError(`spill: the disk refused a write (${this.writeFailure!.code}); not writable yet`, 0, this.writeFailure!.code));
    // `full` stops the reading at maxBytes; what was read before then is still taken, up to twice the
    // limit (the ingestor holds at most bus.maxBuffered messages, far less), so nothing read is lost.
    try {
      if (!this.spill.append(record, 2 * this.config.maxBytes)) return Promise.reject(new SpillFullError(`spill at twice its limit of ${this.config.maxBytes} bytes`));
    } catch (err) {
      // Disk full, directory removed or read-only: the caller counts the loss (a publish never throws).
      if (err instanceof SpillWriteError) this.writeFailed(err);
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    this.accepted += 1;
    this.kick();
    return Promise.resolve();
  }

  private send(record: SpillRecord): void {
    const entry: InFlight = { record, seq: ++this.accepted, moved: false, settled: Promise.resolve(), sentAt: performance.now() };
    this.inFlight.push(entry);
    this.memoryEvents += record.messages.length;
    entry.settled = this.inner.publish(record.topic, record.messages).then(
      () => {
        if (entry.moved) return;
        // Acknowledgements arrive in call order (Bus contract), so this is the oldest.
        this.inFlight.shift();
        this.memoryEvents -= record.messages.length;
        if (this.inFlight.length === 0 && this.spill.records > 0) this.kick();
      },
      (err: unknown) => {
        if (!entry.moved) this.failInFlight(err);
      },
    );
    this.watchdog ??= setInterval(() => {
      const oldest = this.inFlight[0];
      if (!oldest) {
        clearInterval(this.watchdog);
        this.watchdog = undefined;
      } else if (performance.now() - oldest.sentAt > this.config.sendTimeoutMs) {
        // kafkajs can keep a send to a vanished broker pending for ~20 s while it reconnects; the
        // send goes on, and if it still lands, the copy sent from the spill is a duplicate (at least once).
        this.failInFlight(new Error(`no acknowledgement within ${this.config.sendTimeoutMs} ms`));
      }
    }, Math.min(500, this.config.sendTimeoutMs)).unref();
  }

  /**
   * Everything still in flight failed with the oldest (Bus contract) or will: it goes to disk ahead
   * of what was spilled meanwhile, so the order is kept.
   */
  private failInFlight(err: unknown): void {
    this.markDown(err);
    this.moveInFlightToSpill();
    this.kick();
  }

  private moveInFlightToSpill(): void {
    for (const e of this.inFlight) e.moved = true;
    const records = this.inFlight.map((e) => e.record);
    this.inFlight.length = 0;
    this.memoryEvents = 0;
    if (records.length === 0) return;
    // Called from a send's rejection handler and from the watchdog's timer: a throw here (disk full,
    // directory gone) was an unhandled rejection or an uncaught exception, which ends the process.
    if (this.spillClosed) {
      this.lost(records, new SpillWriteError('spill already closed', 0, 'ECLOSED'), 'spill: already closed; the records in flight at shutdown are lost');
      return;
    }
    try {
      this.spill.prepend(records);
    } catch (err) {
      const failure = err instanceof SpillWriteError ? err : new SpillWriteError((err as Error).message, 0, errnoCode(err));
      this.writeFailed(failure);
      // Those before the refused write are on disk and will be sent: only the rest is lost, and said so.
      this.lost(records.slice(failure.written), failure, 'spill: could not write the records in flight to disk; they are lost', records.slice(0, failure.written));
    }
  }

  private lost(records: SpillRecord[], err: SpillWriteError, message: string, kept: SpillRecord[] = []): void {
    const count = (list: SpillRecord[]) => list.reduce((n, r) => n + r.messages.length, 0);
    this.log.error({ err: err.message, lostRecords: records.length, lostMessages: count(records), keptRecords: kept.length, keptMessages: count(kept) }, message);
    this.lossListener?.(records, err);
  }

  private markDown(err: unknown): void {
    if (this.up || this.failuresLogged === 0) this.log.error({ err: (err as Error).message }, 'bus unavailable; spilling to disk and retrying');
    this.failuresLogged += 1;
    this.up = false;
  }

  private kick(): void {
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
    });
  }

  /** Sends the spill, oldest first, until it is empty; retries without end while the broker is away. */
  private async drain(): Promise<void> {
    let delay = this.config.retry.initialMs;
    while (!this.closed) {
      if (this.inFlight.length > 0) return; // the last in-flight acknowledgement or failure kicks again
      if (this.started && this.spill.records === 0) {
        if (!this.up) this.log.info('bus available again');
        this.up = true;
        return;
      }
      try {
        if (!this.started && !(await this.startInner())) throw new Error('broker unavailable');
        if (this.closed) return;
        const lostBefore = this.spill.lostRecords;
        const records = this.spill.peek(64, this.config.maxInMemory);
        if (this.spill.lostRecords > lostBefore)
          this.log.error({ dir: this.config.dir, records: this.spill.lostRecords - lostBefore }, 'spill: segment files disappeared; their records are lost');
        const results = await Promise.allSettled(records.map((r) => this.inner.publish(r.topic, r.messages)));
        // close() stopped waiting for this attempt and closed the spill: the next start sends these again.
        if (this.spillClosed) return;
        const sent = results.findIndex((r) => r.status === 'rejected');
        this.spill.ack(sent === -1 ? records.length : sent);
        if (sent !== -1) throw (results[sent] as PromiseRejectedResult).reason;
        delay = this.config.retry.initialMs;
      } catch (err) {
        // Failed after close() (an attempt close did not wait for): no error to log, no back-off to keep the process alive.
        if (this.closed) return;
        this.markDown(err);
        // close() is giving the spill its one last attempt: what is left stays on disk for the next start.
        if (this.stopping) return;
        await this.sleep(delay);
        delay = Math.min(delay * 2, this.config.retry.maxMs);
      }
    }
  }

  /** A back-off pause that close() cuts short. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /**
   * Gives in-flight sends and the spill until `deadlineMs` to reach the broker; what is left stays
   * on disk for the next start. Then closes the inner bus. `beforeRelease` runs once nothing is in
   * flight any more (all on disk or reported lost), while this process still holds the spill's lock.
   */
  close(deadlineMs = 5_000, beforeRelease?: () => void): Promise<void> {
    // Once: a second call gets the first's promise, so it never returns while the first still holds the spill.
    this.closing ??= this.closeOnce(deadlineMs, beforeRelease);
    return this.closing;
  }

  private async closeOnce(deadlineMs: number, beforeRelease?: () => void): Promise<void> {
    const until = performance.now() + deadlineMs;
    // Records on disk get one attempt now even when the drainer is in a back-off pause (up to retry.maxMs): the
    // broker may have come back since its last failure. A failure then ends the drainer instead of pausing again.
    // Only when a broker accepts connections: kafkajs retries a send to brokers that refuse them for ≈ 20 s, which
    // held such a stop to its deadline and left the client retrying after it (found in review on a real broker: 6.0 s
    // and a live client, now 3 ms; test/bus/spilling-bus.test.ts, "refuse connections").
    this.stopping = true;
    // Asked only with records on disk and the bus down; false: no broker accepts a connection, so no send can complete.
    const reachable =
      this.spill.records === 0 || this.up || this.inner.reachable === undefined
        ? true
        : await this.inner.reachable(Math.min(PROBE_MS, deadlineMs)).catch(() => false);
    const attempt = this.spill.records > 0 && reachable;
    if (attempt) {
      this.wake?.();
      this.kick();
    }
    while (performance.now() < until && (this.inFlight.length > 0 || (attempt && this.draining !== undefined && this.spill.records > 0)))
      await new Promise((r) => setTimeout(r, 20));
    this.closed = true;
    this.wake?.();
    clearInterval(this.watchdog);
    // A send still pending fails or succeeds within the producer's retry budget, which against a
    // broker that accepts connections and never answers is minutes: longer than the CLI's 30 s exit.
    // So wait at most the deadline, then put what is still in flight on disk for the next start.
    const rest = () => Math.max(0, until - performance.now());
    await withDeadline(Promise.allSettled(this.inFlight.map((e) => e.settled)), rest());
    this.moveInFlightToSpill();
    // The drainer may be stuck in a send or a connection attempt; it leaves the spill alone once closed. With
    // nothing on disk it holds nothing to send (records leave the spill only when acknowledged), so a connection
    // attempt to a broker that is away is not waited for: a stop then takes ≈ no time instead of the whole deadline.
    // Nor is a drainer's send when no broker accepts connections (kafkajs retries it for ≈ 20 s, past the deadline).
    if (this.draining && this.spill.records > 0 && reachable) await withDeadline(this.draining, rest());
    if (this.spill.records > 0) this.log.warn({ records: this.spill.records, bytes: this.spill.bytes }, 'spill: unsent records kept on disk for the next start');
    beforeRelease?.();
    this.spillClosed = true;
    this.spill.close();
    // The client's close waits for its pending sends; with no broker accepting connections they cannot complete.
    if (!(await withDeadline(this.inner.close().then(() => true), reachable ? Math.max(rest(), 1_000) : Math.min(rest(), 1_000))))
      this.log.warn('bus: closing the Kafka client did not finish in time; leaving it');
  }
}

/** How long a stop waits for a broker to accept a connection before it gives spilled records one more attempt. */
const PROBE_MS = 1_000;

/** Resolves with the promise's value, or undefined after `ms`. */
function withDeadline<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)))]).finally(() => clearTimeout(timer));
}
