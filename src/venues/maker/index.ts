import { chainMetadata } from '../evm/chains.js';
import { evmVenue } from '../evm/module.js';
import { BARK } from './parse.js';
import { MAKER_DOG, makerIlks } from './plan.js';

export const makerVenue = () =>
  evmVenue({
    venue: 'maker',
    about: { name: 'Maker/Sky vaults, Dog auctions started (Ethereum)', exchange: 'maker', colour: '#4b6f2a', doc: 'docs/venues/maker.md' },
    events: [BARK],
    metadata: () => ({ chains: { ethereum: chainMetadata('ethereum', { [MAKER_DOG]: {} }, { ilks: makerIlks() }) } }),
  });
