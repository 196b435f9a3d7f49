/**
 * Euler v2's EVault factory per chain (Euler's docs, "Contract addresses"; docs/venues/euler-v2.md). Vaults are
 * permissionless proxies of it: which ones to watch, their assets and share rates come from discovery (the
 * factory's proxy list, each vault's asset() and convertToAssets()), which is not built yet.
 */
export const EULER_FACTORY: Record<string, string> = {
  ethereum: '0x29a56a1b8214d9cf7c5561811750d5cbdb45cc8e',
};
