import { z } from 'zod';
import { EULER_PROXY_CREATED, SELECTOR, TOPIC0 } from '../evm/abi.js';
import { address } from '../evm/args.js';
import { addCreated, lower } from '../evm/metadata.js';
import type { CallAnswer, ProtocolEvent } from '../evm/parser.js';
import { CONVERT_TO_ASSETS_CALL, RATE_SHARES } from './plan.js';

const ProxyCreatedArgs = z.object({ proxy: address, upgradeable: z.boolean(), implementation: address, trailingData: z.string().regex(/^0x([0-9a-fA-F]{2})*$/) });
type ProxyCreatedArgs = z.infer<typeof ProxyCreatedArgs>;

/** An EVault's proxy metadata: asset, oracle, unit of account, 20 bytes each (euler-vault-kit ProxyUtils.metadata). */
const PROXY_METADATA_BYTES = 60;

/**
 * The factory's ProxyCreated: a new EVault and its asset (the first 20 bytes of its trailing data), learned by the
 * parser so the vault's Liquidate logs count. Its share rate comes from the vault's convertToAssets answer.
 */
export const PROXY_CREATED: ProtocolEvent<ProxyCreatedArgs> = {
  topic0: TOPIC0.ProxyCreated,
  abi: EULER_PROXY_CREATED,
  args: ProxyCreatedArgs,
  read: (a, log, chain) => {
    if (chain.contracts[lower(log.address)]?.factory !== 'euler') return `ProxyCreated from ${log.address}, which is no Euler factory`;
    if ((a.trailingData.length - 2) / 2 !== PROXY_METADATA_BYTES) return `ProxyCreated of ${a.proxy} with ${(a.trailingData.length - 2) / 2} bytes of metadata, not an EVault's ${PROXY_METADATA_BYTES}`;
    return addCreated(chain, lower(a.proxy), { base: lower(`0x${a.trailingData.slice(2, 42)}`) }, 'Euler vault');
  },
};

/**
 * An EVault's convertToAssets(1e18): its share rate, as an exact fraction [assets, 1e18]. Read at discovery (or when
 * the vault was created while running), not at each liquidation's block: the collateral amount it gives is
 * labelled inferred (docs/venues/euler-v2.md).
 */
export const CONVERT_TO_ASSETS: CallAnswer = {
  selector: SELECTOR.convertToAssets,
  read: (to, data, result, chain) => {
    const vault = chain.contracts[to];
    if (!vault?.base) return `convertToAssets of ${to}, which is no known Euler vault`;
    if (data !== CONVERT_TO_ASSETS_CALL) return 'convertToAssets asked for another number of shares';
    if (result.length !== 66) return `convertToAssets answered ${(result.length - 2) / 2} bytes, not 32`;
    const assets = BigInt(result);
    if (assets === 0n) return 'convertToAssets answered 0';
    vault.assetsPerShare = [assets.toString(), RATE_SHARES.toString()];
    return null;
  },
};
