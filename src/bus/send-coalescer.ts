/**
 * Sends publishes one at a time in call order, as the Bus contract promises, but not one request each:
 * the publishes that queue up while a send is in flight go out together in the next one, merged per
 * topic with call order kept inside each topic (so per key, hence per partition, too). A producer with
 * one request in flight (kafkajs's idempotent one) otherwise pays a full broker round trip per publish,
 * and a publisher that flushes small batches to several topics (the real venue mix: every flush is a
 * few hundred events and a few open-interest updates, two topics) paid it several times per flush.
 *
 * Failure is as with PublishQueue: a failed send fails every publish in it and every publish queued
 * behind it without sending them, so nothing after a lost batch is delivered; once the queue is empty,
 * the next publish starts afresh.
 */
export class SendCoalescer<R> {
  /** Publishes waiting for the send in flight to finish, in call order. */
  private queued: Waiting<R>[] = [];
  private running: Promise<void> | undefined;

  /** `send` gets each topic's records (in call order) of every publish it carries; it may split them into several requests. */
  constructor(private readonly send: (byTopic: Map<string, R[]>) => Promise<void>) {}

  add(topic: string, records: R[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queued.push({ topic, records, resolve, reject });
      this.running ??= this.drain();
    });
  }

  /** Resolves when everything added so far has been sent or has failed. */
  async drained(): Promise<void> {
    while (this.running) await this.running;
  }

  // Each turn takes everything queued so far; publishes added meanwhile wait for the next turn.
  private async drain(): Promise<void> {
    while (this.queued.length > 0) {
      const batch = this.queued;
      this.queued = [];
      const byTopic = new Map<string, R[]>();
      for (const w of batch) {
        const records = byTopic.get(w.topic);
        if (records) for (const r of w.records) records.push(r);
        else byTopic.set(w.topic, [...w.records]);
      }
      try {
        await this.send(byTopic);
      } catch (err) {
        // What queued behind the failure fails with it, unsent (see the class comment).
        const failed = [...batch, ...this.queued];
        this.queued = [];
        for (const w of failed) w.reject(err);
        continue;
      }
      for (const w of batch) w.resolve();
    }
    this.running = undefined;
  }
}

interface Waiting<R> {
  topic: string;
  records: R[];
  resolve: () => void;
  reject: (err: unknown) => void;
}
