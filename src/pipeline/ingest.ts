import type { Bus, BusMessage } from '../bus/bus.js';
import { SpillFullError, SpillWriteError } from '../bus/spilling-bus.js';
import type { TopicNames } from '../bus/topics.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import type { GapEvent, NormalizedEvent, RawFrame, VenueId } from '../schema/events.js';
import type { FrameParser, SnapshotRule } from '../venues/venue.js';
import { withNormalBase } from '../venues/base-asset.js';
import { deadLetterMessage, eventMessage, rawMessage } from './messages.js';
import { markChecked, markIdHashes, validEvent } from './checked-batches.js';
import { LogLimiter } from './log-limiter.js';
import { lossCoverage } from './loss-coverage.js';
import { RecentIds } from './recent-ids.js';
import { defaultValueLimits, valueLimitBreach, type ValueLimits } from './value-limits.js';
import { SubscribeHistory, isConnectedFrame } from './subscribe-history.js';

export interface IngestOptions {
  bus: Bus;
  topics: TopicNames;
  metrics: Metrics;
  log: Logger;
  parserFor: (venue: VenueId) => FrameParser | undefined;
  /** The venue module's snapshot rule (VenueModule.snapshots), for the subscribe-history policy. */
  snapshotsFor?: (venue: VenueId) => (() => SnapshotRule) | undefined;
  /** Also publish every raw frame (for recording and re-processing). */
  publishRaw: boolean;
  /** Publish when this many messages are buffered... */
  batchSize: number;
  /** ...or when the oldest buffered message is this old. */
  lingerMs: number;
  /** Above this many buffered messages, `handleFrame` returns a promise: the caller must wait (back-pressure). */
  maxBuffered: number;
  /**
   * Largest message value the bus takes (Kafka: the broker's message.max.bytes less overhead). A raw
   * frame above it is not published on the raw topic; a truncated copy is dead-lettered instead.
   */
  maxRecordBytes?: number;
  /** True while the bus can take nothing more (its spill is full): frames are then dropped and a gap recorded. Default: `spill.full`. */
  isFull?: () => boolean;
  /** The largest value one event may carry (config `limits`); an event over it is dead-lettered. Default: the config's. */
  limits?: ValueLimits;
  /** The bus's spill (SpillingBus), when it has one: why it is full, what is durable, what it lost after accepting. */
  spill?: SpillSignals;
}

/** What a spilling bus tells the ingestor (implemented by SpillingBus). */
export interface SpillSignals {
  readonly full: boolean;
  /** Why it is full, for the gap's reason. */
  readonly fullReason: string;
  /** Publishes accepted so far, and how many of the first ones are durable: lets `openSince` say what a `kill -9` would lose. */
  progress(): { accepted: number; durable: number };
  /** Registers the listener for accepted publishes lost afterwards. */
  onLoss(listener: (records: { messages: BusMessage[] }[], err: Error) => void): void;
}

const SPILL_FULL_REASON = 'bus spill full: frames dropped';

/** Dead letters carry at most this much of the frame (the record must fit the bus). */
export const DEAD_LETTER_FRAME_CHARS = 64 * 1024;

/**
 * Frames in, normalized events out: parse, validate, route bad frames to the dead-letter topic,
 * and publish in batches. One flush runs at a time so that per-key order is kept.
 */
export class Ingestor {
  private buffers = new Map<string, BusMessage[]>();
  private buffered = 0;
  private flushing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private readonly recent: RecentIds;
  private readonly badFrameLogs = new LogLimiter();
  private readonly publishFailureLogs = new LogLimiter();
  /**
   * Per venue, an open gap: from the first frame dropped since the bus became full, or the first lost
   * in a refused publish; closed at the first frame taken again.
   */
  private readonly dropping = new Map<VenueId, { from: number; reason: string }>();
  /** Closed gaps for messages the bus lost after accepting them, waiting until it takes data again. */
  private readonly lostGaps: GapEvent[] = [];
  /** Per venue, the receive time of the first message in the buffer (for `openSince`). */
  private bufferFirst = new Map<VenueId, number>();
  /** Flushed buffers not yet durable: the bus's publish count after each, and its first receive time per venue. */
  private readonly undurable: { seq: number; first: Map<VenueId, number> }[] = [];
  /** Running counts, for reports and for waiting until a consumer has caught up. */
  readonly stats = { frames: 0, badFrames: 0, badEntries: 0, events: 0, duplicates: 0, dropped: 0, history: 0 };
  private readonly limits: ValueLimits;
  private readonly history: SubscribeHistory;

