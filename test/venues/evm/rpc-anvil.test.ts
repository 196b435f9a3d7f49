import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Anvil, CuttableProxy, DEV_ACCOUNT, hex, sleep, type RpcLog } from '../../support/anvil.js';
import { burstData, Capture, deployEmitters, logKey, openConnection, priceUpdateData, type Deployed } from '../../support/evm-chain.js';
import { until } from '../../support/until.js';
import { liquidationsOf, protocolParsers } from '../../support/evm-valuation.js';
import type { EvmChainConnection } from '../../../src/venues/evm/rpc/chain-connection.js';

// One real node for the file (anvil with --prune-history 8: at most 8 states in memory, no archive; nothing here may need old state, and anvil_reorg needs the last 3), behind a proxy that
// can cut the socket while the node goes on mining. Ports 19331-19339 are this suite's.
const ANVIL_PORT = 19331;
const PROXY_PORT = 19332;

describe('EVM RPC connection on a real node (anvil)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'liqstream-anvil-'));
  const anvil = new Anvil({ port: ANVIL_PORT, args: ['--prune-history', '8'], stateFile: join(dir, 'state.json') });
  const proxy = new CuttableProxy(PROXY_PORT, ANVIL_PORT);
  const capture = new Capture();
  let d: Deployed;
  let connection: EvmChainConnection;
  let firstBlock = 0;

  /** Every log of the emitter and the aggregator on the node's chain now (a fresh recount). */
  const recount = async (): Promise<RpcLog[]> => anvil.logs({ fromBlock: firstBlock, toBlock: await anvil.blockNumber(), address: [d.emitter, d.aggregator] });
  /** The logs the frames carry that belong to the node's chain now (orphaned blocks' logs excluded), once each. */
  const received = async (): Promise<Set<string>> => {
    const canonical = new Set((await recount()).map((l) => l.blockHash.toLowerCase()));
    return new Set(capture.logs().map((x) => x.log).filter((l) => canonical.has(l.blockHash.toLowerCase())).map(logKey));
  };
  /** anvil_reorg's replacement blocks: block i holds a burst of 6 liquidations (seed base + i). */
  const reorgTxs = (depth: number, seed: number) =>
    Array.from({ length: depth }, (_, i) => [{ from: DEV_ACCOUNT, to: d.emitter, data: burstData(d, 6, seed + i), gas: hex(5_000_000) }, i]);
  const caughtUp = async () => connection.synced && capture.heads().get(await anvil.blockNumber()) !== undefined;
  /**
   * Every one of `logs` among the frames. Asked in the wait after a reconnect, not once after it: a live head comes
   * on its own notification, before or after its block's logs, so a check right at `caughtUp` can fail with nothing
   * lost (it failed once in a clean CI run on a loaded host; a log truly lost still fails the wait).
   */
  const allReceived = async (logs: RpcLog[]) => {
    const got = await received();
    return logs.every((l) => got.has(logKey(l)));
  };

  beforeAll(async () => {
    await anvil.start();
    await proxy.start();
    d = await deployEmitters(anvil);
    // Price history before the connector starts: the look-back must find it.
    await anvil.send({ to: d.aggregator, data: priceUpdateData(6_100_000_000_000n) });
    firstBlock = 1;
    connection = openConnection(proxy.wsUrl, { chain: 'anvil', filters: [{ address: [d.emitter] }], feeds: [d.aggregator] }, capture);
    await until(() => connection.synced, 'the first sync');
  });

  afterAll(async () => {
    await connection?.stop();
    await proxy.stop();
    await anvil.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the oracle look-back at start: every AnswerUpdated of the feed before the connection', async () => {
    const updates = (await recount()).filter((l) => l.address.toLowerCase() === d.aggregator.toLowerCase());
    expect(updates.length).toBe(2); // the constructor's and the update
    const got = capture.logs().filter((x) => x.via === 'getLogs').map((x) => logKey(x.log));
    expect(new Set(got)).toEqual(new Set(updates.map(logKey)));
  });

  it('receives 10,000 liquidations in 500 blocks, every log exactly once, each valued at the oracle answer before it', async () => {
    const frames = capture.frames.length;
    const before = capture.logs().length;
    const from = (await anvil.blockNumber()) + 1;
    let burstBlocks = 0;
    for (let b = 0; b < 500; b++) {
      // The price moves every 50 blocks (a block of its own): each liquidation must take the answer before it.
      if (b % 50 === 25) await anvil.send({ to: d.aggregator, data: priceUpdateData(6_000_000_000_000n + BigInt(b) * 1_234_567_891n) });
      await anvil.send({ to: d.emitter, data: burstData(d, 20, b) });
      burstBlocks += 1;
    }
    const to = await anvil.blockNumber();
    expect(burstBlocks).toBe(500);
    await until(async () => capture.logs().length - before >= 10_010 && (await caughtUp()), '10,000 logs', 30_000);
    const logs = capture.logs().slice(before).filter((x) => x.log.address.toLowerCase() === d.emitter.toLowerCase());
    const fresh = await anvil.logs({ fromBlock: from, toBlock: to, address: d.emitter });
    expect(fresh.length).toBe(10_000);
    expect(new Set(fresh.map((l) => l.blockNumber)).size).toBe(500);
    expect(logs.length).toBe(10_000);
    expect(logs.every((x) => x.via === 'subscription')).toBe(true);
    expect(new Set(logs.map((x) => logKey(x.log)))).toEqual(new Set(fresh.map(logKey)));
    expect(connection.stats.backfills).toBe(0);
    expect(capture.gaps).toEqual([]);

    // Valuation (the protocols' parsers over the recorded frames): USD = amount × answer ÷ 10^decimals, with the
    // answer of the last AnswerUpdated strictly before the liquidation's log, recounted here from a fresh eth_getLogs.
    const answers = (await anvil.logs({ fromBlock: 0, toBlock: to, address: d.aggregator })).map((l) => ({ block: Number(l.blockNumber), logIndex: Number(l.logIndex), answer: BigInt(l.topics[1]!) }));
    const priceBefore = (block: number, logIndex: number) => answers.filter((u) => u.block < block || (u.block === block && u.logIndex < logIndex)).at(-1)!.answer;
    const blockOf = new Map(fresh.map((l) => [Number(l.blockNumber), 0]));
    let index = 0;
    for (const n of [...blockOf.keys()].sort((x, y) => x - y)) blockOf.set(n, index++);
    const events = (await liquidationsOf(protocolParsers(d, 'anvil'), capture.frames)).filter((e) => e.onchain!.blockNumber >= from && e.onchain!.blockNumber <= to);
    // Every log but AbsorbDebt (kind 3: i = 3, 10, 17 of each 20) is a liquidation of its protocol, once.
    expect(events.length).toBe(8_500);
    expect(new Set(events.map((e) => e.id)).size).toBe(8_500);
    let worst = 0;
    for (const e of events) {
      const { blockNumber, logIndex } = e.onchain!;
      const a = BigInt(blockOf.get(blockNumber)! * 1_000_000 + logIndex + 1); // burst's amount(i), seed = burst number
      const collateralDecimals = e.venue === 'maker' ? 18 : 8; // Bark's ink is a wad
      const price = Number(priceBefore(blockNumber, logIndex)) / 1e8;
      const expected = (Number(a) / 10 ** collateralDecimals) * price;
      worst = Math.max(worst, Math.abs(e.notionalUsd - expected) / expected);
      if (e.venue === 'aave-v3') expect(Math.abs(e.onchain!.debtUsd - (Number(2n * a) / 1e6) * price) / ((Number(2n * a) / 1e6) * price)).toBeLessThan(1e-9);
    }
    expect(worst).toBeLessThan(1e-9);
    expect(new Set(events.map((e) => e.price)).size).toBe(11); // the 10 updates in the run and the one before it
    expect(new Set(events.map((e) => e.venue))).toEqual(new Set(['aave-v3', 'morpho-blue', 'compound-v3', 'maker', 'euler-v2', 'fluid']));
    expect(capture.frames.length).toBeGreaterThan(frames);
  });

  it('a 20-block socket outage is backfilled: headers and logs of the missed blocks recorded, no gap', async () => {
    const reconnects = capture.reconnects;
    const backfills = connection.stats.backfills;
    proxy.cut();
    await until(() => !connection.connected, 'the disconnect');
    const from = (await anvil.blockNumber()) + 1;
    for (let b = 0; b < 20; b++) await anvil.send({ to: d.emitter, data: burstData(d, 7, 1_000 + b) });
    const to = await anvil.blockNumber();
    proxy.restore();
    const fresh = await anvil.logs({ fromBlock: from, toBlock: to, address: d.emitter });
    expect(fresh.length).toBe(140);
    await until(async () => connection.stats.backfills > backfills && (await caughtUp()) && (await allReceived(fresh)), 'the backfill, every missed log');
    expect(capture.reconnects).toBeGreaterThan(reconnects);
    const heads = capture.heads();
    for (let n = from; n <= to; n++) expect(heads.get(n)).toBe((await anvil.rpc<{ hash: string }>('eth_getBlockByNumber', [hex(n), false])).hash);
    expect(capture.gaps).toEqual([]);
    expect(capture.lines.some((l) => l.msg === 'missed blocks backfilled after reconnect: no gap' && l.toBlock === to)).toBe(true);
  });

  it('anvil killed and restarted mid-stream (chain kept): the blocks mined while it was away are backfilled, no gap', async () => {
    const backfills = connection.stats.backfills;
    proxy.cut();
    await anvil.stop();
    await anvil.start();
    const from = (await anvil.blockNumber()) + 1;
    for (let b = 0; b < 20; b++) await anvil.send({ to: d.emitter, data: burstData(d, 3, 2_000 + b) });
    const to = await anvil.blockNumber();
    proxy.restore();
    const fresh = await anvil.logs({ fromBlock: from, toBlock: to, address: d.emitter });
    expect(fresh.length).toBe(60);
    await until(async () => connection.stats.backfills > backfills && (await caughtUp()) && (await allReceived(fresh)), 'the backfill after the restart, every missed log');
    expect(capture.gaps).toEqual([]);
  });

  it('a depth-3 reorg: the new chain is re-read; the logs on the chain equal a fresh eth_getLogs within one new head', async () => {
    for (let b = 0; b < 5; b++) await anvil.send({ to: d.emitter, data: burstData(d, 4, 3_000 + b) });
    await until(caughtUp, 'the blocks before the reorg');
    const tip = await anvil.blockNumber();
    const reorgs = connection.stats.reorgs;
    await anvil.rpc('anvil_reorg', [3, reorgTxs(3, 4_000)]);
    expect(await anvil.blockNumber()).toBe(tip);
    await anvil.mine(1); // the one new head
    await until(async () => connection.stats.reorgs > reorgs && connection.stats.rereads === connection.stats.reorgs && (await caughtUp()), 'the reorg re-read');
    const got = await received();
    expect([...got].sort()).toEqual((await recount()).map(logKey).sort());
    // Re-read, not only notified: anvil sends the new blocks' logs on the subscription too, a provider need not.
    const newChain = await anvil.logs({ fromBlock: tip - 2, toBlock: tip, address: d.emitter });
    expect(newChain.length).toBe(18);
    const reread = new Set(capture.logs().filter((x) => x.via === 'getLogs').map((x) => logKey(x.log)));
    for (const l of newChain) expect(reread.has(logKey(l))).toBe(true);
    expect(capture.gaps).toEqual([]);
  });

  it('a depth-3 reorg while the socket is down: the backfill walks back to the fork and re-reads from there', async () => {
    await anvil.send({ to: d.emitter, data: burstData(d, 4, 5_000) });
    await until(caughtUp, 'the blocks before the outage');
    const tip = await anvil.blockNumber();
    const backfills = connection.stats.backfills;
    proxy.cut();
    await until(() => !connection.connected, 'the disconnect');
    await anvil.rpc('anvil_reorg', [3, reorgTxs(3, 6_000)]);
    await anvil.mine(2);
    proxy.restore();
    await until(async () => connection.stats.backfills > backfills && (await caughtUp()), 'the backfill');
    expect(capture.lines.some((l) => l.msg === 'chain reorganised below the blocks to read; reading from the fork' && l.fromBlock === tip - 2)).toBe(true);
    const got = await received();
    expect([...got].sort()).toEqual((await recount()).map(logKey).sort());
    expect(capture.gaps).toEqual([]);
  });

  it('a node that freezes (SIGSTOP): the silent connection is replaced, and once it thaws nothing is lost and no gap recorded', async () => {
    const backfills = connection.stats.backfills;
    anvil.freeze();
    try {
      await until(() => !connection.connected, 'the silence timeout');
      await sleep(700); // reconnects fail while it is frozen (the handshake times out)
    } finally {
      anvil.thaw();
    }
    const from = (await anvil.blockNumber()) + 1;
    for (let b = 0; b < 5; b++) await anvil.send({ to: d.emitter, data: burstData(d, 2, 7_000 + b) });
    const fresh = await anvil.logs({ fromBlock: from, toBlock: await anvil.blockNumber(), address: d.emitter });
    expect(fresh.length).toBe(10);
    await until(async () => connection.stats.backfills > backfills && (await caughtUp()) && (await allReceived(fresh)), 'the reconnect, every log mined after the thaw');
    expect(capture.lines.some((l) => l.msg === 'silent connection; reconnecting' && l.venue === 'test-evm')).toBe(true);
    expect(capture.gaps).toEqual([]);
  });
});
