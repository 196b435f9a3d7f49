import { readdirSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BusMessage } from '../../src/bus/bus.js';
import { MemoryBus } from '../../src/bus/memory-bus.js';
import { wasChecked } from '../../src/pipeline/checked-batches.js';
import type { VenueId } from '../../src/schema/events.js';
import { VENUES } from '../../src/venues/registry.js';
import { binanceFrames, fixture, fixturePath } from '../support/fixtures.js';
import { absurdVariants, mutate, mutationsArb } from '../support/mutate.js';
import { testPipeline } from '../support/pipeline.js';

/**
 * Validation once on the embedded bus (issue 22 §2): the ingestor checks each event after base mapping and marks
 * a batch of only checked events; the consumer does not check those again. The outcome must be what it was when
 * the consumer checked every message: the same dead letters, counts and totals, for hostile frames too.
 */

/** Today's embedded bus: every batch reaches the consumer as a new array, so no mark does, and each message is checked. */
class UnmarkedBus extends MemoryBus {
  override publish(topic: string, messages: BusMessage[]): Promise<void> {
    return super.publish(topic, messages.slice());
  }
}

const RECV = 1_760_130_900_000;
const { usdm } = binanceFrames();
const order = usdm[0]!;
const pepe = (ap: string, z: string) => order.replace(/"s":"[A-Z]+"/, '"s":"1000PEPEUSDT"').replace('"ap":"9910"', `"ap":"${ap}"`).replace('"z":"0.014"', `"z":"${z}"`);
/** Valid as the parser builds them; base mapping (1000PEPE → PEPE: price ÷ 1000, quantity × 1000) leaves the schema. */
const INVALID_AFTER_MAPPING = [pepe(`0.${'0'.repeat(322)}5`, `1${'0'.repeat(300)}`), pepe(`0.${'0'.repeat(299)}1`, `1${'0'.repeat(306)}`)];

/** Every venue's fixtures, their absurd variants and seeded mutations, and the frames only base mapping makes invalid. */
function hostileFrames(): { venue: VenueId; frame: string }[] {
  const names = readdirSync(fixturePath('.')).filter((n) => n.endsWith('.json'));
  const out: { venue: VenueId; frame: string }[] = [];
  for (const venue of VENUES) {
    const family = venue.split('-')[0]!;
    for (const name of names.filter((n) => n.startsWith(`${venue}-`) || n.startsWith(`${family}-`))) {
      const text = fixture(name);
      const mutated = fc.sample(mutationsArb, { numRuns: 12, seed: text.length }).map((m) => mutate(text, m));
      for (const frame of [text, ...absurdVariants(text).slice(0, 12), ...mutated]) out.push({ venue, frame });
    }
  }
  for (const frame of INVALID_AFTER_MAPPING) out.push({ venue: 'binance-usdm', frame }, { venue: 'binance-usdm', frame: order });
  return out;
}

async function run(bus: MemoryBus, frames: { venue: VenueId; frame: string }[]) {
  const p = await testPipeline({ bus });
  const deadLetters: unknown[] = [];
  await bus.subscribe({ topics: [p.topics.deadLetter], groupId: 'dead-letters' }, async ({ messages }) => void deadLetters.push(...messages.map((m) => m.value)));
  const marked: boolean[] = [];
  await bus.subscribe({ topics: [p.topics.liquidations], groupId: 'marks' }, async ({ messages }) => void marked.push(wasChecked(messages)));
  // A flush per frame: a consumer's refusal published while another publish waits in the embedded bus's queue
  // would wait on itself (found here; as before this change, reported in the branch's notes).
  for (const [i, { venue, frame }] of frames.entries()) {
    await p.ingestor.handleFrame({ venue, recv: RECV + i, frame });
    await p.ingestor.flush();
  }
  const outcome = {
    deadLetters,
    applied: p.applied,
    totals: p.aggregator.totalsSnapshot(),
    stats: { ...p.ingestor.stats },
    invalidBusMessages: await p.metricValue('liqstream_invalid_bus_messages_total', { topic: p.topics.liquidations }),
    badEntries: (await p.metrics.badEntriesTotal.get()).values,
    badFrames: (await p.metrics.badFramesTotal.get()).values,
  };
  await p.close();
  return { outcome, marked };
}

describe('validation once on the embedded bus', () => {
  it('hostile frames give the same dead letters, counts and totals as when the consumer checked every message', async () => {
    const frames = hostileFrames();
    const before = await run(new UnmarkedBus(), frames);
    const after = await run(new MemoryBus(), frames);

    expect(after.outcome).toEqual(before.outcome);
    // The comparison means something: frames were refused at every level, and events were applied.
    expect(before.outcome.stats.badFrames).toBeGreaterThan(100);
    expect(before.outcome.stats.badEntries).toBeGreaterThan(0);
    expect(before.outcome.applied.length).toBeGreaterThan(100);
    // The two events base mapping makes invalid reach the consumer unmarked and are refused there, as before.
    expect(after.outcome.invalidBusMessages).toBe(2);
    const refusals = after.outcome.deadLetters.filter((d) => (d as { type?: string }).type === 'bus-refusal') as { reason: string }[];
    expect(refusals.map((r) => r.reason)).toEqual(['price: Too small: expected number to be >0', 'qty: Invalid input: expected number, received Infinity']);
    // And the rest was marked: the consumer skipped its check for those batches.
    expect(before.marked.every((m) => !m)).toBe(true);
    expect(after.marked.filter((m) => !m)).toHaveLength(2);
    expect(after.marked.filter((m) => m).length).toBeGreaterThan(0);
  });
});
