import { accountDiscriminator, instructionDiscriminator } from '../solana/anchor.js';
import { base58Encode } from '../solana/base58.js';
import type { AccountPrice, InstructionContext, SolanaLiquidationRead, SolanaProtocol } from '../solana/parser.js';
import type { TokenTransfer } from '../solana/transaction.js';
import { ACCOUNT, KLEND_PROGRAM_ID, LIQUIDATION_INSTRUCTIONS, LIQUIDATION_LOG_MARKER, MIN_ACCOUNTS, MINTS, RESERVE } from './plan.js';
import { ReserveBytes, reserveFields } from './schema.js';

export const LIQUIDATION_DISCRIMINATORS: ReadonlyMap<string, string> = new Map(LIQUIDATION_INSTRUCTIONS.map((name) => [instructionDiscriminator(name), name]));
export const RESERVE_DISCRIMINATOR = accountDiscriminator('Reserve');

/**
 * A KLend liquidation: what the liquidator repaid and the collateral it was paid, read from the token transfers
 * the instruction itself made (its inner instructions): repay = user_source_liquidity → repay reserve's supply,
 * seized = withdraw reserve's supply → user_destination_liquidity (the collateral redeemed into its token, before
 * the protocol's fee on it, which the liquidator pays back to the reserve). Exact in base units. A node that gives
 * no inner instructions: the liquidator's net balance changes of those two accounts, for a transaction with one
 * liquidation only, labelled inferred (≈: other instructions of the transaction may move the same accounts).
 */
export function readLiquidation(ix: InstructionContext): SolanaLiquidationRead | string {
  const a = ix.accounts;
  if (a.length < MIN_ACCOUNTS) return `expected at least ${MIN_ACCOUNTS} accounts, got ${a.length}`;
  const debtMint = a[ACCOUNT.repayReserveLiquidityMint]!;
  const collateralMint = a[ACCOUNT.withdrawReserveLiquidityMint]!;
  const side = (mint: string, amount: bigint, decimals: number, priceAccount: string) => ({ mint, amount, decimals, priceAccount });
  if (ix.children.length === 0) {
    if (ix.liquidations !== 1) return 'no inner instructions, and the transaction holds several liquidations';
    const changes = ix.changes();
    const debt = changes.find((c) => c.account === a[ACCOUNT.userSourceLiquidity] && c.mint === debtMint);
    const seized = changes.find((c) => c.account === a[ACCOUNT.userDestinationLiquidity] && c.mint === collateralMint);
    if (!debt || debt.delta >= 0n) return 'no inner instructions, and no balance decrease of the repaying account';
    if (!seized || seized.delta <= 0n) return 'no inner instructions, and no balance increase of the receiving account';
    return {
      debt: side(debtMint, -debt.delta, debt.decimals, a[ACCOUNT.repayReserve]!),
      collateral: side(collateralMint, seized.delta, seized.decimals, a[ACCOUNT.withdrawReserve]!),
      inferred: ['collateral', 'debt'],
    };
  }
  const transfers = ix.children.map((c) => ix.transfer(c.raw)).filter((t): t is TokenTransfer => t !== undefined);
  const one = (from: string, to: string, mint: string, what: string): (TokenTransfer & { decimals: number }) | string => {
    const found = transfers.filter((t) => t.source === from && t.destination === to);
    if (found.length !== 1) return `expected one ${what} transfer, found ${found.length}`;
    const t = found[0]!;
    if (t.mint !== mint) return `${what} transfer of mint ${t.mint ?? 'unknown'}, not the reserve's ${mint}`;
    if (t.decimals === undefined) return `${what} transfer with no decimals stated`;
    return { ...t, decimals: t.decimals };
  };
  const repaid = one(a[ACCOUNT.userSourceLiquidity]!, a[ACCOUNT.repayReserveLiquiditySupply]!, debtMint, 'repay');
  if (typeof repaid === 'string') return repaid;
  const seized = one(a[ACCOUNT.withdrawReserveLiquiditySupply]!, a[ACCOUNT.userDestinationLiquidity]!, collateralMint, 'collateral');
  // No redemption: the liquidator took the reserve's collateral tokens (cTokens), which have no price of their own.
  if (typeof seized === 'string') return seized.startsWith('expected one collateral transfer, found 0') ? 'collateral not redeemed (cTokens taken): not valued' : seized;
  return { debt: side(debtMint, repaid.amount, repaid.decimals, a[ACCOUNT.repayReserve]!), collateral: side(collateralMint, seized.amount, seized.decimals, a[ACCOUNT.withdrawReserve]!) };
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const SCALE = 2 ** Number(RESERVE.fractionBits);

/**
 * The USD price a Reserve states: liquidity.market_price_sf ÷ 2^60 per whole token, set by refresh_reserve at
 * last_update.slot (the liquidation requires a refresh in its own transaction, so a Reserve read at that slot holds
 * the very price it used).
 */
export function reservePrice(owner: string, data: Uint8Array): AccountPrice | string {
  if (owner !== KLEND_PROGRAM_ID) return `account owned by ${owner}, not the KLend program`;
  if (!ReserveBytes.safeParse(data).success || hex(data.subarray(0, 8)) !== RESERVE_DISCRIMINATOR) return 'not a Reserve account';
  const f = reserveFields(data);
  const usd = Number(f.marketPriceSf) / SCALE;
  if (!(usd > 0) || !Number.isFinite(usd)) return 'Reserve states no price';
  return { mint: base58Encode(f.mint), usd, slot: Number(f.slot) };
}

export const KAMINO_PROTOCOL: SolanaProtocol = {
  programId: KLEND_PROGRAM_ID,
  liquidations: LIQUIDATION_DISCRIMINATORS,
  logMarkers: [LIQUIDATION_LOG_MARKER],
  read: readLiquidation,
  price: reservePrice,
  symbol: (mint) => MINTS[mint] ?? mint.slice(0, 8),
};
