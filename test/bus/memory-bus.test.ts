import { describe, expect, it } from 'vitest';
import { MemoryBus } from '../../src/bus/memory-bus.js';
import { busContract, collector, keyedMessages } from './bus-contract.js';

// Synchronous delivery: everything has arrived when publish resolves, so no settling time is needed.
busContract(
  'MemoryBus',
  async () => {
    const bus = new MemoryBus();
    const topics: [string, string] = ['t.one', 't.two'];
    await bus.start();
    return { bus, topics };
  },
  { settleMs: 0 },
);

describe('MemoryBus specifics', () => {
  it('does not retain messages published before a subscription', async () => {
    const bus = new MemoryBus();
    await bus.publish('t', keyedMessages(5, 1));
    const c = collector();
    await bus.subscribe({ topics: ['t'], groupId: 'g', fromBeginning: true }, c.handler);
    expect(c.got).toEqual([]);
    await bus.close();
  });

  it('delivers nothing published behind a batch its subscriber failed', async () => {
    const bus = new MemoryBus();
    const seen: unknown[] = [];
    await bus.subscribe({ topics: ['t'], groupId: 'g' }, async (b) => {
      seen.push(...b.messages.map((m) => m.value));
      if (seen.length === 1) throw new Error('boom');
    });
    const first = bus.publish('t', keyedMessages(1, 1, 'first'));
    const second = bus.publish('t', keyedMessages(1, 1, 'second'));
    await expect(first).rejects.toThrow('boom');
    await expect(second).rejects.toThrow('boom');
    expect(seen).toEqual(['first-k0#0']);
    await bus.close();
  });

  it('hands a handler error back to the publisher (back-pressure path), instead of redelivering', async () => {
    const bus = new MemoryBus();
    await bus.subscribe({ topics: ['t'], groupId: 'g' }, async () => {
      throw new Error('boom');
    });
    await expect(bus.publish('t', keyedMessages(1, 1))).rejects.toThrow('boom');
    await bus.close();
  });
});
