import type { LiquidationEvent, RetractionEvent } from '../../src/schema/events.js';
import { liquidation } from './events.js';

const hex = (n: number, bytes: number) => `0x${n.toString(16).padStart(bytes * 2, '0')}`;

/**
 * An on-chain lending liquidation of `usd` collateral seized (price 1) on `venue` (a lending protocol id) and
 * `chain`, shaped as the evm contract says (id `<venue>:<chain>:<blockHash>:<logIndex>`); debt repaid is 96%.
 */
export function defiLiquidation(n: number, eventTime: number, usd: number, over: { venue?: string; chain?: string; debtUsd?: number; symbol?: string } = {}): LiquidationEvent {
  const venue = over.venue ?? 'aave-v3';
  const chain = over.chain ?? 'ethereum';
  const blockHash = hex(1_000 + n, 32);
  const debtUsd = over.debtUsd ?? usd * 0.96;
  return {
    ...liquidation(`${venue}:${chain}:${blockHash}:${n % 7}`, eventTime, usd, { venue, symbol: over.symbol ?? 'WBTC/USDC', receiveTime: eventTime + 500, source: `${venue}:LiquidationCall` }),
    onchain: {
      chain,
      txHash: hex(50_000 + n, 32),
      logIndex: n % 7,
      blockNumber: 20_000_000 + n,
      blockHash,
      collateralAsset: 'WBTC',
      collateralToken: hex(0xbeef, 20),
      collateralAmount: usd,
      collateralUsd: usd,
      debtAsset: 'USDC',
      debtToken: hex(0xcafe, 20),
      debtAmount: debtUsd,
      debtUsd,
      provisional: true,
    },
  };
}

/** The retraction of `event` (its block was orphaned), as the parser publishes it. */
export const retraction = (event: LiquidationEvent, reason: RetractionEvent['reason'] = 'reorg'): RetractionEvent => ({
  type: 'retraction',
  venue: event.venue,
  id: event.id,
  event,
  reason,
  receiveTime: event.receiveTime + 12_000,
});
