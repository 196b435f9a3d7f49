/**
 * Runs publishes one after another in call order, as the Bus contract promises. A failure fails
 * every call queued behind it without running it, so nothing after a lost batch is delivered;
 * once the queue has drained, the next call starts afresh.
 */
export class PublishQueue {
  private tail: Promise<void> | undefined;

  add(run: () => Promise<void>): Promise<void> {
    // Idle: start at once, so a publish that needs no waiting behaves as a direct call.
    const next = this.tail ? this.tail.then(run) : run();
    this.tail = next;
    const settle = () => {
      if (this.tail === next) this.tail = undefined;
    };
    next.then(settle, settle);
    return next;
  }

  /** Resolves when everything queued so far has settled, whether it was delivered or not. */
  async drained(): Promise<void> {
    while (this.tail) await this.tail.catch(() => {});
  }
}
