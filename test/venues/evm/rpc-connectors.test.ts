import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { VenueModule } from '../../../src/venues/venue.js';
import { evmConnections } from '../../../src/venues/evm/rpc/connector.js';
import { CONTRACT, FakeEvmNode } from '../../support/fake-evm-node.js';
import { until } from '../../support/until.js';

// A stand-in on-chain venue, registered as a protocol folder would be: its `connect` opens the EVM connections, and
// startConnectors treats them as it treats sockets (frames, health, gaps).
const chainy: VenueModule = {
  venue: 'chainy',
  about: { name: 'Chainy lending', exchange: 'chainy', colour: '#654321', fidelity: 'complete', doc: 'docs/venues/evm-rpc.md' },
  discover: async () => ({}),
  parser: () => () => ({ ok: true, events: [] }),
  plans: () => [],
  connect: (_meta, ctx) =>
    evmConnections(
      'chainy',
      [
        { chain: 'fake', filters: [{ address: [CONTRACT] }], feeds: [] },
        { chain: 'nourl', filters: [{ address: [CONTRACT] }], feeds: [] },
      ],
      ctx,
    ),
};
// An on-chain venue whose chains have no RPC URL: it opens nothing.
const idle: VenueModule = { ...chainy, venue: 'idle', connect: (_meta, ctx) => evmConnections('idle', [{ chain: 'nourl', filters: [], feeds: [] }], ctx) };
vi.mock('../../../src/venues/registry.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src/venues/registry.js')>();
  const modules: Record<string, VenueModule> = { ...real.VENUE_MODULES, chainy, idle };
  return { ...real, VENUE_MODULES: modules, VENUES: [...real.VENUES, 'chainy', 'idle'], venueModule: (v: string) => modules[v] ?? real.venueModule(v) };
});

const { loadConfig } = await import('../../../src/config/load.js');
const { startConnectors } = await import('../../../src/service/connectors.js');
const { createMetrics } = await import('../../../src/metrics/metrics.js');
const { pino } = await import('pino');

describe('VenueModule.connect: an on-chain venue through startConnectors', () => {
  const node = new FakeEvmNode({ port: 19336, head: 500, logsPerBlock: () => 2 });
  const frames: { venue: string; frame: string }[] = [];
  const gaps: string[] = [];
  const lines: Record<string, unknown>[] = [];
  let connectors: Awaited<ReturnType<typeof startConnectors>>;
  const metrics = createMetrics();
  const metric = async (name: string, labels: Record<string, string>) =>
    (await metrics.registry.getSingleMetric(name)!.get()).values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value;

  beforeAll(async () => {
    await node.start();
    const config = loadConfig({
      env: {},
      overrides: {
        onlyVenues: ['chainy'],
        connection: { backoff: { initialMs: 20, maxMs: 100 } },
        evm: { chains: { fake: { url: node.url } }, pingIntervalMs: 100, silenceTimeoutMs: 1_000 },
      },
    });
    connectors = await startConnectors(config, {
      sink: { handleFrame: (f) => void frames.push(f), gap: (_v, _f, _t, reason) => void gaps.push(reason) },
      metrics,
      log: pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) }),
      parsers: new Map(),
    });
    await until(() => connectors.health().chainy === true && connectors.unwatchedSince('chainy') === undefined, 'the venue connected and in sync');
  });

  afterAll(async () => {
    await connectors?.stop();
    await node.stop();
  });

  it('frames arrive under the venue as {rpc, chain}; a chain without a URL is named in the log, not watched', async () => {
    node.advance(1);
    await until(() => frames.some((f) => f.frame.includes('"logIndex":"0x1"')), 'the logs of the new block');
    expect(frames.every((f) => f.venue === 'chainy' && (JSON.parse(f.frame) as { chain: string }).chain === 'fake')).toBe(true);
    expect(lines.some((l) => l.msg?.toString().startsWith('no RPC URL configured') && (l.chains as string[]).join() === 'nourl')).toBe(true);
  });

  it('an outage is unwatched until the backfill is done, then watched again with no gap recorded', async () => {
    node.refuse = true;
    node.drop();
    await until(() => connectors.health().chainy === false, 'the disconnect');
    expect(connectors.unwatchedSince('chainy')).toBeTypeOf('number');
    node.advance(10, false);
    node.refuse = false;
    await until(() => connectors.unwatchedSince('chainy') === undefined, 'the backfill');
    const blocks = new Set(frames.flatMap((f) => [...f.frame.matchAll(/"blockNumber":"(0x[0-9a-f]+)"/g)].map((m) => Number(m[1]))));
    for (let n = 502; n <= 511; n++) expect(blocks.has(n)).toBe(true);
    expect(gaps).toEqual([]);
    // Counted for Prometheus: the blocks re-read (the last one seen, 501, through the head, 511) and the head.
    expect(await metric('liqstream_evm_rpc_total', { venue: 'chainy', chain: 'fake', what: 'backfilled_blocks' })).toBe(11);
    expect(await metric('liqstream_evm_head_block', { venue: 'chainy', chain: 'fake' })).toBe(511);
    node.advance(1);
    await until(async () => (await metric('liqstream_evm_head_block', { venue: 'chainy', chain: 'fake' })) === 512, 'the head gauge');
  });

  it('the unreachable report counts only venues that have a connection (an on-chain venue without RPC URLs is not one)', async () => {
    const lines: Record<string, unknown>[] = [];
    const config = loadConfig({
      env: {},
      overrides: { onlyVenues: ['chainy', 'idle'], connection: { unreachableReportMs: 300 }, evm: { chains: { fake: { url: 'ws://127.0.0.1:9/' } } } },
    });
    const down = await startConnectors(config, {
      sink: { handleFrame: () => {}, gap: () => {} },
      metrics: createMetrics(),
      log: pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) }),
      parsers: new Map(),
    });
    try {
      await until(() => lines.some((l) => typeof l.unreachable === 'object'), 'the unreachable report');
      expect(String(lines.find((l) => typeof l.unreachable === 'object')!.msg)).toMatch(/^no venue reachable \(1 of 1\): .*\(chainy\)/);
    } finally {
      await down.stop();
    }
  });
});
