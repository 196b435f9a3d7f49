import { describe, expect, it } from 'vitest';
import { splitBySize } from '../../src/bus/kafka-bus.js';

const rec = (key: string, size: number) => ({ key, value: 'v'.repeat(size - key.length) });
const shape = (requests: ReturnType<typeof splitBySize<{ key: string; value: string }>>) =>
  requests.map((r) => r.map(({ topic, messages }) => `${topic}:${messages.map((m) => m.key).join(',')}`));

describe('splitBySize (produce requests of a send)', () => {
  it('puts several topics in one request while they fit, each topic’s records in order', () => {
    const byTopic = new Map([
      ['a', [rec('a1', 10), rec('a2', 10)]],
      ['b', [rec('b1', 10)]],
    ]);
    expect(shape(splitBySize(byTopic, 1_000))).toEqual([['a:a1,a2', 'b:b1']]);
  });

  it('cuts at the byte limit, counted exactly near it (UTF-8), keeping order across the cut; a record over the limit travels alone', () => {
    // 'é' is 2 bytes: three 40-character records of it are 80 bytes each, so two fit in 200 bytes, not three.
    const wide = (key: string) => ({ key, value: 'é'.repeat(40 - key.length) });
    const byTopic = new Map([
      ['a', [wide('a1'), wide('a2'), wide('a3')]],
      ['b', [rec('b1', 500), rec('b2', 10)]],
    ]);
    const requests = splitBySize(byTopic, 200);
    expect(shape(requests)).toEqual([['a:a1,a2'], ['a:a3'], ['b:b1'], ['b:b2']]);
    for (const r of requests) {
      const bytes = r.flatMap((t) => t.messages).reduce((s, m) => s + Buffer.byteLength(m.key) + Buffer.byteLength(m.value), 0);
      expect(bytes <= 200 || r.flatMap((t) => t.messages).length === 1).toBe(true);
    }
  });

  it('sends nothing for no records', () => {
    expect(splitBySize(new Map(), 100)).toEqual([]);
  });
});
