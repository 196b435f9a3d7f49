import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { silentLogger } from '../../../src/log.js';
import { Ingestor } from '../../../src/pipeline/ingest.js';
import type { LiquidationEvent, VenueId } from '../../../src/schema/events.js';
import { startConnectors } from '../../../src/service/connectors.js';
import { cometMarkets } from '../../../src/venues/compound-v3/plan.js';
import { EULER_FACTORY } from '../../../src/venues/euler-v2/plan.js';
import { CHAINS, tokenAddress } from '../../../src/venues/evm/chains.js';
import { FLUID_VAULT_FACTORY } from '../../../src/venues/fluid/plan.js';
import { MORPHO_BLUE } from '../../../src/venues/morpho-blue/plan.js';
import { venueModule } from '../../../src/venues/registry.js';
import type { FrameParser, VenueMetadata } from '../../../src/venues/venue.js';
import { Anvil, type Receipt } from '../../support/anvil.js';
import { onlyVenues } from '../../support/config-file.js';
import { contractCall as call, deployContract } from '../../support/evm-chain.js';
import { freePort } from '../../support/free-port.js';
import { testPipeline } from '../../support/pipeline.js';
import { until } from '../../support/until.js';

// Discovery on a real node (issue 20): Euler's factory and Fluid's VaultFactory create vaults before and during the
// run, Morpho creates markets the plan does not list, Comet absorbs an account with two collaterals. anvil plays
// Ethereum: the test contracts' code is put at the plan's factory, singleton, Comet and Chainlink feed addresses,
// so each venue's own plan is used unchanged, through `liqstream run`'s wiring (config → discover → connect →
// ingest → parse → aggregate). Then the recorded frames are parsed again with the recorded metadata (a replay).

const WETH = tokenAddress('ethereum', 'WETH');
const WBTC = tokenAddress('ethereum', 'WBTC');
const USDC = tokenAddress('ethereum', 'USDC');
const DAI = tokenAddress('ethereum', 'DAI');
const PRICE: Record<string, bigint> = { [WETH]: 400_012_345_678n, [WBTC]: 6_234_567_890_123n, [USDC]: 100_000_000n, [DAI]: 99_990_000n };
const ETH = 4_000.12345678;
const BTC = 62_345.67890123;
const DAI_USD = 0.9999;
const COMET = Object.keys(cometMarkets('ethereum'))[0]!; // cUSDCv3
const VENUES: VenueId[] = ['euler-v2', 'fluid', 'morpho-blue', 'compound-v3'];

