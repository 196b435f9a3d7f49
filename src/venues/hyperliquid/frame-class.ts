import { BLOCK_BUCKETS, type FrameClass } from '../venue.js';

/** A Hyperliquid node block as the node writes it (key order of node_fills_by_block); the number hashed. */
const NODE_BLOCK = /^\{"local_time":"[^"\\]{0,64}","block_time":"[^"\\]{0,64}","block_number":(\d{1,20}),"events":\[/;
/** Hyperliquid socket frames that carry no liquidation: safe beside split blocks. */
const NO_LIQUIDATIONS = /^\{"channel":"(?:activeAssetCtx|subscriptionResponse|pong)"/;
/**
 * A Hyperliquid frame: a node block (its bucket), one that carries no liquidation, or one that may carry
 * fills outside a block. Only what the parser could read as fills counts as the last: a frame naming a
 * channel (trades, a fill feed: its channel names are configurable) or a block number in another layout,
 * or holding a \u escape anywhere; a block that also names a channel, or a socket frame naming a
 * second one (the last key wins in JSON.parse), is one of those too. Anything else (a REST listing, a
 * frame that is not JSON) yields no liquidation.
 */
export function hyperliquidFrameClass(frame: string): FrameClass {
  // A \u escape can spell `channel` in any key: after a block's events or after a pong's channel, JSON.parse
  // then reads a trades or fill-feed frame (the last key wins). Node blocks are written without escapes.
  if (frame.includes('\\u')) return 'fills';
  const m = NODE_BLOCK.exec(frame);
  if (m && !frame.includes('"channel"')) {
    // FNV-1a over the digits: consecutive and strided block numbers spread evenly.
    let h = 0x811c9dc5;
    const digits = m[1]!;
    for (let i = 0; i < digits.length; i++) h = Math.imul(h ^ digits.charCodeAt(i), 0x01000193);
    return { block: (h >>> 0) % BLOCK_BUCKETS };
  }
  if (NO_LIQUIDATIONS.test(frame)) return frame.indexOf('"channel"', 2) === -1 ? 'quiet' : 'fills';
  return frame.includes('"channel"') || frame.includes('block_number') ? 'fills' : 'quiet';
}
