import { chainMetadata } from '../evm/chains.js';
import { evmVenue } from '../evm/module.js';
import { EULER_LIQUIDATE_EVENT } from './parse.js';
import { EULER_FACTORY } from './plan.js';

export const eulerV2Venue = () =>
  evmVenue({
    venue: 'euler-v2',
    about: { name: 'Euler v2 vaults (Ethereum)', exchange: 'euler', colour: '#e04f3a', doc: 'docs/venues/euler-v2.md' },
    events: [EULER_LIQUIDATE_EVENT],
    metadata: () => ({ chains: Object.fromEntries(Object.keys(EULER_FACTORY).map((c) => [c, chainMetadata(c, {})])) }),
  });
