import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { NormalizedEvent, type LiquidationEvent } from '../../src/schema/events.js';
import { StoreConfig } from '../../src/sinks/store/config.js';
import { StoreReader } from '../../src/sinks/store/reader.js';
import { StoreSink } from '../../src/sinks/store/store-sink.js';
import { storedEvents } from '../../src/sinks/store/stored-events.js';
import { onchainRow } from '../../src/sinks/questdb/tables.js';
import { VENUE_MODULES } from '../../src/venues/registry.js';
import { fixture } from '../support/fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'liqstream-solana-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const log = pino({ level: 'silent' });

describe('a Solana liquidation (signature and mints in base58, no block hash) through the schema and the stores', () => {
  const parse = VENUE_MODULES.kamino!.parser({}, { log });
  const r = parse(fixture('kamino-liquidation-1.json'), 1_760_120_001_000);
  const events = (r.ok ? r.events : []) as LiquidationEvent[];

  it('is a valid event; the history store gives it back as written', async () => {
    expect(events).toHaveLength(2);
    for (const e of events) expect(NormalizedEvent.safeParse(e).success).toBe(true);
    expect(events[0]!.onchain!.blockHash).toBeUndefined();
    const dir = join(root, 'store');
    const sink = await StoreSink.open(StoreConfig.parse({ dir, flushMs: 60_000 }), log);
    sink.onEvents(events);
    await sink.close();
    const reader = await StoreReader.open(dir);
    const read: unknown[] = [];
    for await (const s of storedEvents(reader, 1_760_119_000_000, 1_760_125_000_000, 1_760_125_000_000, { liquidations: 0, openInterest: 0, gaps: 0 })) read.push(s.event);
    // The store keeps the on-chain detail the EVM events have; `inferred` is not a column (as for them).
    expect(read).toEqual(events.map((e) => ({ ...e, onchain: Object.fromEntries(Object.entries(e.onchain!).filter(([k]) => k !== 'inferred')) })));
  });

  it('the QuestDB row leaves block_hash out rather than writing undefined', () => {
    const columns: string[] = [];
    const sender = new Proxy({} as Record<string, unknown>, {
      get: (_t, name: string) => (column?: string) => {
        if (typeof column === 'string') columns.push(`${name}:${column}`);
        return sender;
      },
    });
    onchainRow(events[0] as LiquidationEvent & { onchain: NonNullable<LiquidationEvent['onchain']> }).write(sender as never);
    expect(columns).toContain('stringColumn:tx_hash');
    expect(columns.some((c) => c.endsWith(':block_hash'))).toBe(false);
  });
});
