import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { Ingestor } from '../../../src/pipeline/ingest.js';
import type { LiquidationEvent, VenueId } from '../../../src/schema/events.js';
import { startConnectors } from '../../../src/service/connectors.js';
import { AAVE_V3_POOLS } from '../../../src/venues/aave-v3/plan.js';
import { CHAINS, tokenAddress } from '../../../src/venues/evm/chains.js';
import type { FrameParser } from '../../../src/venues/venue.js';
import { Anvil, CuttableProxy } from '../../support/anvil.js';
import { onlyVenues } from '../../support/config-file.js';
import { burstData, deployEmitters, priceUpdateData } from '../../support/evm-chain.js';
import { testPipeline } from '../../support/pipeline.js';
import { until } from '../../support/until.js';

// The whole live path for a registered on-chain venue, as `liqstream run` wires it: config → startConnectors →
// aave-v3's connect (the EVM connection) → frames → ingestor → aave-v3's parser → bus → aggregator. anvil plays
// Ethereum: the test emitter's code is put at Aave V3's Pool address and the mock aggregator's at the WBTC and USDC
// Chainlink feed addresses of the plan, so the venue's own plan and metadata are used unchanged.
describe('aave-v3 live on a real node: config to totals', () => {
  const anvil = new Anvil({ port: 19338 });
  const proxy = new CuttableProxy(19339, 19338);
  const pool = AAVE_V3_POOLS.ethereum!;
  const wbtc = tokenAddress('ethereum', 'WBTC');
  const usdc = tokenAddress('ethereum', 'USDC');
  const feedOf = (token: string) => CHAINS.ethereum!.tokens[token]!.feedProxy!;
  const BTC = 6_234_567_890_123n; // 62,345.67890123 USD, 8 decimals
  const BTC2 = 5_987_654_321_098n; // from the outage on
  let p: Awaited<ReturnType<typeof testPipeline>>;
  let connectors: Awaited<ReturnType<typeof startConnectors>>;
  const gaps: string[] = [];
  let bursts = 0;

  const burst = async () => {
    await anvil.send({ to: pool, data: burstData({ emitter: pool, aggregator: '', collateral: wbtc, debt: usdc }, 20, bursts) });
    bursts += 1;
  };
  const liquidations = () => p.applied.filter((e): e is LiquidationEvent => e.type === 'liquidation');

  beforeAll(async () => {
    await anvil.start();
    await proxy.start();
    // Runtime code of the test contracts, put at the plan's addresses.
    const d = await deployEmitters(anvil);
    const code = async (a: string) => anvil.rpc<string>('eth_getCode', [a, 'latest']);
    await anvil.rpc('anvil_setCode', [pool, await code(d.emitter)]);
    for (const token of [wbtc, usdc]) await anvil.rpc('anvil_setCode', [feedOf(token), await code(d.aggregator)]);
    await anvil.send({ to: feedOf(wbtc), data: priceUpdateData(BTC) });
    await anvil.send({ to: feedOf(usdc), data: priceUpdateData(100_000_000n) });

    p = await testPipeline();
    const parsers = new Map<VenueId, FrameParser>();
    const ingestor = new Ingestor({ bus: p.bus, topics: p.topics, metrics: p.metrics, log: p.log, parserFor: (v) => parsers.get(v), publishRaw: false, batchSize: 100, lingerMs: 5, maxBuffered: 10_000 });
    const config = loadConfig({
      env: {},
      overrides: {
        connection: { backoff: { initialMs: 20, maxMs: 200 } },
        venues: onlyVenues({ 'aave-v3': { enabled: true, discover: false, chains: { ethereum: { url: proxy.wsUrl } } } }),
        evm: { pingIntervalMs: 250, silenceTimeoutMs: 2_000 },
      },
    });
    connectors = await startConnectors(config, { sink: { handleFrame: (f) => ingestor.handleFrame(f), gap: (_v, _f, _t, reason) => void gaps.push(reason) }, metrics: p.metrics, log: p.log, parsers });
    await until(() => connectors.health()['aave-v3'] === true && connectors.unwatchedSince('aave-v3') === undefined, 'aave-v3 connected and in sync', 60_000);
  });

  afterAll(async () => {
    await connectors?.stop();
    await p?.close();
    await proxy.stop();
    await anvil.stop();
  });

  it('every LiquidationCall is one event valued at the WBTC answer before it; a 20-block outage in the middle (the price moving in it) is backfilled; totals exact, no gap', async () => {
    for (let i = 0; i < 30; i++) await burst();
    await until(() => liquidations().length === 90, 'the first 90 liquidations', 60_000);
    proxy.cut();
    await until(() => connectors.health()['aave-v3'] === false, 'the outage', 60_000);
    // The price moves during the outage: the backfilled liquidations must take the new answer, which reaches the
    // parser in the backfill's own eth_getLogs answers (the feeds' are read first).
    await anvil.send({ to: feedOf(wbtc), data: priceUpdateData(BTC2) });
    for (let i = 0; i < 20; i++) await burst();
    proxy.restore();
    for (let i = 0; i < 10; i++) await burst();
    // burst() emits the seven protocols' events; the venue subscribes to (and backfills) LiquidationCall only: i = 0, 7, 14.
    await until(() => liquidations().length === 180, 'all 180 liquidations', 60_000);
    expect(gaps).toEqual([]);
    const events = liquidations();
    expect(new Set(events.map((e) => e.id)).size).toBe(180);
    let expectedUsd = 0;
    for (let b = 0; b < 60; b++)
      for (const i of [0, 7, 14]) {
        const a = b * 1_000_000 + i + 1;
        const usd = (a / 1e8) * (Number(b < 30 ? BTC : BTC2) / 1e8);
        expectedUsd += usd;
        const e = events.find((x) => x.onchain!.collateralAmount === a / 1e8);
        expect(e, `burst ${b} entry ${i}`).toBeDefined();
        expect(Math.abs(e!.notionalUsd - usd) / usd).toBeLessThan(1e-9);
        expect(e!.onchain!.debtUsd).toBeCloseTo((2 * a) / 1e6, 6); // USDC at 1.00000000
        expect(e!).toMatchObject({ symbol: 'WBTC/USDC', base: 'BTC', side: 'long', venue: 'aave-v3', source: 'aave-v3:LiquidationCall' });
      }
    // Kept apart from the perps (issue 20): the defi block, by protocol and chain; no perps total has it.
    expect(p.aggregator.totalsSnapshot().byVenue['aave-v3']).toBeUndefined();
    const totals = p.aggregator.defi.snapshot().byProtocol['aave-v3']!;
    expect(totals.count).toBe(180);
    // The aggregator sums each event in 1/10,000 USD: within half a unit per event of the exact sum.
    expect(Math.abs(totals.usd - expectedUsd)).toBeLessThanOrEqual(180 * 0.00005 + 1e-6);
  }, 240_000);
});
