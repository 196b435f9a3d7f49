import { SELECTOR, TOPIC0 } from '../evm/abi.js';
import type { CreationSource } from '../evm/discover.js';

/**
 * Euler v2's EVault factory (a GenericFactory) per chain: Ethereum from Euler's docs ("Contract addresses") and the
 * deployment scripts that use it; Base from euler-xyz/euler-interfaces (EulerChains.json). Vaults are permissionless
 * proxies it creates, each announced by `ProxyCreated` (docs/venues/euler-v2.md): discovery reads those logs from
 * `fromBlock` (0: the deployment block is not pinned here; ranges are read adaptively), the connector watches new
 * ones live, and each vault is asked `convertToAssets(1e18)` for its share rate.
 */
export const EULER_FACTORY: Record<string, string> = {
  ethereum: '0x29a56a1b8214d9cf7c5561811750d5cbdb45cc8e',
  base: '0x7f321498a801a191a93c840750ed637149ddf8d0',
};

/** Shares asked for the rate: 1e18, so the rate keeps 18 digits whatever the asset's decimals. */
export const RATE_SHARES = 10n ** 18n;
export const CONVERT_TO_ASSETS_CALL = `${SELECTOR.convertToAssets}${RATE_SHARES.toString(16).padStart(64, '0')}`;

export const eulerCreations = (chain: string): CreationSource[] =>
  EULER_FACTORY[chain] ? [{ address: EULER_FACTORY[chain], topic0: TOPIC0.ProxyCreated, fromBlock: 0, calls: [CONVERT_TO_ASSETS_CALL] }] : [];
