import { z } from 'zod';
import { FLUID_VAULT_DEPLOYED, SELECTOR, TOPIC0 } from '../evm/abi.js';
import { address, uint } from '../evm/args.js';
import { addCreated, lower, wordAddress } from '../evm/metadata.js';
import type { CallAnswer, ProtocolEvent } from '../evm/parser.js';

const VaultDeployedArgs = z.object({ vault: address, vaultId: uint });
type VaultDeployedArgs = z.infer<typeof VaultDeployedArgs>;

/** The factory's VaultDeployed: a new vault, watched; its tokens come with its constantsView() answer. */
export const VAULT_DEPLOYED: ProtocolEvent<VaultDeployedArgs> = {
  topic0: TOPIC0.VaultDeployed,
  abi: FLUID_VAULT_DEPLOYED,
  args: VaultDeployedArgs,
  read: (a, log, chain) => {
    if (chain.contracts[lower(log.address)]?.factory !== 'fluid') return `VaultDeployed from ${log.address}, which is no Fluid factory`;
    return addCreated(chain, lower(a.vault), { pending: true }, 'Fluid vault');
  },
};

/** constantsView() of a T1 vault: 13 words (VaultT1 structs.sol); of the T2–T4 vaults: 18 (vaultTypesCommon structs.sol). */
const T1_WORDS = 13;
const COMMON_WORDS = 18;

/**
 * A vault's constantsView(): its supply (collateral) and borrow (debt) tokens. Word 1 is the vault's factory, which
 * must be a known Fluid factory (an answer from anything else is refused). Smart collateral or smart debt (a DEX
 * pair: T2–T4 with a second token) is not valued: refused, the vault's liquidations refused with it.
 */
export const CONSTANTS_VIEW: CallAnswer = {
  selector: SELECTOR.constantsView,
  read: (to, _data, result, chain) => {
    const vault = chain.contracts[to];
    if (!vault || (!vault.pending && !vault.supplyToken)) return `constantsView of ${to}, which is no known Fluid vault`;
    const words = (result.length - 2) / 64;
    const word = (i: number) => result.slice(2 + 64 * i, 66 + 64 * i);
    if (words !== T1_WORDS && words !== COMMON_WORDS) return `constantsView answered ${words} words, not ${T1_WORDS} (T1) or ${COMMON_WORDS} (T2–T4)`;
    const factory = wordAddress(word(1));
    if (!factory || chain.contracts[factory]?.factory !== 'fluid') return `constantsView of ${to} names factory ${factory ?? '?'}, no known Fluid factory`;
    const [supply, supply1, borrow, borrow1] = words === T1_WORDS ? [word(4), undefined, word(5), undefined] : [word(8), word(9), word(10), word(11)];
    if ((supply1 && /[^0]/.test(supply1)) || (borrow1 && /[^0]/.test(borrow1))) return `Fluid vault ${to} has smart collateral or debt (DEX shares): not valued`;
    const supplyToken = wordAddress(supply);
    const borrowToken = wordAddress(borrow);
    if (!supplyToken || !borrowToken) return `constantsView of ${to}: tokens are not addresses`;
    chain.contracts[to] = { supplyToken, borrowToken };
    return null;
  },
};
