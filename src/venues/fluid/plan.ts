import { SELECTOR, TOPIC0 } from '../evm/abi.js';
import type { CreationSource } from '../evm/discover.js';

/**
 * Fluid's VaultFactory per chain (Instadapp fluid-contracts-public deployments/<chain>/VaultFactory.json: address,
 * ABI and deployment block; docs/venues/fluid.md). Every vault is announced by its `VaultDeployed(vault, vaultId)`:
 * discovery reads those logs from the deployment block, the connector watches new ones live, and each vault is
 * asked `constantsView()` for its supply and borrow tokens.
 */
export const FLUID_VAULT_FACTORY: Record<string, { address: string; fromBlock: number }> = {
  ethereum: { address: '0x324c5dc1fc42c7a4d43d92df1eba58a54d13bf2d', fromBlock: 19_310_014 },
  // The deployment file has no receipt on Arbitrum: read from 0 (adaptive ranges).
  arbitrum: { address: '0x324c5dc1fc42c7a4d43d92df1eba58a54d13bf2d', fromBlock: 0 },
  base: { address: '0x324c5dc1fc42c7a4d43d92df1eba58a54d13bf2d', fromBlock: 17_391_489 },
};

export const fluidCreations = (chain: string): CreationSource[] => {
  const f = FLUID_VAULT_FACTORY[chain];
  return f ? [{ address: f.address, topic0: TOPIC0.VaultDeployed, fromBlock: f.fromBlock, calls: [SELECTOR.constantsView] }] : [];
};
