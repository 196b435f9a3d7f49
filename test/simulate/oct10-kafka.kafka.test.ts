import { describe, expect, inject, it } from 'vitest';
import { embeddedDayReplay, replayReport, simulateDay } from './oct10.js';

describe('the simulated 10 October 2025 through the real broker', () => {
  it('gives the same report as the embedded bus', async () => {
    const { recording } = await simulateDay();
    // Side by side: the Kafka replay waits on the broker much of its time. The embedded one is oct10.cli's in npm test.
    const [embedded, kafka] = await Promise.all([embeddedDayReplay(recording), replayReport([recording, '--speed', 'max', '--kafka', inject('kafkaBrokers')])]);
    expect(kafka.text).toBe(embedded.text);
    expect(embedded.report.cascades).toHaveLength(1);
  }, 600_000);
});
