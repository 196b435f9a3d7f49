import { describe, expect, it } from 'vitest';
import { consumerCaughtUp } from '../../src/replay/replay.js';

// A replay through Kafka waits for its consumer after the last frame. With a store, backpressure holds the
// consumer to the writer's pace, so a slow consumer that still moves must not be refused; a stalled one must.
describe('consumerCaughtUp (a replay waiting for its Kafka consumer)', () => {
  it('keeps waiting while the consumer moves, however long the whole wait takes', async () => {
    let consumed = 0;
    const started = Date.now();
    const timer = setInterval(() => (consumed = Math.min(10, consumed + 1)), 30);
    try {
      // 10 steps of 30 ms: ~300 ms in all, longer than the 100 ms without progress allowed.
      await consumerCaughtUp(() => consumed, 10, 100, 5);
    } finally {
      clearInterval(timer);
    }
    expect(consumed).toBe(10);
    expect(Date.now() - started).toBeGreaterThan(100);
  });

  it('refuses a consumer that stopped moving, naming how far it got', async () => {
    let consumed = 0;
    const timer = setInterval(() => (consumed = Math.min(4, consumed + 1)), 10);
    try {
      await expect(consumerCaughtUp(() => consumed, 10, 150, 5)).rejects.toThrow('replay consumer saw 4 of 10 events, none in the last 0.15 s');
    } finally {
      clearInterval(timer);
    }
  });

  it('returns at once when everything was applied', async () => {
    await consumerCaughtUp(() => 7, 7, 0);
  });
});
