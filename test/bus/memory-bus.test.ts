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

  it('hands a handler error back to the publisher (back-pressure path), instead of redelivering', async () => {
    const bus = new MemoryBus();
    await bus.subscribe({ topics: ['t'], groupId: 'g' }, async () => {
      throw new Error('boom');
    });
    await expect(bus.publish('t', keyedMessages(1, 1))).rejects.toThrow('boom');
    await bus.close();
  });
});