  private readonly isFull: () => boolean;
  /**
   * On the embedded bus, events are checked here, after their last change (base mapping), and each batch of only
   * checked events is marked so that the consumer does not check them again (checked-batches.ts). Topics of the
   * buffer that hold a message not so checked: their batch goes unmarked and is validated by the consumer.
   */
  private readonly marks: boolean;
  private unchecked = new Set<string>();
  /** Per topic on the embedded bus, each buffered message's id hash (see push), in the buffer's order. */
  private idHashes = new Map<string, number[]>();

  constructor(private readonly o: IngestOptions) {
    this.marks = o.bus.kind === 'embedded';
    // Both halves of each id's hash only where they are handed on (the embedded bus: see push).
    this.recent = new RecentIds(16_384, this.marks);
    this.limits = o.limits ?? defaultValueLimits();
    this.history = new SubscribeHistory(o.snapshotsFor ?? (() => undefined));
    const spill = o.spill;
    this.isFull = o.isFull ?? (spill ? () => spill.full : () => false);
    // In-flight records the disk refused: counted, and a gap over exactly their time (docs/reliability.md).
    spill?.onLoss((records, err) => this.lost(records.flatMap((r) => r.messages), err));
  }

  /** Returns a promise only when the buffer is full; callers that can pause their source should await it. Never throws. */
  handleFrame(raw: RawFrame): void | Promise<void> {
    const { metrics } = this.o;
    if (isConnectedFrame(raw.frame)) return this.connected(raw);
    this.stats.frames += 1;
    metrics.frames.add(raw.venue);
    metrics.lastFrame.set(raw.venue, raw.recv / 1000);
    if (this.isFull()) {
      // Reading on (and dropping) keeps the venue connection alive; the gap says what is missing.
      this.stats.dropped += 1;
      metrics.framesDroppedTotal.inc({ venue: raw.venue });
      if (!this.dropping.has(raw.venue)) this.dropping.set(raw.venue, { from: raw.recv, reason: this.o.spill?.fullReason ?? SPILL_FULL_REASON });
      return;
    }
    if (this.dropping.size > 0 || this.lostGaps.length > 0) this.closeDropGaps(raw.recv);
    this.note(raw.venue, raw.recv);
    const maxRecord = this.o.maxRecordBytes ?? Infinity;
    if (this.o.publishRaw) {
      // A UTF-16 unit takes at most 6 bytes in JSON (\uXXXX): only a frame near the limit is measured exactly.
      if (raw.frame.length * 6 + 64 <= maxRecord || Buffer.byteLength(JSON.stringify(raw)) <= maxRecord) this.push(this.o.topics.raw, rawMessage(raw));
      else this.deadLetter(raw, raw.frame, `frame of ${Buffer.byteLength(raw.frame)} bytes exceeds the bus record limit (${maxRecord}); not on the raw topic, events still parsed`);
    }
    const parser = this.o.parserFor(raw.venue);
    let result: ReturnType<FrameParser>;
    try {
      result = parser ? parser(raw.frame, raw.recv) : { ok: false, reason: `no parser for venue ${raw.venue}` };
    } catch (err) {
      // Parsers are meant to be total (a fuzz test holds them to it); this is the second line of defence.
      result = { ok: false, reason: `parser threw: ${err instanceof Error ? err.message : String(err)}` };
    }
    if (!result.ok) {
      this.stats.badFrames += 1;
      metrics.badFramesTotal.inc({ venue: raw.venue });
      this.deadLetter(raw, raw.frame, result.reason);
    } else {
      const { events, history } = this.history.filter(raw.venue, raw.frame, raw.recv, result.events);
      if (history > 0) {
        this.stats.history += history;
        metrics.historyEntriesTotal.inc({ venue: raw.venue }, history);
      }
      // Entry by entry: an event over a bound is dead-lettered with the frame; the frame's other events count.
      for (const event of events) {
        const breach = valueLimitBreach(event, this.limits);
        if (breach === undefined) this.pushEvent(event);
        else this.deadLetter(raw, raw.frame, breach);
      }
      // The frame's other entries counted; each refused one is counted and dead-lettered on its own.
      if (result.rejected !== undefined)
        for (const { entry, reason } of result.rejected) {
          this.stats.badEntries += 1;
          metrics.badEntriesTotal.inc({ venue: raw.venue });
          this.deadLetter(raw, entry, reason, true);
        }
    }
    return this.afterPush();
  }

