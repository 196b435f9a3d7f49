import { z } from 'zod';
import { MORPHO_CREATE_MARKET, TOPIC0 } from '../evm/abi.js';
import { address, bytes32, uint } from '../evm/args.js';
import { hasRoom, lower, MAX_DISCOVERED } from '../evm/metadata.js';
import type { ProtocolEvent } from '../evm/parser.js';

const CreateMarketArgs = z.object({
  id: bytes32,
  marketParams: z.object({ loanToken: address, collateralToken: address, oracle: address, irm: address, lltv: uint }),
});
type CreateMarketArgs = z.infer<typeof CreateMarketArgs>;

/**
 * Morpho Blue's CreateMarket: a market's id and its tokens, learned by the parser (its copy of the metadata) so a
 * liquidation in a market created while running is valued like a listed one. Startup discovery reads the same logs
 * back (src/venues/morpho-blue/index.ts), so markets created before the run are in metadata.json.
 */
export const CREATE_MARKET: ProtocolEvent<CreateMarketArgs> = {
  topic0: TOPIC0.CreateMarket,
  abi: MORPHO_CREATE_MARKET,
  args: CreateMarketArgs,
  read: (a, _log, chain) => {
    const id = lower(a.id);
    const markets = (chain.markets ??= {});
    if (Object.hasOwn(markets, id)) return null;
    if (!hasRoom(chain)) return `Morpho market ${id} not learned: ${MAX_DISCOVERED} contracts and markets known on this chain already`;
    markets[id] = { loanToken: lower(a.marketParams.loanToken), collateralToken: lower(a.marketParams.collateralToken) };
    return null;
  },
};
