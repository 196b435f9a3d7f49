import type { SnapshotRule } from './venue.js';

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Frames with the string member `"key": "value"` are snapshots (Kraken `feed` `trade_snapshot`, dYdX `type`
 * `subscribed`, Bitget `action` `snapshot`, BitMEX `action` `partial`). A text test, not a parse: the rule runs
 * on frames the parser has already accepted, whose shape its schema checked.
 */
export function memberRule(key: string, value: string): () => SnapshotRule {
  const pattern = new RegExp(`"${escape(key)}"\\s*:\\s*"${escape(value)}"`);
  return () => (frame) => pattern.test(frame);
}

/**
 * The first frame of each channel on a connection is its snapshot (OKX sends recent liquidations as the first
 * push after subscribing): `channelOf` names a frame's channel, undefined for frames of none.
 */
export function firstFramePerChannel(channelOf: (frame: string) => string | undefined): () => SnapshotRule {
  return () => {
    const seen = new Set<string>();
    return (frame) => {
      const channel = channelOf(frame);
      if (channel === undefined || seen.has(channel)) return false;
      seen.add(channel);
      return true;
    };
  };
}
