import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importChainRange, type ChainImportOptions } from '../../../src/cli/chain-import.js';
import { loadConfig } from '../../../src/config/load.js';
import { silentLogger } from '../../../src/log.js';
import { Ingestor } from '../../../src/pipeline/ingest.js';
import { loadRecordingMetadata } from '../../../src/replay/recording.js';
import { replay } from '../../../src/replay/replay.js';
import type { LiquidationEvent, NormalizedEvent, VenueId } from '../../../src/schema/events.js';
import { startConnectors } from '../../../src/service/connectors.js';
import { StoreReader } from '../../../src/sinks/store/reader.js';
import { AAVE_V3_POOLS } from '../../../src/venues/aave-v3/plan.js';
import { CHAINS, tokenAddress } from '../../../src/venues/evm/chains.js';
import { SPARK_POOLS } from '../../../src/venues/spark/plan.js';
import type { FrameParser } from '../../../src/venues/venue.js';
import { Anvil } from '../../support/anvil.js';
import { freePort } from '../../support/free-port.js';
import { onlyVenues } from '../../support/config-file.js';
import { burstData, deployEmitters, priceUpdateData } from '../../support/evm-chain.js';
import { testPipeline } from '../../support/pipeline.js';
import { tempDir } from '../../support/recording.js';
import { RpcProxy } from '../../support/rpc-proxy.js';
import { until } from '../../support/until.js';