describe('discovery live on a real node: vaults and markets created before and during the run are watched and valued', () => {
  let anvil: Anvil;
  let p: Awaited<ReturnType<typeof testPipeline>>;
  let connectors: Awaited<ReturnType<typeof startConnectors>>;
  const frames: { venue: VenueId; frame: string; recv: number }[] = [];
  const metadata = new Map<VenueId, VenueMetadata>();
  const gaps: string[] = [];
  const liquidations = () => p.applied.filter((e): e is LiquidationEvent => e.type === 'liquidation');
  const created = (r: Receipt) => `0x${r.logs[0]!.topics[1]!.slice(26)}`;
  const send = (to: string, data: string) => anvil.send({ to, data });
  const euler = EULER_FACTORY.ethereum!;
  const fluid = FLUID_VAULT_FACTORY.ethereum!.address;
  const morpho = MORPHO_BLUE.ethereum!;
  const market = (loanToken: string, collateralToken: string) => ({ loanToken, collateralToken, oracle: '0x000000000000000000000000000000000000beef', irm: '0x000000000000000000000000000000000000beef', lltv: 860_000_000_000_000_000n });
  const vaults: Record<string, string> = {};
  const markets: Record<string, string> = {};

  beforeAll(async () => {
    anvil = await new Anvil({ port: await freePort() }).start();
    const deploy = (name: string, args: unknown[] = []) => deployContract(anvil, name, args);
    const code = async (a: string) => anvil.rpc<string>('eth_getCode', [a, 'latest']);
    for (const [name, at] of [['MockEulerFactory', euler], ['MockFluidFactory', fluid], ['MockMorpho', morpho], ['MockComet', COMET]] as const) await anvil.rpc('anvil_setCode', [at, await code(await deploy(name))]);
    const aggregator = await code(await deploy('MockAggregator', [8, 1n]));
    for (const [token, price] of Object.entries(PRICE)) {
      const feed = CHAINS.ethereum!.tokens[token]!.feedProxy!;
      await anvil.rpc('anvil_setCode', [feed, aggregator]);
      await send(feed, call('MockAggregator', 'update', [price]));
    }
    // Before the run: two Euler vaults (WETH at 1.5 WETH a share, USDC), a Fluid vault (WBTC/USDC), a Morpho market (WETH/DAI) no plan lists.
    vaults.W = created(await send(euler, call('MockEulerFactory', 'createProxy', [WETH, 1_500_000_000_000_000_000n])));
    vaults.U = created(await send(euler, call('MockEulerFactory', 'createProxy', [USDC, 10n ** 18n])));
    vaults.F1 = created(await send(fluid, call('MockFluidFactory', 'deployVault', [WBTC, USDC])));
    markets.M1 = (await send(morpho, call('MockMorpho', 'createMarket', [market(DAI, WETH)]))).logs[0]!.topics[1]!;

    p = await testPipeline();
    const parsers = new Map<VenueId, FrameParser>();
    const ingestor = new Ingestor({ bus: p.bus, topics: p.topics, metrics: p.metrics, log: p.log, parserFor: (v) => parsers.get(v), publishRaw: false, batchSize: 100, lingerMs: 5, maxBuffered: 10_000 });
    const chains = { ethereum: { url: anvil.wsUrl, httpUrl: `http://127.0.0.1:${anvil.port}` } };
    const config = loadConfig({
      env: {},
      overrides: {
        connection: { backoff: { initialMs: 20, maxMs: 200 } },
        venues: onlyVenues(Object.fromEntries(VENUES.map((v) => [v, { enabled: true, discover: true, chains }]))),
        evm: { pingIntervalMs: 250, silenceTimeoutMs: 2_000, lookbackBlocks: 1_000 },
      },
    });
    const sink = {
      handleFrame: (f: { venue: VenueId; frame: string; recv: number }) => {
        frames.push(f);
        return ingestor.handleFrame(f);
      },
      gap: (_v: VenueId, _f: number, _t: number, reason: string) => void gaps.push(reason),
    };
    connectors = await startConnectors(config, { sink, metrics: p.metrics, log: p.log, parsers, metadata });
    await until(() => VENUES.every((v) => connectors.health()[v] === true && connectors.unwatchedSince(v) === undefined), 'all four connected and in sync', 30_000);
  }, 60_000);

  afterAll(async () => {
    await connectors?.stop();
    await p?.close();
    await anvil?.stop();
  });

  it('values every liquidation exactly, in vaults and markets created before and during the run; an unknown market is refused; replay gives the same events', async () => {
    // Discovery at start found Euler's vaults created before (its factory is read from block 0). Fluid's factory and
    // Morpho's singleton are read from their deployment blocks, past anvil's chain: their vault and market created
    // before come from the connector's look-back instead (creation log and eth_call answer recorded as frames).
    const evm = (v: VenueId) => metadata.get(v)!.evm!.chains.ethereum!;
    expect(evm('euler-v2').contracts[vaults.W!]).toEqual({ base: WETH, assetsPerShare: ['1500000000000000000', '1000000000000000000'] });
    expect(evm('euler-v2').contracts[vaults.U!]).toEqual({ base: USDC, assetsPerShare: ['1000000000000000000', '1000000000000000000'] });
    expect(evm('fluid').contracts[vaults.F1!]).toBeUndefined();
    expect(evm('morpho-blue').markets?.[markets.M1!]).toBeUndefined();

    // During the run: new vaults and a market, liquidated at once (the next block).
    vaults.N = created(await send(euler, call('MockEulerFactory', 'createProxy', [WBTC, 10n ** 18n])));
    vaults.N2 = created(await send(euler, call('MockEulerFactory', 'createProxy', [USDC, 10n ** 18n])));
    vaults.F2 = created(await send(fluid, call('MockFluidFactory', 'deployVault', [WETH, USDC])));
    markets.M2 = (await send(morpho, call('MockMorpho', 'createMarket', [market(USDC, WBTC)]))).logs[0]!.topics[1]!;
    const VIOLATOR = '0x0000000000000000000000000000000000001234';
    await send(vaults.N2!, call('MockEVault', 'liquidate', [VIOLATOR, vaults.N, 50_000_000_000n, 100_000_000n])); // 1 WBTC (1e8 shares at 1:1)
    await send(vaults.U!, call('MockEVault', 'liquidate', [VIOLATOR, vaults.W, 3_000_000_000n, 10n ** 18n])); // 1.5 WETH
    await send(vaults.F2!, call('MockFluidVault', 'liquidate', [5n * 10n ** 17n, 1_900_000_000n]));
    await send(vaults.F1!, call('MockFluidVault', 'liquidate', [1_000_000n, 600_000_000n]));
    await send(morpho, call('MockMorpho', 'liquidate', [markets.M1, 10n ** 18n, 3_000n * 10n ** 18n]));
    await send(morpho, call('MockMorpho', 'liquidate', [markets.M2, 10_000_000n, 6_000_000_000n]));
    await send(morpho, call('MockMorpho', 'liquidate', [`0x${'ab'.repeat(32)}`, 10n ** 18n, 1n])); // a market never created: refused
    const BASE_PAID = 9_876_543_211n;
    await send(COMET, call('MockComet', 'absorb', [VIOLATOR, [WETH, WBTC], [2n * 10n ** 18n, 5_000_000n], [8_000n * 10n ** 8n, 3_100n * 10n ** 8n], BASE_PAID]));

    await until(() => liquidations().length === 8, 'the eight liquidations', 30_000);
    expect(gaps).toEqual([]);
    const by = (venue: VenueId) => liquidations().filter((e) => e.venue === venue);
    const near = (a: number, b: number) => expect(Math.abs(a - b) / b).toBeLessThan(1e-9);
    const row = (e: LiquidationEvent) => [e.symbol, e.qty, e.onchain!.debtAmount, e.onchain!.inferred];

    const eu = by('euler-v2').sort((a, b) => a.onchain!.blockNumber - b.onchain!.blockNumber);
    expect(eu.map(row)).toEqual([
      ['WBTC/USDC', 1, 50_000, ['collateral']],
      ['WETH/USDC', 1.5, 3_000, ['collateral']],
    ]);
    near(eu[0]!.notionalUsd, BTC);
    near(eu[1]!.notionalUsd, 1.5 * ETH);

    const fl = by('fluid').sort((a, b) => a.onchain!.blockNumber - b.onchain!.blockNumber);
    expect(fl.map(row)).toEqual([
      ['WETH/USDC', 0.5, 1_900, undefined],
      ['WBTC/USDC', 0.01, 600, undefined],
    ]);
    near(fl[0]!.notionalUsd, 0.5 * ETH);
    near(fl[1]!.notionalUsd, 0.01 * BTC);

    const mo = by('morpho-blue').sort((a, b) => a.onchain!.blockNumber - b.onchain!.blockNumber);
    expect(mo.map(row)).toEqual([
      ['WETH/DAI', 1, 3_000, undefined],
      ['WBTC/USDC', 0.1, 6_000, undefined],
    ]);
    near(mo[0]!.notionalUsd, ETH);
    near(mo[0]!.onchain!.debtUsd, 3_000 * DAI_USD);
    near(mo[1]!.notionalUsd, 0.1 * BTC);

    const co = by('compound-v3').sort((a, b) => a.onchain!.logIndex - b.onchain!.logIndex);
    expect(co.map((e) => [e.symbol, e.qty, e.onchain!.inferred])).toEqual([
      ['WETH/USDC', 2, ['debt']],
      ['WBTC/USDC', 0.05, ['debt']],
    ]);
    near(co[0]!.notionalUsd, 2 * ETH);
    // The absorbed debt split by Comet's USD of each collateral (8000 : 3100), summing exactly to basePaidOut.
    const parts = co.map((e) => BigInt(Math.round(e.onchain!.debtAmount * 1e6)));
    expect(parts.reduce((a, b) => a + b, 0n)).toBe(BASE_PAID);
    expect(parts).toEqual([(BASE_PAID * 8_000n) / 11_100n + 1n, (BASE_PAID * 3_100n) / 11_100n]);

    // Replay: the recorded frames through fresh parsers with the recorded metadata (as metadata.json) give the
    // same events; the unknown Morpho market is refused there as live.
    const log = silentLogger();
    const recorded = JSON.parse(JSON.stringify(Object.fromEntries(metadata))) as Record<VenueId, VenueMetadata>;
    const replayed: LiquidationEvent[] = [];
    const refusals: string[] = [];
    for (const venue of VENUES) {
      const parse = venueModule(venue).parser(recorded[venue]!, { log, options: { chains: { ethereum: {} } } });
      for (const f of frames.filter((x) => x.venue === venue)) {
        const r = parse(f.frame, f.recv);
        if (!r.ok) continue;
        for (const e of r.events) if (e.type === 'liquidation') replayed.push(e);
        for (const x of r.rejected ?? []) refusals.push(`${venue}: ${x.reason}`);
      }
    }
    const key = (e: LiquidationEvent) => JSON.stringify([e.id, e.qty, e.notionalUsd, e.onchain!.debtAmount, e.onchain!.debtUsd, e.onchain!.inferred]);
    expect(replayed.map(key).sort()).toEqual(liquidations().map(key).sort());
    expect(refusals.filter((r) => r.includes('is not in the metadata'))).toEqual([`morpho-blue: Morpho market 0x${'ab'.repeat(32)} is not in the metadata`]);
  }, 90_000);
});
