import { chainMetadata } from '../evm/chains.js';
import { evmVenue } from '../evm/module.js';
import { CREATE_MARKET } from './discovery.js';
import { MORPHO_LIQUIDATE_EVENT } from './parse.js';
import { MORPHO_BLUE, morphoCreations, morphoMarkets } from './plan.js';

export const morphoBlueVenue = () =>
  evmVenue({
    venue: 'morpho-blue',
    about: { name: 'Morpho Blue (Ethereum, Base, Arbitrum)', exchange: 'morpho', colour: '#2470ff', doc: 'docs/venues/morpho-blue.md' },
    events: [MORPHO_LIQUIDATE_EVENT, CREATE_MARKET],
    metadata: () => ({
      chains: Object.fromEntries(Object.entries(MORPHO_BLUE).map(([c, a]) => [c, chainMetadata(c, { [a]: {} }, { markets: morphoMarkets(c) })])),
    }),
    creations: Object.fromEntries(Object.keys(MORPHO_BLUE).map((c) => [c, morphoCreations(c)])),
  });
