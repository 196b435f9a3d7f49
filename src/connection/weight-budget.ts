import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Request-weight budget over a sliding window, shared by every poller that draws from it
 * (Binance USD-M and COIN-M): the weight spent in any window never exceeds `limit`. The venue's
 * own view (used-weight headers) and its orders (429/418 with Retry-After) can only make it wait longer.
 */
export class WeightBudget {
  private readonly spent: { at: number; weight: number }[] = [];
  private pausedUntil = 0;

  constructor(
    readonly limit: number,
    readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Resolves when `weight` can be spent now without exceeding the limit, and records it. */
  async take(weight: number, signal?: AbortSignal): Promise<void> {
    if (weight > this.limit) throw new Error(`request weight ${weight} exceeds the budget ${this.limit}`);
    for (;;) {
      signal?.throwIfAborted();
      const now = this.now();
      while (this.spent.length && this.spent[0]!.at <= now - this.windowMs) this.spent.shift();
      const used = this.spent.reduce((s, x) => s + x.weight, 0);
      const wait = Math.max(this.pausedUntil - now, used + weight > this.limit ? this.spent[0]!.at + this.windowMs - now : 0);
      if (wait <= 0) {
        this.spent.push({ at: now, weight });
        return;
      }
      await sleep(wait, undefined, { signal });
    }
  }

  /** The venue reports the weight it counted in its current window; if that is at the limit, wait for the window to roll. */
  observeUsed(used: number): void {
    if (used >= this.limit) this.pauseFor(this.windowMs - (this.now() % this.windowMs));
  }

  /** No request until `ms` from now (Retry-After, or a ban). */
  pauseFor(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms);
  }
}
