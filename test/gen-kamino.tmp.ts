import { writeFileSync } from 'node:fs';
import { FARTCOIN, reserveOf, sig, txFrame, USDC, WSOL } from './support/solana-txs.js';
const slot = 370_123_456;
const f = txFrame(
  { signature: sig('fixture'), slot, blockTime: 1_760_120_000, others: ['refresh_reserve', 'refresh_reserve'], liquidations: [
    { debtMint: USDC, collateralMint: WSOL, repaid: 12_345_678_901n, seized: 71_234_567_891n, protocolFee: 1_000_000n },
    { debtMint: USDC, collateralMint: FARTCOIN, repaid: 2_000_000n, seized: 2_800_000n, v2: true },
  ] },
  [
    { address: reserveOf(WSOL).reserve, mint: WSOL, usd: 182.25, slot },
    { address: reserveOf(USDC).reserve, mint: USDC, usd: 1, slot },
    { address: reserveOf(FARTCOIN).reserve, mint: FARTCOIN, usd: 0.75, slot: slot + 3 },
  ],
);
writeFileSync('/work/wt/kamino/test/fixtures/kamino-liquidation-1.json', f + '\n');
