import { describe, expect, inject, it } from 'vitest';
import { replayReport, simulateDay } from './oct10.js';

describe('the simulated 10 October 2025 through the real broker', () => {
  it('gives the same report as the embedded bus', async () => {
    const { recording } = await simulateDay();
    // Side by side: the Kafka replay waits on the broker much of its time.
    const [embedded, kafka] = await Promise.all([replayReport([recording, '--speed', 'max']), replayReport([recording, '--speed', 'max', '--kafka', inject('kafkaBrokers')])]);
    expect(kafka.text).toBe(embedded.text);
    expect(embedded.report.cascades).toHaveLength(1);
  }, 600_000);
});
