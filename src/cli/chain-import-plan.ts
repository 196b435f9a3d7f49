import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { VenueId } from '../schema/events.js';
import { venueModule } from '../venues/registry.js';
import type { VenueMetadata } from '../venues/venue.js';
import type { EvmChainConfig } from '../venues/evm/config.js';
import { withConfirmations } from '../venues/evm/discover.js';
import type { EvmVenueSpec } from '../venues/evm/module.js';
import { urlOf } from '../venues/evm/rpc/connector.js';
import { ImportRangeError, type ImportVenue } from '../venues/evm/rpc/range-import.js';
import { CHAIN_NAME } from '../venues/evm/rpc/settings.js';
import { evmWatches } from '../venues/evm/rpc/watches.js';

/** What a history import of one chain reads: each enabled on-chain venue on it (watch, URL) and the metadata its parser values with. */
export interface ChainImportPlan {
  venues: ImportVenue[];
  /** Per venue, as live: discovered (where `discover` is on) else the plan; the imported chain's confirmations 0 (see below). */
  metadata: Record<VenueId, VenueMetadata>;
}

/**
 * The venues of `chain` an import reads: every enabled on-chain venue that runs on it, each with the RPC URL its
 * live connection would use (`venues.<id>.chains.<chain>.url`, else `evm.chains.<chain>.url`). Refused (with what to
 * configure) when the chain is unknown, no enabled venue runs on it, or a venue on it has no URL: an import that
 * left a protocol out would store less than the chain holds without saying so.
 *
 * Confirmations are 0 for the imported chain: the import reads finalized blocks only, so its events are final
 * (`onchain.provisional` false), and a replay of its recording (metadata.json) says the same.
 */
export async function planChainImport(config: Config, chain: string, log: Logger): Promise<ChainImportPlan> {
  if (!CHAIN_NAME.test(chain)) throw new ImportRangeError(`--chain must be a chain name such as ethereum, arbitrum or base, not ${JSON.stringify(chain.slice(0, 40))}`);
  const enabled = Object.entries(config.venues)
    .filter(([, b]) => b.enabled)
    .map(([venue]) => ({ venue, module: venueModule(venue) }))
    .flatMap(({ venue, module }) => ('evm' in module ? [{ venue, spec: (module as unknown as { evm: EvmVenueSpec }).evm, module }] : []));
  if (enabled.length === 0) throw new ImportRangeError(`no on-chain venue is enabled (venues.<id>.enabled for aave-v3, spark, morpho-blue, compound-v3, maker, euler-v2, fluid)`);
  const onChain = enabled.filter((v) => Object.hasOwn(v.spec.metadata().chains, chain));
  if (onChain.length === 0) {
    const known = [...new Set(enabled.flatMap((v) => Object.keys(v.spec.metadata().chains)))].sort();
    throw new ImportRangeError(`unknown chain ${chain}: no enabled on-chain venue runs on it (their chains: ${known.join(', ')})`);
  }
  const missing = onChain.filter((v) => urlOf(chain, config.venues[v.venue], config.evm) === undefined).map((v) => v.venue);
  if (missing.length > 0) throw new ImportRangeError(`no RPC URL configured for ${chain} (evm.chains.${chain}.url, or venues.<id>.chains.${chain}.url) for ${missing.join(', ')}`);

  const venues: ImportVenue[] = [];
  const metadata: Record<VenueId, VenueMetadata> = {};
  for (const { venue, spec, module } of onChain) {
    const block = config.venues[venue]!;
    const chains = block.chains as Record<string, EvmChainConfig> | undefined;
    let meta: VenueMetadata = {};
    if (block.discover) {
      try {
        meta = await module.discover({ log, url: block.url, restUrl: block.restUrl, options: block, evm: config.evm });
      } catch (err) {
        log.error({ venue, err: (err as Error).message }, 'discovery failed; importing with the built-in plan');
      }
    }
    // Contracts created before the look-back are found by start-up discovery only: said, not silently left out.
    if ((spec.creations?.[chain]?.length ?? 0) > 0 && (!block.discover || !chains?.[chain]?.httpUrl))
      log.warn({ venue, chain }, `no start-up discovery (discover with venues.${venue}.chains.${chain}.httpUrl): contracts created before the look-back are not imported`);
    const evm = { chains: { ...withConfirmations(meta.evm ?? spec.metadata(), chains).chains } };
    evm.chains[chain] = { ...evm.chains[chain]!, confirmations: 0 };
    metadata[venue] = { ...meta, evm };
    const watch = evmWatches({ [chain]: evm.chains[chain]! }, spec.events.map((e) => e.topic0), spec.creations)[0]!;
    venues.push({ venue, url: urlOf(chain, block, config.evm)!, watch });
  }
  return { venues, metadata };
}
