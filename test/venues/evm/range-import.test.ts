import { describe, expect, it } from 'vitest';
import { importChainRange } from '../../../src/cli/chain-import.js';
import { loadConfig } from '../../../src/config/load.js';
import { silentLogger } from '../../../src/log.js';
import { parseBlock } from '../../../src/venues/evm/rpc/range-import.js';
import { onlyVenues } from '../../support/config-file.js';
import { FakeEvmNode } from '../../support/fake-evm-node.js';
import { freePort } from '../../support/free-port.js';
import { tempDir } from '../../support/recording.js';

describe('history import of a block range: what it refuses before reading', () => {
  it('block numbers: decimal digits up to 10^12 only', () => {
    expect(parseBlock('0', '--from-block')).toBe(0);
    expect(parseBlock('23540000', '--from-block')).toBe(23_540_000);
    expect(parseBlock('1000000000000', '--to-block')).toBe(1e12);
    for (const bad of ['', '-1', '1e3', '0x10', '1.5', ' 1', '1000000000001', '99999999999999999999', 'latest', 'finalized'])
      expect(() => parseBlock(bad, '--from-block'), bad).toThrow(/^--from-block must be a block number \(decimal digits, 0 to 1000000000000\), not /);
  });

  it('a node that names no finalized block: refused, nothing stored', async () => {
    const node = await new FakeEvmNode({ port: await freePort(), head: 1_000 }).start(); // answers null for "finalized"
    try {
      const config = loadConfig({ env: {}, overrides: { venues: onlyVenues({ 'aave-v3': { enabled: true, discover: false } }), evm: { chains: { ethereum: { url: node.url } } } } });
      const store = tempDir();
      await expect(importChainRange({ config, chain: 'ethereum', from: 10, to: 20, store, log: silentLogger() })).rejects.toThrow(
        'ethereum: the node names no finalized block (eth_getBlockByNumber("finalized")): cannot tell which blocks are final',
      );
      expect(node.getLogs).toEqual([]);
    } finally {
      await node.stop();
    }
  });
});
