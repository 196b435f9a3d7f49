/**
 * Lets through at most `perWindow` log lines per key in each window and counts the rest, so a
 * venue that changes its format cannot flood the log while every bad frame is still counted.
 */
export class LogLimiter {
  private readonly windows = new Map<string, { start: number; logged: number; suppressed: number }>();

  constructor(
    private readonly perWindow = 20,
    private readonly windowMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Returns whether to log now, and how many lines were suppressed in the window that just ended. */
  allow(key: string): { log: boolean; suppressedBefore: number } {
    const now = this.now();
    let w = this.windows.get(key);
    let suppressedBefore = 0;
    if (!w || now - w.start >= this.windowMs) {
      suppressedBefore = w?.suppressed ?? 0;
      this.windows.set(key, (w = { start: now, logged: 0, suppressed: 0 }));
    }
    if (w.logged < this.perWindow) {
      w.logged += 1;
      return { log: true, suppressedBefore };
    }
    w.suppressed += 1;
    return { log: false, suppressedBefore };
  }
}
