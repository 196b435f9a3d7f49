import { describe, expect, it } from 'vitest';
import { loadConfig, maskSecrets } from '../../../src/config/load.js';

describe('config evm: RPC URLs per chain', () => {
  const ALCHEMY = 'wss://eth-mainnet.g.alchemy.com/v2/aBcD1234eFgH5678iJkL9012mNoP3456';
  const INFURA = 'wss://arbitrum-mainnet.infura.io/ws/v3/0123456789abcdef0123456789abcdef';
  const QUERY = 'wss://base.rpc.example/ws?apikey=s3cr3tkey';

  it('takes a URL per chain from the environment, with the reading defaults', () => {
    const config = loadConfig({ env: { LIQSTREAM_EVM__CHAINS__ETHEREUM__URL: ALCHEMY, LIQSTREAM_EVM__CHAINS__ARBITRUM__URL: INFURA, LIQSTREAM_EVM__CHAINS__ARBITRUM__CONFIRMATIONS: '20' } });
    expect(config.evm.chains).toEqual({ ethereum: { url: ALCHEMY }, arbitrum: { url: INFURA, confirmations: 20 } });
    expect(config.evm).toMatchObject({ lookbackBlocks: 5_000, maxRangeBlocks: 2_000, reorgDepth: 64 });
  });

  it('`liqstream config` masks the API key of every provider URL (path segment or query)', () => {
    const config = loadConfig({ env: { LIQSTREAM_EVM__CHAINS__ETHEREUM__URL: ALCHEMY, LIQSTREAM_EVM__CHAINS__ARBITRUM__URL: INFURA, LIQSTREAM_EVM__CHAINS__BASE__URL: QUERY } });
    const printed = maskSecrets(config);
    const text = JSON.stringify(printed);
    for (const secret of ['aBcD1234eFgH5678iJkL9012mNoP3456', '0123456789abcdef0123456789abcdef', 's3cr3tkey']) expect(text).not.toContain(secret);
    expect(printed.evm.chains.ethereum!.url).toBe('wss://eth-mainnet.g.alchemy.com/v2/REDACTED');
    expect(printed.evm.chains.base!.url).toBe('wss://base.rpc.example/ws?apikey=REDACTED');
  });

  it('refuses a chain name that could not be an id part, and a URL that is not one', () => {
    expect(() => loadConfig({ env: { 'LIQSTREAM_EVM__CHAINS__ETH:MAIN__URL': ALCHEMY } })).toThrow();
    expect(() => loadConfig({ env: { LIQSTREAM_EVM__CHAINS__ETHEREUM__URL: 'not a url' } })).toThrow(/evm\.chains\.ethereum\.url/);
  });
});
