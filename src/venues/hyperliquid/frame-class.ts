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
    return bucketOf(m[1]!);
  }
  if (NO_LIQUIDATIONS.test(frame)) return frame.indexOf('"channel"', 2) === -1 ? 'quiet' : 'fills';
  return frame.includes('"channel"') || frame.includes('block_number') ? 'fills' : 'quiet';
}

/** FNV-1a over a block number's digits: consecutive and strided block numbers spread evenly. */
function bucketOf(digits: string): FrameClass {
  let h = 0x811c9dc5;
  for (let i = 0; i < digits.length; i++) h = Math.imul(h ^ digits.charCodeAt(i), 0x01000193);
  return { block: (h >>> 0) % BLOCK_BUCKETS };
}

/** NODE_BLOCK and NO_LIQUIDATIONS as they read inside the frame's JSON string literal (the opening quote first). */
const ESCAPED_NODE_BLOCK = /^"\{\\"local_time\\":\\"[^"\\]{0,64}\\",\\"block_time\\":\\"[^"\\]{0,64}\\",\\"block_number\\":(\d{1,20}),\\"events\\":\[/;
const ESCAPED_NO_LIQUIDATIONS = /^"\{\\"channel\\":\\"(?:activeAssetCtx|subscriptionResponse|pong)\\"/;
/** The longest head the two can match, in bytes. */
const ESCAPED_HEAD = 256;

/**
 * hyperliquidFrameClass of the frame whose JSON string literal is `bytes[start, end)` (quotes included), read
 * from the literal's head without decoding it: a node block's bucket or 'quiet' (a frame that carries no
 * liquidation), or undefined for any other head (decode it and ask hyperliquidFrameClass). The decoded
 * frame's class is this one or else 'fills': a head matches a pattern escaped exactly when the decoded
 * head matches it, with the same digits (the escaped patterns hold no escape but `\"`, which decodes one
 * way only), and only what follows the head (a `\u` escape, a second channel) can still make it 'fills',
 * which whoever decodes the frame checks (feed.ts, splitChecks).
 */
export function hyperliquidEscapedFrameClass(bytes: Buffer, start: number, end: number): FrameClass | undefined {
  // latin1: one character per byte; a multi-byte character then counts more than once against {0,64} and
  // matches no ASCII class, so a match here is a match of the decoded text.
  const head = bytes.toString('latin1', start, Math.min(end, start + ESCAPED_HEAD));
  const m = ESCAPED_NODE_BLOCK.exec(head);
  if (m) return bucketOf(m[1]!);
  return ESCAPED_NO_LIQUIDATIONS.test(head) ? 'quiet' : undefined;
}
