/**
 * Kamino Lend (KLend) on Solana, as data. Sources (docs/venues/kamino.md): the program id from
 * Kamino-Finance/klend `programs/klend/src/lib.rs` (`declare_id!`, mainnet); the instructions and their account
 * order from `handler_liquidate_obligation_and_redeem_reserve_collateral.rs`; the Reserve layout from
 * `state/reserve.rs` and `state/last_update.rs`; mints from their issuers' published addresses.
 */
export const KLEND_PROGRAM_ID = 'KLend2g3cP87fffoy8q1mQqGKjrxjC8boSyAYavgmjD';

/** The liquidation instructions (v2 takes the same first 20 accounts, then the farms' accounts). */
export const LIQUIDATION_INSTRUCTIONS = ['liquidate_obligation_and_redeem_reserve_collateral', 'liquidate_obligation_and_redeem_reserve_collateral_v2'] as const;

/** What Anchor logs when each is called (`Program log: Instruction: <UpperCamelCase name>`); a prefix of both. */
export const LIQUIDATION_LOG_MARKER = 'Instruction: LiquidateObligationAndRedeemReserveCollateral';

/** Positions in the liquidation's account list (`LiquidateObligationAndRedeemReserveCollateral` accounts struct). */
export const ACCOUNT = {
  liquidator: 0,
  repayReserve: 4,
  repayReserveLiquidityMint: 5,
  repayReserveLiquiditySupply: 6,
  withdrawReserve: 7,
  withdrawReserveLiquidityMint: 8,
  withdrawReserveLiquiditySupply: 11,
  userSourceLiquidity: 13,
  userDestinationLiquidity: 15,
} as const;
export const MIN_ACCOUNTS = 20;

/**
 * The Reserve account (zero-copy, after Anchor's 8-byte discriminator), the fields the price is read from:
 * version u64 @8, last_update {slot u64 @16, stale u8, price_status u8, placeholder [u8;6]}, lending_market,
 * farm_collateral, farm_debt (Pubkey each, @32/64/96), then liquidity: mint_pubkey @128, supply_vault @160,
 * fee_vault @192, total_available_amount u64 @224, borrowed_amount_sf u128 @232, market_price_sf u128 @248,
 * market_price_last_updated_ts u64 @264, mint_decimals u64 @272. `_sf`: a fraction with 60 fractional bits
 * (utils/fraction.rs). The connection asks for these first RESERVE_BYTES only (dataSlice).
 */
export const RESERVE = { lastUpdateSlot: 16, mint: 128, marketPriceSf: 248, mintDecimals: 272, fractionBits: 60n } as const;
export const RESERVE_BYTES = 280;

/** Symbols of the mints reports name (others are named by their address's first 8 characters). */
export const MINTS: Record<string, string> = {
  So11111111111111111111111111111111111111112: 'WSOL',
  EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v: 'USDC',
  Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB: 'USDT',
  '9BB6NFEcjBCtnNLFko2FqVQBq8HHM13kCyYcdQbgpump': 'FARTCOIN',
  J1toso1uCk3RLmjorhTtrVwY9HJ7X8V9yYac6Y7kGCPn: 'JITOSOL',
  mSoLzYCxHdYgdzU16g5QSh3i5K3z3KZK7ytfqcJm7So: 'MSOL',
  JUPyiwrYJFskUPiHa7hkeR8VUtAeFoSYbKedZNsDvCN: 'JUP',
};
