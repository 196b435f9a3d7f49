import { solanaVenue } from '../solana/module.js';
import { KAMINO_PROTOCOL } from './parse.js';
import { RESERVE_BYTES } from './plan.js';

export const kaminoVenue = () =>
  solanaVenue({
    venue: 'kamino',
    about: { name: 'Kamino Lend (Solana)', exchange: 'kamino', colour: '#3b5bdb', doc: 'docs/venues/kamino.md' },
    protocol: KAMINO_PROTOCOL,
    chains: ['solana'],
    priceBytes: RESERVE_BYTES,
  });
