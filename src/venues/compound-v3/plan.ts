import { tokenAddress } from '../evm/chains.js';

/** Comet markets per chain and their base token (Compound's docs, "Networks" / comet deployments/<chain>/<base>/roots.json). */
export const cometMarkets = (chain: string): Record<string, { base: string }> =>
  (
    ({
      ethereum: {
        '0xc3d688b66703497daa19211eedff47f25384cdc3': { base: tokenAddress('ethereum', 'USDC') },
        '0xa17581a9e3356d9a858b789d68b4d866e593ae94': { base: tokenAddress('ethereum', 'WETH') },
        '0x3afdc9bca9213a35503b077a6072f3d0d5ab0840': { base: tokenAddress('ethereum', 'USDT') },
      },
      arbitrum: { '0x9c4ec768c28520b50860ea7a15bd7213a9ff58bf': { base: tokenAddress('arbitrum', 'USDC') } },
      base: { '0xb125e6687d4313864e53df431d5425969c15eb2f': { base: tokenAddress('base', 'USDC') } },
    }) as Record<string, Record<string, { base: string }>>
  )[chain] ?? {};

export const COMET_CHAINS = ['ethereum', 'arbitrum', 'base'];