  /**
   * A connection mark: no venue frame (not counted as one, never parsed), but where the connection began
   * for the subscribe-history policy. Kept on the raw topic, so a recording made from it replays the same.
   */
  private connected(raw: RawFrame): void | Promise<void> {
    this.history.connected(raw.venue, raw.recv);
    if (!this.o.publishRaw) return;
    this.push(this.o.topics.raw, rawMessage(raw));
    return this.afterPush();
  }

  /** `text` is the frame, or for an entry rejection (`entry`) that entry's JSON text. */
  private deadLetter(raw: RawFrame, text: string, reason: string, entry = false): void {
    const { metrics, log } = this.o;
    metrics.deadLettersTotal.inc({ venue: raw.venue });
    const { log: shouldLog, suppressedBefore } = this.badFrameLogs.allow(raw.venue);
    if (suppressedBefore > 0) log.warn({ venue: raw.venue, suppressed: suppressedBefore }, 'bad-frame log lines suppressed (all were counted and dead-lettered)');
    if (shouldLog) log.warn({ venue: raw.venue, recv: raw.recv, reason, bytes: text.length, frame: text.slice(0, 512) }, entry ? 'bad entry' : 'bad frame');
    const truncated = text.length > DEAD_LETTER_FRAME_CHARS;
    this.push(
      this.o.topics.deadLetter,
      deadLetterMessage({
        venue: raw.venue,
        recv: raw.recv,
        reason,
        frame: truncated ? text.slice(0, DEAD_LETTER_FRAME_CHARS) : text,
        ...(truncated ? { frameChars: text.length } : {}),
        ...(entry ? { entry: true } : {}),
      }),
    );
  }

  /** The bus takes data again: one gap per venue for the time its frames were dropped, and those of lost messages. */
  private closeDropGaps(now: number): void {
    const open = [...this.dropping];
    this.dropping.clear();
    const lost = this.lostGaps.splice(0);
    for (const gap of lost) this.pushEvent(gap);
    for (const [venue, { from, reason }] of open) this.pushEvent({ type: 'gap', venue, from, to: Math.max(now, from), reason });
  }

  /**
   * Messages the bus accepted and lost afterwards (SpillingBus: in flight when the disk refused them):
   * counted, and a gap per venue over exactly their receive times, published once the bus takes data.
   */
  lost(messages: readonly BusMessage[], err: Error): void {
    this.o.metrics.unpublishedEventsTotal.inc({ reason: lossReason(err) }, messages.length);
    const reason = err instanceof SpillWriteError ? `spill write failed (${err.code}): messages lost` : 'bus lost accepted messages';
    for (const [venue, { from, to }] of lossCoverage(messages)) this.lostGaps.push({ type: 'gap', venue, from, to, reason });
  }

  /** A publish was refused: its messages are lost from their first receive time per venue until data is taken again. */
  private refused(messages: readonly BusMessage[], err: unknown): void {
    const reason =
      err instanceof SpillWriteError ? `spill write failed (${err.code}): frames lost` : err instanceof SpillFullError ? SPILL_FULL_REASON : 'publish failed: messages lost';
    for (const [venue, { from }] of lossCoverage(messages)) {
      const open = this.dropping.get(venue);
      // The earliest loss names the gap.
      if (!open || from < open.from) this.dropping.set(venue, { from, reason });
    }
  }

