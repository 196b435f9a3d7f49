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
    // 'é' is 2 bytes: three 40-character records of it are 80 bytes each, 112 with a record's framing (32), so two
    // fit in 300 bytes, not three (the estimate, 3 bytes a character, would let only one in).
    const wide = (key: string) => ({ key, value: 'é'.repeat(40 - key.length) });
    const byTopic = new Map([
      ['a', [wide('a1'), wide('a2'), wide('a3')]],
      ['b', [rec('b1', 500), rec('b2', 10)]],
    ]);
    const requests = splitBySize(byTopic, 300);
    expect(shape(requests)).toEqual([['a:a1,a2'], ['a:a3'], ['b:b1'], ['b:b2']]);
    for (const r of requests) {
      const bytes = r.flatMap((t) => t.messages).reduce((s, m) => s + 32 + Buffer.byteLength(m.key) + Buffer.byteLength(m.value), 0);
      expect(bytes <= 300 || r.flatMap((t) => t.messages).length === 1).toBe(true);
    }
  });

  it("counts headers and each record's framing: many small records with headers stay within the limit as the broker counts them", () => {
    // Kafka's v2 record: at most 21 bytes of varints per record and 10 per header beside the strings
    // themselves. A backlog merged into one send is thousands of small records like these; '€' is 3 bytes in
    // UTF-8, so the 3-bytes-a-character estimate is exact and leaves no slack for what it does not count.
    const records = Array.from({ length: 10_000 }, (_, i) => ({ key: `binance-usdm:S${i % 7}`, value: '€'.repeat(30), headers: { 'liqstream-pack': '1', 'liqstream-schema': '3' } }));
    const brokerBytes = (m: (typeof records)[number]) =>
      21 + Buffer.byteLength(m.key) + Buffer.byteLength(m.value) + Object.entries(m.headers).reduce((s, [k, v]) => s + 10 + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
    const requests = splitBySize(new Map([['liquidations', records]]), 100_000);
    expect(requests.flat().reduce((n, t) => n + t.messages.length, 0)).toBe(10_000);
    for (const r of requests) expect(r.flatMap((t) => t.messages).reduce((s, m) => s + brokerBytes(m), 0)).toBeLessThanOrEqual(100_000);
  });

  it('sends nothing for no records', () => {
    expect(splitBySize(new Map(), 100)).toEqual([]);
  });
});