// The history import of a block range (store import --chain) against a real node: anvil plays Ethereum, the test
// emitter's code at Aave V3's and Spark's Pool addresses, the mock aggregator's at the WBTC and USDC feeds (as in
// aave-live.test.ts), so the registered venues' own plans are used unchanged. A live run (startConnectors, as
// `liqstream run`) watches the same blocks; the import must store exactly its events. Ports 19350-19354.
describe('history import of a block range (eth_getLogs) into the store, on a real node', () => {
  const anvil = new Anvil({ port: 19350 });
  const capped = new RpcProxy({ port: 19351, target: 'ws://127.0.0.1:19350', maxRange: 5 });
  let hostileAnswers = 0;
  const JUNK_ENTRIES = 50_000;
  const hostile = new RpcProxy({
    port: 19352,
    target: 'ws://127.0.0.1:19350',
    // Every eth_getLogs answer gains two junk entries; the first also 50,000 more (a huge array).
    spoil: (method, m) => {
      if (method !== 'eth_getLogs' || !Array.isArray(m.result)) return m;
      hostileAnswers += 1;
      const junk: unknown[] = ['garbage', { address: 'nope', topics: 7 }];
      if (hostileAnswers === 1) for (let i = 0; i < JUNK_ENTRIES; i++) junk.push({ junk: i });
      return { ...m, result: [...junk, ...m.result] };
    },
    // Unasked before every header answer: text that is not JSON, an answer to no request, an error for no request.
    before: (method) => (method === 'eth_getBlockByNumber' ? ['not json{', '{"jsonrpc":"2.0","id":987654,"result":"0x1"}', '{"jsonrpc":"2.0","id":987655,"error":{"code":-32000,"message":"boom"}}'] : []),
  });
  const brokenHeaders = new RpcProxy({
    port: 19353,
    target: 'ws://127.0.0.1:19350',
    // Headers of some blocks in the range's second half are garbage (not those of the finalized block and the tip).
    spoil: (method, m) => {
      const n = Number((m.result as { number?: string } | null)?.number);
      return method === 'eth_getBlockByNumber' && n > from + 150 && n <= to && n % 7 === 3 ? { ...m, result: { garbage: true } } : m;
    },
  });
  const pools = { 'aave-v3': AAVE_V3_POOLS.ethereum!, spark: SPARK_POOLS.ethereum! };
  const wbtc = tokenAddress('ethereum', 'WBTC');
  const usdc = tokenAddress('ethereum', 'USDC');
  const feedOf = (token: string) => CHAINS.ethereum!.tokens[token]!.feedProxy!;
  let p: Awaited<ReturnType<typeof testPipeline>>;
  let connectors: Awaited<ReturnType<typeof startConnectors>>;
  let from = 0;
  let to = 0;
  const ROUNDS = 150;
  const PER_BURST = 20; // LiquidationCalls per burst: burst(140) emits the seven kinds, LiquidationCall at i % 7 = 0
  const log = silentLogger();

  const configFor = (url: string, timeouts: { silenceTimeoutMs?: number; requestTimeoutMs?: number } = {}) =>
    loadConfig({
      env: {},
      overrides: {
        connection: { backoff: { initialMs: 20, maxMs: 200 } },
        venues: onlyVenues({ 'aave-v3': { enabled: true, discover: false }, spark: { enabled: true, discover: false } }),
        evm: { chains: { ethereum: { url } }, pingIntervalMs: 250, silenceTimeoutMs: 2_000, requestTimeoutMs: 10_000, lookbackBlocks: 1_000, ...timeouts },
      },
    });
  const importInto = (store: string, url: string, extra: Partial<ChainImportOptions> = {}) =>
    importChainRange({ config: configFor(url), chain: 'ethereum', from, to, store, log, ...extra });
  const liveLiquidations = () => p.applied.filter((e): e is LiquidationEvent => e.type === 'liquidation');

  async function rows(dir: string): Promise<{ id: string; venue: string; notional_usd: number; event_time: number }[]> {
    const reader = await StoreReader.open(dir, { existing: true });
    try {
      const r = await reader.query('SELECT id, venue, notional_usd, epoch_ms(event_time) AS event_time FROM liquidations ORDER BY id');
      return r.rows.map((x) => ({ id: String(x.id), venue: String(x.venue), notional_usd: Number(x.notional_usd), event_time: Number(x.event_time) }));
    } finally {
      reader.close();
    }
  }

  beforeAll(async () => {
    await anvil.start();
    await Promise.all([capped.start(), hostile.start(), brokenHeaders.start()]);
    const d = await deployEmitters(anvil);
    const code = async (a: string) => anvil.rpc<string>('eth_getCode', [a, 'latest']);
    for (const pool of Object.values(pools)) await anvil.rpc('anvil_setCode', [pool, await code(d.emitter)]);
    for (const token of [wbtc, usdc]) await anvil.rpc('anvil_setCode', [feedOf(token), await code(d.aggregator)]);
    await anvil.send({ to: feedOf(wbtc), data: priceUpdateData(6_234_567_890_123n) });
    await anvil.send({ to: feedOf(usdc), data: priceUpdateData(100_000_000n) });
    // Empty blocks between the last price and the range: the import's look-back must reach back over them.
    await anvil.mine(200);

    p = await testPipeline();
    const parsers = new Map<VenueId, FrameParser>();
    const ingestor = new Ingestor({ bus: p.bus, topics: p.topics, metrics: p.metrics, log: p.log, parserFor: (v) => parsers.get(v), publishRaw: false, batchSize: 100, lingerMs: 5, maxBuffered: 10_000 });
    connectors = await startConnectors(configFor(anvil.wsUrl), { sink: { handleFrame: (f) => ingestor.handleFrame(f), gap: () => {} }, metrics: p.metrics, log: p.log, parsers });
    await until(() => connectors.health()['aave-v3'] === true && connectors.health().spark === true && connectors.unwatchedSince('aave-v3') === undefined && connectors.unwatchedSince('spark') === undefined, 'both venues in sync');

    from = (await anvil.blockNumber()) + 1;
    for (let r = 0; r < ROUNDS; r++) {
      // The WBTC price moves every 25 rounds, in a block of its own: each liquidation takes the answer before it.
      if (r % 25 === 12) await anvil.send({ to: feedOf(wbtc), data: priceUpdateData(6_000_000_000_000n + BigInt(r) * 1_234_567_891n) });
      for (const pool of Object.values(pools)) await anvil.send({ to: pool, data: burstData({ emitter: pool, aggregator: '', collateral: wbtc, debt: usdc }, 7 * PER_BURST, r) });
    }
    to = await anvil.blockNumber();
    // anvil's finalized block is its head - 64: mine past it.
    await anvil.mine(70);
    await until(() => liveLiquidations().length === ROUNDS * 2 * PER_BURST, 'every live liquidation', 60_000);
    await connectors.stop();
  }, 240_000);

  afterAll(async () => {
    await connectors?.stop();
    await p?.close();
    await Promise.all([capped.stop(), hostile.stop(), brokenHeaders.stop()]);
    await anvil.stop();
  });

  it('stores exactly the live run\'s 6,000 liquidations (ids, USD, event times) over ~300 blocks; importing again adds nothing', async () => {
    const dir = tempDir();
    const record = join(tempDir(), 'import.ndjson.gz');
    const progress: string[] = [];
    const r = await importInto(dir, anvil.wsUrl, { record, progress: (l) => void progress.push(l), progressEveryMs: 0 });
    const live = liveLiquidations();
    expect(live.length).toBe(6_000);
    const stored = await rows(dir);
    expect(stored.length).toBe(6_000);
    expect(r.stored.written.liquidations).toBe(6_000);
    expect(r.stored.written.onchain).toBe(6_000);
    expect(r.badFrames + r.badEntries).toBe(0);
    const byId = new Map(live.map((e) => [e.id, e]));
    expect(new Set(stored.map((s) => s.id))).toEqual(new Set(byId.keys()));
    for (const s of stored) {
      const e = byId.get(s.id)!;
      expect(s.notional_usd).toBe(e.notionalUsd); // the same double: valued by the same code at the same answer
      expect(s.event_time).toBe(e.eventTime);
    }
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const liveSum = sum(live.map((e) => e.notionalUsd));
    expect(Math.abs(sum(stored.map((s) => s.notional_usd)) - liveSum) / liveSum).toBeLessThan(1e-9);
    expect(new Set(live.map((e) => e.price)).size).toBe(7); // the price before the range and the 6 moves in it
    // Final: only finalized blocks are read.
    const reader = await StoreReader.open(dir, { existing: true });
    try {
      expect(Number((await reader.query('SELECT count(*) AS n FROM onchain WHERE provisional')).rows[0]!.n)).toBe(0);
      expect(Number((await reader.query('SELECT count(*) AS n FROM onchain')).rows[0]!.n)).toBe(6_000);
    } finally {
      reader.close();
    }
    // Progress on every window, the last one complete.
    expect(progress.at(-1)).toMatch(new RegExp(`^ethereum: blocks ${(to - from + 1).toLocaleString('en-US')} of ${(to - from + 1).toLocaleString('en-US')} \\(100\\.0%\\)`));
    console.info(`import: ${to - from + 1} blocks, ${r.logs} logs in ${r.ms} ms: ${(((to - from + 1) * 1000) / r.ms).toFixed(0)} blocks/s, ${((r.logs * 1000) / r.ms).toFixed(0)} logs/s, ${r.requests} requests`);

    // Twice: nothing new; an overlapping range: nothing new.
    const again = await importInto(dir, anvil.wsUrl);
    expect(again.stored.written.liquidations).toBe(0);
    expect(again.stored.received.liquidations).toBe(6_000);
    const overlap = await importChainRange({ config: configFor(anvil.wsUrl), chain: 'ethereum', from: from + 100, to: to + 5, store: dir, log });
    expect(overlap.stored.written.liquidations).toBe(0);
    expect((await rows(dir)).length).toBe(6_000);

    // The recording replays to the same events (metadata.json beside it values them as the import did).
    expect(existsSync(join(record, '..', 'metadata.json'))).toBe(true);
    const replayed: NormalizedEvent[] = [];
    await replay({ files: [record], speed: 'max', log, metadata: loadRecordingMetadata([record]), sinks: () => [{ name: 't', onEvent: (e) => void replayed.push(e) }] });
    const replayedLiq = replayed.filter((e): e is LiquidationEvent => e.type === 'liquidation');
    expect(replayedLiq.length).toBe(6_000);
    for (const e of replayedLiq) expect(e.notionalUsd).toBe(byId.get(e.id)!.notionalUsd);
    expect(readFileSync(join(record, '..', 'metadata.json'), 'utf8')).toContain('"confirmations": 0');
  });

  it('a provider that caps eth_getLogs ("query returned more than 10000 results") still gives every liquidation', async () => {
    const dir = tempDir();
    const r = await importInto(dir, capped.url);
    expect(capped.refused).toBeGreaterThan(0);
    expect(r.halvings).toBeGreaterThan(0);
    const stored = await rows(dir);
    expect(stored.length).toBe(6_000);
    expect(new Set(stored.map((s) => s.id))).toEqual(new Set(liveLiquidations().map((e) => e.id)));
  });

  it('a connection dropped mid-import (twice) is reopened and the step asked again: every liquidation, once', async () => {
    const flaky = await new RpcProxy({ port: await freePort(), target: 'ws://127.0.0.1:19350', dropAt: [3, 9] }).start();
    const lines: Record<string, unknown>[] = [];
    const capture = pino({ level: 'warn' }, { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) });
    try {
      const dir = tempDir();
      const r = await importInto(dir, flaky.url, { log: capture });
      expect(flaky.dropped).toBe(2);
      expect(r.stored.written.liquidations).toBe(6_000);
      expect(new Set((await rows(dir)).map((s) => s.id))).toEqual(new Set(liveLiquidations().map((e) => e.id)));
      expect(lines.filter((l) => l.msg === 'history import: request failed; asking again' && l.chain === 'ethereum').length).toBe(2);
    } finally {
      await flaky.stop();
    }
  });

  it('hostile answers (junk entries, a 50,000-entry array, garbage, answers and errors for no request) are counted one by one; every liquidation still stored', async () => {
    const dir = tempDir();
    const before = hostile.unasked;
    // Generous timeouts: on a loaded host a 2 s silence while the 50,000 entries are refused would replace the
    // connection, and the answer spoiled for the lost request would be counted here but never read.
    const r = await importChainRange({ config: configFor(hostile.url, { silenceTimeoutMs: 60_000, requestTimeoutMs: 60_000 }), chain: 'ethereum', from, to, store: dir, log });
    const stored = await rows(dir);
    expect(stored.length).toBe(6_000);
    expect(new Set(stored.map((s) => s.id))).toEqual(new Set(liveLiquidations().map((e) => e.id)));
    // Each junk entry refused alone; each unasked message a refused frame (the stray result "0x1" is an empty answer).
    expect(r.badEntries).toBe(2 * hostileAnswers + JUNK_ENTRIES);
    const unasked = hostile.unasked - before;
    expect(unasked).toBeGreaterThan(0);
    expect(r.badFrames).toBe((2 * unasked) / 3);
  });

  it('a node whose header answers are garbage: the import fails naming the block, stores what it read; a rerun stores every row once', async () => {
    const dir = tempDir();
    await expect(importInto(dir, brokenHeaders.url)).rejects.toThrow(/could not be read: eth_getBlockByNumber\(\d+\): no block in the answer/);
    const partial = (await rows(dir)).length;
    expect(partial).toBeLessThan(6_000);
    const r = await importInto(dir, anvil.wsUrl);
    expect(r.stored.written.liquidations).toBe(6_000 - partial);
    const stored = await rows(dir);
    expect(stored.length).toBe(6_000);
    expect(new Set(stored.map((s) => s.id)).size).toBe(6_000);
  });

  it('refuses ranges past the finalized block or beyond the tip, from > to, an unknown chain, a chain without an RPC URL', async () => {
    const dir = tempDir();
    const head = await anvil.blockNumber();
    await expect(importChainRange({ config: configFor(anvil.wsUrl), chain: 'ethereum', from, to: head + 1_000, store: dir, log })).rejects.toThrow(`--to-block ${head + 1_000} is beyond the chain's tip: ethereum is at block ${head} (finalized ${head - 64})`);
    await expect(importChainRange({ config: configFor(anvil.wsUrl), chain: 'ethereum', from, to: head, store: dir, log })).rejects.toThrow(`--to-block ${head} is past ethereum's finalized block ${head - 64}`);
    await expect(importChainRange({ config: configFor(anvil.wsUrl), chain: 'ethereum', from: head - 10, store: dir, log })).rejects.toThrow(`--from-block ${head - 10} is after --to-block ${head - 64} (the chain's finalized block; its head is ${head})`);
    await expect(importChainRange({ config: configFor(anvil.wsUrl), chain: 'dogechain', from, to, store: dir, log })).rejects.toThrow(/^unknown chain dogechain: no enabled on-chain venue runs on it \(their chains: .*ethereum/);
    await expect(importChainRange({ config: configFor(anvil.wsUrl), chain: 'Ethereum; rm -rf', from, to, store: dir, log })).rejects.toThrow(/--chain must be a chain name/);
    const noUrl = loadConfig({ env: {}, overrides: { venues: onlyVenues({ 'aave-v3': { enabled: true, discover: false } }) } });
    await expect(importChainRange({ config: noUrl, chain: 'ethereum', from, to, store: dir, log })).rejects.toThrow('no RPC URL configured for ethereum (evm.chains.ethereum.url, or venues.<id>.chains.ethereum.url) for aave-v3');
    // A node that cannot be reached: named without the API key its URL carries.
    const key = 'k3yAbCdEf0123456789xYz0123456789';
    const nowhere = `ws://127.0.0.1:${await freePort()}/v2/${key}`;
    const failed = await importChainRange({ config: configFor(nowhere), chain: 'ethereum', from, to, store: dir, log, connectTimeoutMs: 500 }).catch((e: unknown) => e as Error);
    expect(failed).toBeInstanceOf(Error);
    expect((failed as Error).message).toMatch(/^ethereum: cannot reach the RPC node of aave-v3 at ws:\/\/127\.0\.0\.1:\d+\/v2\/REDACTED/);
    expect((failed as Error).message).not.toContain(key);
    // Nothing was written by a refused import.
    expect(existsSync(join(dir, 'table=liquidations'))).toBe(false);
  });
});