  /**
   * From when on this venue's data is not safe from a `kill -9`: the first receive time among messages
   * buffered or not yet durable on the bus, an open drop gap, or a lost-message gap not yet published.
   * Undefined when everything received is safe. Needs `spill`.
   */
  openSince(venue: VenueId): number | undefined {
    const durable = this.o.spill?.progress().durable ?? Infinity;
    while (this.undurable.length > 0 && this.undurable[0]!.seq <= durable) this.undurable.shift();
    let since = this.bufferFirst.get(venue) ?? Infinity;
    for (const u of this.undurable) since = Math.min(since, u.first.get(venue) ?? Infinity);
    since = Math.min(since, this.dropping.get(venue)?.from ?? Infinity);
    for (const g of this.lostGaps) if (g.venue === venue) since = Math.min(since, g.from);
    return since === Infinity ? undefined : since;
  }

  private note(venue: VenueId, t: number): void {
    if (this.o.spill && !this.bufferFirst.has(venue)) this.bufferFirst.set(venue, t);
  }

  /** Events produced outside frames (connection gaps, polled open interest). */
  handleEvent(event: NormalizedEvent): void | Promise<void> {
    this.note(event.venue, event.type === 'gap' ? event.from : event.receiveTime);
    const breach = valueLimitBreach(event, this.limits);
    if (breach === undefined) this.pushEvent(event);
    // Only liquidations and open interest have bounds: the event is one of those, and its text is the frame.
    else {
      const raw = { recv: event.type === 'gap' ? event.to : event.receiveTime, venue: event.venue, frame: JSON.stringify(event) };
      this.deadLetter(raw, raw.frame, breach);
    }
    return this.afterPush();
  }

  gap(venue: VenueId, from: number, to: number, reason: string): void | Promise<void> {
    const gap: GapEvent = { type: 'gap', venue, from, to, reason };
    return this.handleEvent(gap);
  }

  private pushEvent(venueEvent: NormalizedEvent): void {
    // The one place a venue's base becomes the coin every consumer sees (base-asset.ts).
    const event = withNormalBase(venueEvent);
    const liquidation = event.type === 'liquidation';
    if (liquidation && this.recent.seen(event.id)) {
      this.stats.duplicates += 1;
      return;
    }
    this.stats.events += 1;
    // A retraction goes where its liquidation went, under the same key (venue:symbol): one partition, after it.
    const topic =
      event.type === 'liquidation' || event.type === 'retraction'
        ? this.o.topics.liquidations
        : // The market-state topic: funding beside open interest, keyed venue:symbol like it (issue 21).
          event.type === 'open_interest' || event.type === 'funding'
          ? this.o.topics.openInterest
          : this.o.topics.gaps;
    this.push(topic, eventMessage(event), this.marks && validEvent(event), liquidation ? this.recent.lastHashA : 0, liquidation ? this.recent.lastHashB : 0);
  }

  /** `hashA`, `hashB`: a liquidation's idHash (RecentIds's), handed to the consumer beside the batch on the embedded bus. */
  private push(topic: string, message: BusMessage, checked = false, hashA = 0, hashB = 0): void {
    if (!checked && this.marks) this.unchecked.add(topic);
    let list = this.buffers.get(topic);
    if (!list) this.buffers.set(topic, (list = []));
    list.push(message);
    if (this.marks) {
      // Kept for a topic from its first liquidation of the batch on (0, 0 for the messages before it): the raw and
      // dead-letter topics never have one.
      let hashes = this.idHashes.get(topic);
      if (hashes === undefined && (hashA !== 0 || hashB !== 0)) this.idHashes.set(topic, (hashes = new Array<number>(2 * (list.length - 1)).fill(0)));
      hashes?.push(hashA, hashB);
    }
    this.buffered += 1;
  }

