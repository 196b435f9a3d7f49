import type { ParseResult } from '../../src/venues/venue.js';
import { parseNodeFillsLineFully } from '../../src/venues/hyperliquid/node-block.js';

/**
 * What the node-block scan must give for a block whose `bad` items are malformed: the full parse of the block
 * with each bad item replaced by 0 (refused as not a pair), that refusal read as the bad item's own
 * (`events.N: invalid JSON`, its text).
 */
export function withBadItemsDeadLettered(head: string, texts: readonly { text: string; bad: boolean }[], vaults: ReadonlySet<string>): ParseResult {
  const reference = parseNodeFillsLineFully(`${head}${texts.map((t) => (t.bad ? '0' : t.text)).join(',')}]}`, vaults);
  if (!reference.ok) return reference;
  return {
    ...reference,
    rejected: reference.rejected?.map((r) => {
      const place = /events\.(\d+): expected/.exec(r.reason)?.[1];
      const t = place === undefined ? undefined : texts[Number(place)];
      return t?.bad ? { entry: t.text, reason: `invalid node_fills_by_block: events.${place}: invalid JSON` } : r;
    }),
  };
}
