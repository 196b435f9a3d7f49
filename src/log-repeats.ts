import type { Logger } from './log.js';

/**
 * A failure that repeats while its cause lasts (a venue unreachable, a poll that keeps failing): the first
 * one is logged at warn, its repeats at debug, with an info reminder at most every `remindMs`, until
 * `clear()` says it is over. Without this, a start without network printed ~330 warnings in 45 s and
 * none of them said what was wrong; the one line that does is the connectors' unreachable-venues report.
 */
export class RepeatedFailure {
  private failures = 0;
  private lastShown = 0;

  constructor(
    private readonly log: Logger,
    private readonly remindMs = 300_000,
    private readonly now: () => number = Date.now,
  ) {}

  fail(fields: Record<string, unknown>, msg: string): void {
    this.failures += 1;
    if (this.failures === 1) {
      this.lastShown = this.now();
      return this.log.warn(fields, msg);
    }
    if (this.now() - this.lastShown >= this.remindMs) {
      this.lastShown = this.now();
      return this.log.info({ ...fields, failures: this.failures }, `${msg} (still failing)`);
    }
    this.log.debug({ ...fields, failures: this.failures }, msg);
  }

  /** The cause is gone: the next failure is news again. */
  clear(): void {
    this.failures = 0;
  }
}