  private afterPush(): void | Promise<void> {
    if (this.buffered >= this.o.batchSize) {
      const done = this.flush();
      done.catch(() => {}); // counted and logged in flush; flush() callers see it
    } else if (!this.timer && this.buffered > 0) this.timer = setTimeout(() => void this.flush().catch(() => {}), this.o.lingerMs);
    // Linger flushes count too: memory is bounded whatever size the batches are.
    if (this.pendingInFlight + this.buffered >= this.o.maxBuffered) return this.flushing.catch(() => {});
  }

  private pendingInFlight = 0;

  /** Messages buffered or being published (not yet accepted by the bus). */
  get pending(): number {
    return this.buffered + this.pendingInFlight;
  }

  /**
   * The last flush, at shutdown: frames dropped while the bus was full get their gap even if it is
   * still full (publish takes it past the limit, up to twice it). flush() leaves the gap open while
   * full, so at shutdown it was never published and the dropped time showed up nowhere.
   */
  close(): Promise<void> {
    if (this.dropping.size > 0 || this.lostGaps.length > 0) this.closeDropGaps(Date.now());
    return this.flush();
  }

  /** Publishes everything buffered so far; resolves when the bus has accepted it and all before it. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if ((this.dropping.size > 0 || this.lostGaps.length > 0) && !this.isFull()) this.closeDropGaps(Date.now());
    if (this.buffered === 0) {
      this.bufferFirst.clear(); // frames that produced no message (publishRaw off, no events): nothing pending
      return this.flushing;
    }
    const batches = this.buffers;
    const count = this.buffered;
    this.buffers = new Map();
    this.buffered = 0;
    if (this.marks) {
      for (const [topic, messages] of batches) {
        if (!this.unchecked.has(topic)) markChecked(messages);
        const hashes = this.idHashes.get(topic);
        if (hashes) markIdHashes(messages, Int32Array.from(hashes));
      }
      this.unchecked = new Set();
      this.idHashes = new Map();
    }
    this.pendingInFlight += count;
    // Published now, not after the previous flush resolved: the bus keeps call order, and the
    // Kafka bus encodes the messages at the call, so what waits for the broker is compact.
    // A bus that throws instead of rejecting must not throw out of handleFrame (nor leak pendingInFlight).
    // Each call's failure counts that call's messages: one topic's batch refused by a full disk while
    // another's was taken must not count the taken one as lost.
    const publish = (topic: string, messages: BusMessage[]): Promise<void> => {
      let p: Promise<void>;
      try {
        p = this.o.bus.publish(topic, messages);
      } catch (err) {
        p = Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
      return p.catch((err: unknown) => {
        // Never thrown at the source (a venue socket must not die of it): counted, logged and covered
        // by a gap, and kept, so flush() fails for callers that must know (replay, shutdown).
        this.o.metrics.unpublishedEventsTotal.inc({ reason: lossReason(err) }, messages.length);
        this.refused(messages, err);
        const { log: shouldLog, suppressedBefore } = this.publishFailureLogs.allow('publish');
        if (shouldLog) this.o.log.error({ err, topic, messages: messages.length, suppressedBefore }, 'publishing to the bus failed; these messages are lost');
        throw err;
      });
    };
    const published = Promise.all([...batches].map(([topic, messages]) => publish(topic, messages)));
    if (this.o.spill) {
      this.undurable.push({ seq: this.o.spill.progress().accepted, first: this.bufferFirst });
      this.bufferFirst = new Map();
    }
    const settled = published
      .finally(() => {
        this.pendingInFlight -= count;
      });
    // allSettled, not all: with Promise.all a failed flush left the chain rejected for good, so every
    // later back-pressure wait resolved at once and maxBuffered no longer bounded memory. The chain
    // still settles only when every publish so far has, and still fails once one has failed.
    this.flushing = Promise.allSettled([this.flushing, settled]).then(([before, now]) => {
      if (now.status === 'rejected') throw now.reason;
      if (before.status === 'rejected') throw before.reason;
    });
    return this.flushing;
  }
}

const lossReason = (err: unknown): string => (err instanceof SpillWriteError ? 'spill_write' : err instanceof SpillFullError ? 'spill_full' : 'bus_error');
