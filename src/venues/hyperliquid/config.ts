import { z } from 'zod';
import { venueConfig } from '../venue-config.js';

/** `venues.hyperliquid`: the common keys plus where liquidations come from (docs/venues/hyperliquid.md). */
export const HyperliquidConfig = venueConfig({
  /**
   * Where liquidations come from: `public` (trades of known liquidator vaults: inferred, backstops only),
   * `node` (a node's node_fills_by_block files: complete), `fills-ws` (a fills feed at `fillsUrl`).
   * Open interest always comes from the public socket.
   */
  source: z.enum(['public', 'node', 'fills-ws']).default('public'),
  /** node: the node's node_fills_by_block/hourly directory. */
  nodeDir: z.string().min(1).optional(),
  /** fills-ws: the feed's WebSocket URL (with any API key it needs). */
  fillsUrl: z.url().optional(),
  /**
   * HLP's liquidator vault addresses (default: the built-in list in vaults.ts). With `discover` on they are
   * re-read from HLP's `vaultDetails` (children named Liquidator) at start and every `refreshMs`, and this
   * list is only the fallback when that fails.
   */
  liquidators: z.array(z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'expected a 0x address of 40 hex digits')).min(1).optional(),
})
  .refine((v) => v.source !== 'node' || v.nodeDir !== undefined, { message: 'source "node" needs nodeDir', path: ['nodeDir'] })
  .refine((v) => v.source !== 'fills-ws' || v.fillsUrl !== undefined, { message: 'source "fills-ws" needs fillsUrl', path: ['fillsUrl'] });
