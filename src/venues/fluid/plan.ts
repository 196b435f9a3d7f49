/**
 * Fluid's VaultFactory per chain (Instadapp fluid-contracts-public deployments; docs/venues/fluid.md). Vaults are
 * created by it; which to watch and their supply/borrow tokens come from discovery (the factory's totalVaults()
 * and getVaultAddress(id), each vault's constantsView()), which is not built yet: without it the metadata lists
 * no vault and every LogLiquidate is refused as from an unknown contract.
 */
export const FLUID_VAULT_FACTORY: Record<string, string> = {
  ethereum: '0x324c5dc1fc42c7a4d43d92df1eba58a54d13bf2d',
  arbitrum: '0x324c5dc1fc42c7a4d43d92df1eba58a54d13bf2d',
  base: '0x324c5dc1fc42c7a4d43d92df1eba58a54d13bf2d',
};
