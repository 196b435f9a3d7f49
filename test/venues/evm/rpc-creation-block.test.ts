import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvmChainConnection } from '../../../src/venues/evm/rpc/chain-connection.js';
import { FakeEvmNode } from '../../support/fake-evm-node.js';
import { Capture, openConnection } from '../../support/evm-chain.js';
import { freePort } from '../../support/free-port.js';
import { until } from '../../support/until.js';

const FACTORY = '0x00000000000000000000000000000000000000fa';
const CREATED = `0x${'cc'.repeat(32)}`;
const VAULT = '0x00000000000000000000000000000000000000c1';

// A creation log is adopted by reading the new contract's logs from its creation block (review finding): one that
// claims block 0 must not make the connection read the whole chain.
describe('EVM RPC connection: a creation log claiming an absurd block', () => {
  let node: FakeEvmNode;
  const capture = new Capture();
  let connection: EvmChainConnection;

  beforeAll(async () => {
    node = await new FakeEvmNode({ port: await freePort(), head: 1_000, logsPerBlock: () => 0 }).start();
    const watch = { chain: 'fake', filters: [{ address: ['0x00000000000000000000000000000000000000aa'] }], feeds: [], creations: [{ address: FACTORY, topic0: CREATED, fromBlock: 0, calls: ['0x38d52e0f'] }] };
    connection = openConnection(node.url, watch, capture, { lookbackBlocks: 100 });
    await until(() => connection.synced, 'the first sync');
  });
  afterAll(async () => {
    await connection?.stop();
    await node?.stop();
  });

  it('reads the created contract from the first block the connection asked about (900), never from block 0', async () => {
    const asked = node.getLogs.length;
    const log = { address: FACTORY, topics: [CREATED, `0x${VAULT.slice(2).padStart(64, '0')}`], data: '0x', blockNumber: '0x0', blockHash: `0x${'00'.repeat(32)}`, transactionHash: `0x${'ab'.repeat(32)}`, transactionIndex: '0x0', logIndex: '0x0', removed: false };
    node.broadcast(JSON.stringify({ jsonrpc: '2.0', method: 'eth_subscription', params: { subscription: '0x2', result: log } }));
    await until(() => connection.stats.adopted === 1, 'the adoption');
    const reads = node.getLogs.slice(asked);
    expect(reads.length).toBeGreaterThan(0);
    // Before: the adoption read blocks 0-1000.
    expect(Math.min(...reads.map(([from]) => from))).toBe(900);
  });
});
