import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvmChainConnection } from '../../../src/venues/evm/rpc/chain-connection.js';
import { Anvil } from '../../support/anvil.js';
import { burstData, Capture, deployEmitters, logKey, openConnection, type Deployed } from '../../support/evm-chain.js';
import { freePort } from '../../support/free-port.js';
import { RpcProxy } from '../../support/rpc-proxy.js';
import { until } from '../../support/until.js';

// A node answers a connection's requests in any order (anvil answers eth_blockNumber before the eth_subscribe sent
// ahead of it) and a subscription carries only what happens after it is made. A connection that took the head and
// called itself in sync before its subscriptions were made lost the blocks mined in between, with no gap: the
// aave-v3 live test lost liquidations that way in a clean CI run on a loaded host. Here the proxy holds every
// eth_subscribe for 800 ms, which makes that window wide.
describe('EVM connection whose node makes the subscriptions late', () => {
  let anvil: Anvil;
  let proxy: RpcProxy;
  const capture = new Capture();
  let d: Deployed;
  let connection: EvmChainConnection;

  beforeAll(async () => {
    anvil = await new Anvil({ port: await freePort() }).start();
    d = await deployEmitters(anvil);
    proxy = await new RpcProxy({ port: await freePort(), target: anvil.wsUrl, hold: (method) => (method === 'eth_subscribe' ? 800 : 0) }).start();
  });

  afterAll(async () => {
    await connection?.stop();
    await proxy?.stop();
    await anvil?.stop();
  });

  it('is in sync only once its subscriptions are answered: the blocks mined right after are received, every log once, no gap', async () => {
    const started = Date.now();
    connection = openConnection(proxy.url, { chain: 'anvil', filters: [{ address: [d.emitter] }], feeds: [d.aggregator] }, capture);
    await until(() => connection.synced, 'the first sync');
    expect(Date.now() - started).toBeGreaterThanOrEqual(800);
    const from = (await anvil.blockNumber()) + 1;
    for (let b = 0; b < 5; b++) await anvil.send({ to: d.emitter, data: burstData(d, 4, b) });
    const fresh = await anvil.logs({ fromBlock: from, toBlock: await anvil.blockNumber(), address: d.emitter });
    expect(fresh.length).toBe(20);
    const received = () => capture.logs().filter((x) => x.log.address.toLowerCase() === d.emitter.toLowerCase());
    await until(() => received().length >= 20, 'the 20 logs', 10_000);
    expect(new Set(received().map((x) => logKey(x.log)))).toEqual(new Set(fresh.map(logKey)));
    expect(received().length).toBe(20);
    expect(received().every((x) => x.via === 'subscription')).toBe(true);
    expect(capture.gaps).toEqual([]);
  });

  it('a refused subscribe is an answer: the connection syncs without waiting out the request timeout, and the refusal is logged', async () => {
    // The feeds' subscription (id 2) refused, as a provider refuses a filter it finds too wide.
    const refusing = await new RpcProxy({
      port: await freePort(),
      target: anvil.wsUrl,
      spoil: (method, message) => (method === 'eth_subscribe' && message.id === 2 ? { jsonrpc: '2.0', id: 2, error: { code: -32602, message: 'filter too wide' } } : message),
    }).start();
    const refused = new Capture();
    const other = openConnection(refusing.url, { chain: 'anvil', filters: [{ address: [d.emitter] }], feeds: [d.aggregator] }, refused, { requestTimeoutMs: 60_000 });
    try {
      await until(() => other.synced, 'the sync, well before the 60 s request timeout');
      expect(refused.lines.some((l) => l.msg === 'subscribe refused' && l.error === 'filter too wide')).toBe(true);
    } finally {
      await other.stop();
      await refusing.stop();
    }
  });
});
