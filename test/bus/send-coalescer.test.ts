import { describe, expect, it } from 'vitest';
import { SendCoalescer } from '../../src/bus/send-coalescer.js';

/** A coalescer whose sends are recorded and finish only when released (or failed) by the test, one at a time. */
function gated() {
  const sends: { byTopic: [string, number[]][]; release: () => void; fail: (err: Error) => void }[] = [];
  const q = new SendCoalescer<number>(
    (byTopic) =>
      new Promise<void>((release, fail) => {
        sends.push({ byTopic: [...byTopic].map(([t, r]) => [t, [...r]]), release, fail });
      }),
  );
  return { q, sends };
}
const settled = () => new Promise((r) => setTimeout(r, 0));

describe('SendCoalescer', () => {
  it('sends an idle publish at once, then everything queued meanwhile in one send, merged per topic in call order', async () => {
    const { q, sends } = gated();
    const a = q.add('events', [1, 2]);
    expect(sends.map((s) => s.byTopic)).toEqual([[['events', [1, 2]]]]);
    const b = q.add('market', [10]);
    const c = q.add('events', [3]);
    const d = q.add('market', [11, 12]);
    const e = q.add('events', [4, 5]);
    await settled();
    expect(sends).toHaveLength(1);
    sends[0]!.release();
    await a;
    await settled();
    expect(sends.map((s) => s.byTopic)).toEqual([
      [['events', [1, 2]]],
      [
        ['market', [10, 11, 12]],
        ['events', [3, 4, 5]],
      ],
    ]);
    let resolved = 0;
    for (const p of [b, c, d, e]) void p.then(() => (resolved += 1));
    await settled();
    expect(resolved).toBe(0);
    sends[1]!.release();
    await Promise.all([b, c, d, e]);
    expect(resolved).toBe(4);
    await q.drained();
  });

  it('fails the publishes of a failed send and those queued behind it, unsent, then starts afresh', async () => {
    const { q, sends } = gated();
    const a = q.add('events', [1]);
    const b = q.add('events', [2]);
    await settled();
    sends[0]!.fail(new Error('broker gone'));
    await expect(a).rejects.toThrow('broker gone');
    await expect(b).rejects.toThrow('broker gone');
    await q.drained();
    expect(sends).toHaveLength(1);

    const c = q.add('events', [3]);
    expect(sends.map((s) => s.byTopic)).toEqual([[['events', [1]]], [['events', [3]]]]);
    sends[1]!.release();
    await expect(c).resolves.toBeUndefined();
  });

  it('fails a publish queued while the failing send was in flight, even one queued after the send began', async () => {
    const { q, sends } = gated();
    const a = q.add('events', [1]);
    const b = q.add('events', [2]);
    sends[0]!.release();
    await a;
    await settled();
    // b is in flight now; c queues behind it.
    const c = q.add('events', [3]);
    sends[1]!.fail(new Error('refused'));
    await expect(b).rejects.toThrow('refused');
    await expect(c).rejects.toThrow('refused');
    expect(sends).toHaveLength(2);
  });

  it('drained() waits for publishes added while it waits', async () => {
    const { q, sends } = gated();
    void q.add('events', [1]);
    let drained = false;
    const waiting = q.drained().then(() => (drained = true));
    void q.add('events', [2]);
    sends[0]!.release();
    await settled();
    expect(drained).toBe(false);
    sends[1]!.release();
    await waiting;
    expect(sends.map((s) => s.byTopic)).toEqual([[['events', [1]]], [['events', [2]]]]);
  });

  it('does not change a caller’s records array when merging', async () => {
    const { q, sends } = gated();
    const first = [1];
    void q.add('events', first);
    const second = [2];
    const third = [3];
    void q.add('events', second);
    void q.add('events', third);
    sends[0]!.release();
    await settled();
    expect(sends[1]!.byTopic).toEqual([['events', [2, 3]]]);
    expect([first, second, third]).toEqual([[1], [2], [3]]);
    sends[1]!.release();
    await q.drained();
  });
});
