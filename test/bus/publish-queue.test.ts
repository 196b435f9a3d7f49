import { describe, expect, it } from 'vitest';
import { PublishQueue } from '../../src/bus/publish-queue.js';

/** A run that records when it starts and finishes only when released. */
function gate(log: string[], name: string) {
  let release!: () => void;
  let fail!: (err: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    release = resolve;
    fail = reject;
  });
  const run = async () => {
    log.push(`start ${name}`);
    await done;
    log.push(`end ${name}`);
  };
  return { run, release, fail };
}

/** A queue given two gated calls, a then b, without waiting. */
function twoQueued() {
  const log: string[] = [];
  const q = new PublishQueue();
  const a = gate(log, 'a');
  const b = gate(log, 'b');
  return { log, q, a, b, pa: q.add(a.run), pb: q.add(b.run) };
}

describe('PublishQueue', () => {
  it('starts an idle call at once and runs queued calls one after another in call order', async () => {
    const { log, a, b, pa, pb } = twoQueued();
    expect(log).toEqual(['start a']);
    b.release();
    await Promise.resolve();
    expect(log).toEqual(['start a']);
    a.release();
    await Promise.all([pa, pb]);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b']);
  });

  it('fails the calls queued behind a failure without running them, then starts afresh once drained', async () => {
    const { log, q, a, pa, pb } = twoQueued();
    a.fail(new Error('broker gone'));
    await expect(pa).rejects.toThrow('broker gone');
    await expect(pb).rejects.toThrow('broker gone');
    await q.drained();
    expect(log).toEqual(['start a']);

    const c = gate(log, 'c');
    const pc = q.add(c.run);
    c.release();
    await expect(pc).resolves.toBeUndefined();
    expect(log).toEqual(['start a', 'start c', 'end c']);
  });

  it('drained() waits for calls added while it waits', async () => {
    const log: string[] = [];
    const q = new PublishQueue();
    const a = gate(log, 'a');
    const b = gate(log, 'b');
    void q.add(a.run);
    let drained = false;
    const waiting = q.drained().then(() => (drained = true));
    void q.add(b.run);
    a.release();
    await new Promise((r) => setTimeout(r, 10));
    expect(drained).toBe(false);
    b.release();
    await waiting;
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b']);
  });
});
