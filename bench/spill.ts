import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpillConfig, SpillLog } from '../src/bus/spill-log.js';
import { eventMessage } from '../src/pipeline/messages.js';
import type { BusMessage } from '../src/bus/bus.js';
import type { NormalizedEvent } from '../src/schema/events.js';
import { fmt } from './stats.js';

/**
 * The connectors' disk spill (used only while Kafka is away or slow): append and read-back rates per
 * fsync policy, against JSON.stringify alone of the same publishes (the encoding every append pays).
 */
export function benchSpill(events: NormalizedEvent[], out: (line: string) => void): void {
  const batches: BusMessage[][] = [];
  for (let i = 0; i < events.length; i += 1_000) batches.push(events.slice(i, i + 1_000).map(eventMessage));
  let chars = 0;
  let stringifyS = Infinity;
  for (let round = 0; round < 3; round++) {
    const t0 = performance.now();
    chars = 0;
    for (const messages of batches) chars += JSON.stringify({ t: 0, topic: 'x', messages }).length;
    stringifyS = Math.min(stringifyS, (performance.now() - t0) / 1000);
  }
  const stringifyRate = events.length / stringifyS;
  out('disk spill, 1,000-event publishes                 events/s   MB/s   vs JSON.stringify');
  out(`  JSON.stringify alone (best of 3)          ${fmt(stringifyRate).padStart(12)}  ${fmt(chars / stringifyS / 1e6).padStart(5)}        1.00`);
  // The first pass warms the code up and is not shown.
  for (const [i, fsync] of (['never', 'never', 'interval', 'always'] as const).entries()) {
    const dir = mkdtempSync(join(tmpdir(), 'liqstream-bench-spill-'));
    const log = SpillLog.open(SpillConfig.parse({ dir, fsync, maxBytes: 8 * 1024 ** 3 }));
    let t = performance.now();
    for (const messages of batches) log.append({ t: Date.now(), topic: 'x', messages });
    const appendS = (performance.now() - t) / 1000;
    const bytes = log.bytes;
    t = performance.now();
    while (log.records > 0) log.ack(log.peek(64, 10_000).length);
    const readS = (performance.now() - t) / 1000;
    log.close();
    rmSync(dir, { recursive: true, force: true });
    const append = events.length / appendS;
    if (i === 0) continue;
    out(`  append, fsync ${fsync.padEnd(8)}                   ${fmt(append).padStart(12)}  ${fmt(bytes / appendS / 1e6).padStart(5)}        ${fmt(append / stringifyRate, 2)}`);
    out(`  read back + acknowledge                   ${fmt(events.length / readS).padStart(12)}  ${fmt(bytes / readS / 1e6).padStart(5)}`);
  }
  out(`  ${fmt((chars / events.length))} bytes of JSON per event\n`);
}
