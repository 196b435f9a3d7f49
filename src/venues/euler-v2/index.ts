import { chainMetadata } from '../evm/chains.js';
import { evmVenue } from '../evm/module.js';
import { CONVERT_TO_ASSETS, PROXY_CREATED } from './discovery.js';
import { EULER_LIQUIDATE_EVENT } from './parse.js';
import { EULER_FACTORY, eulerCreations } from './plan.js';

export const eulerV2Venue = () =>
  evmVenue({
    venue: 'euler-v2',
    about: { name: 'Euler v2 vaults (Ethereum, Base)', exchange: 'euler', colour: '#e04f3a', doc: 'docs/venues/euler-v2.md' },
    events: [EULER_LIQUIDATE_EVENT, PROXY_CREATED],
    metadata: () => ({ chains: Object.fromEntries(Object.entries(EULER_FACTORY).map(([c, f]) => [c, chainMetadata(c, { [f]: { factory: 'euler' } })])) }),
    creations: Object.fromEntries(Object.keys(EULER_FACTORY).map((c) => [c, eulerCreations(c)])),
    answers: [CONVERT_TO_ASSETS],
  });
