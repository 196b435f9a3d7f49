import type { Bus, BusMessage } from '../bus/bus.js';
import type { TopicNames } from '../bus/topics.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import type { GapEvent, NormalizedEvent, RawFrame, VenueId } from '../schema/events.js';
import type { FrameParser } from '../venues/venue.js';
import { deadLetterMessage, eventMessage, rawMessage } from './messages.js';
import { LogLimiter } from './log-limiter.js';
import { RecentIds } from './recent-ids.js';

export interface IngestOptions {
  bus: Bus;
  topics: TopicNames;
  metrics: Metrics;
  log: Logger;
  parserFor: (venue: VenueId) => FrameParser | undefined;
  /** Also publish every raw frame (for recording and re-processing). */
  publishRaw: boolean;
  /** Publish when this many messages are buffered... */
  batchSize: number;
  /** ...or when the oldest buffered message is this old. */
  lingerMs: number;
  /** Above this many buffered messages, `handleFrame` returns a promise: the caller must wait (back-pressure). */
  maxBuffered: number;
}

/**
 * Frames in, normalized events out: parse, validate, route bad frames to the dead-letter topic,
 * and publish in batches. One flush runs at a time so that per-key order is kept.
 */
export class Ingestor {
  private buffers = new Map<string, BusMessage[]>();
  private buffered = 0;
  private flushing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private readonly recent = new RecentIds(16_384);
  private readonly badFrameLogs = new LogLimiter();
  private failure: unknown;
  /** Running counts, for reports and for waiting until a consumer has caught up. */
  readonly stats = { frames: 0, badFrames: 0, events: 0, duplicates: 0 };

  constructor(private readonly o: IngestOptions) {}

  /** Returns a promise only when the buffer is full; callers that can pause their source should await it. */
  handleFrame(raw: RawFrame): void | Promise<void> {
    const { metrics, log } = this.o;
    this.stats.frames += 1;
    metrics.frames.add(raw.venue);
    metrics.lastFrame.set(raw.venue, raw.recv / 1000);
    if (this.o.publishRaw) this.push(this.o.topics.raw, rawMessage(raw));
    const parser = this.o.parserFor(raw.venue);
    const result = parser ? parser(raw.frame, raw.recv) : { ok: false as const, reason: `no parser for venue ${raw.venue}` };
    if (!result.ok) {
      this.stats.badFrames += 1;
      metrics.badFramesTotal.inc({ venue: raw.venue });
      metrics.deadLettersTotal.inc({ venue: raw.venue });
      const { log: shouldLog, suppressedBefore } = this.badFrameLogs.allow(raw.venue);
      if (suppressedBefore > 0) log.warn({ venue: raw.venue, suppressed: suppressedBefore }, 'bad-frame log lines suppressed (all were counted and dead-lettered)');
      if (shouldLog) log.warn({ venue: raw.venue, recv: raw.recv, reason: result.reason, frame: raw.frame.slice(0, 512) }, 'bad frame');
      this.push(this.o.topics.deadLetter, deadLetterMessage({ venue: raw.venue, recv: raw.recv, reason: result.reason, frame: raw.frame }));
    } else {
      for (const event of result.events) this.pushEvent(event);
    }
    return this.afterPush();
  }

  /** Events produced outside frames (connection gaps, polled open interest). */
  handleEvent(event: NormalizedEvent): void | Promise<void> {
    this.pushEvent(event);
    return this.afterPush();
  }

  gap(venue: VenueId, from: number, to: number, reason: string): void | Promise<void> {
    const gap: GapEvent = { type: 'gap', venue, from, to, reason };
    return this.handleEvent(gap);
  }

  private pushEvent(event: NormalizedEvent): void {
    if (event.type === 'liquidation' && this.recent.seen(event.id)) {
      this.stats.duplicates += 1;
      return;
    }
    this.stats.events += 1;
    const topic =
      event.type === 'liquidation' ? this.o.topics.liquidations : event.type === 'open_interest' ? this.o.topics.openInterest : this.o.topics.gaps;
    this.push(topic, eventMessage(event));
  }

  private push(topic: string, message: BusMessage): void {
    let list = this.buffers.get(topic);
    if (!list) this.buffers.set(topic, (list = []));
    list.push(message);
    this.buffered += 1;
  }

  private afterPush(): void | Promise<void> {
    if (this.failure) throw this.failure;
    if (this.buffered >= this.o.batchSize) {
      const done = this.flush();
      if (this.pendingInFlight >= this.o.maxBuffered) return done;
      done.catch(() => {}); // the failure is kept and rethrown on the next frame
      return;
    }
    if (!this.timer && this.buffered > 0) this.timer = setTimeout(() => void this.flush().catch(() => {}), this.o.lingerMs);
  }

  private pendingInFlight = 0;

  /** Publishes everything buffered so far; resolves when the bus has accepted it and all before it. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.buffered === 0) return this.flushing;
    const batches = this.buffers;
    const count = this.buffered;
    this.buffers = new Map();
    this.buffered = 0;
    this.pendingInFlight += count;
    // Published now, not after the previous flush resolved: the bus keeps call order, and the
    // Kafka bus encodes the messages at the call, so what waits for the broker is compact.
    const published = Promise.all([...batches].map(([topic, messages]) => this.o.bus.publish(topic, messages)));
    const settled = published
      .catch((err: unknown) => {
        // Keep the first failure: the source must stop rather than lose data silently.
        if (this.failure === undefined) {
          this.failure = err;
          this.o.log.error({ err }, 'publishing to the bus failed');
        }
        throw err;
      })
      .finally(() => {
        this.pendingInFlight -= count;
      });
    this.flushing = Promise.all([this.flushing, settled]).then(() => undefined);
    return this.flushing;
  }
}
