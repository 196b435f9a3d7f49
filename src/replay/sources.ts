import { parseNodeTime, readNodeFillsFile } from '../venues/hyperliquid/node-fills.js';
import { readRecording, type RecordingItem } from './recording.js';

export const INPUT_FORMATS = ['recording', 'hyperliquid-node-fills'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

const LOCAL_TIME = /"local_time"\s*:\s*"([^"]+)"/;

/**
 * A Hyperliquid node's node_fills_by_block file (plain or .lz4) as recording items: each line is a
 * frame of venue `hyperliquid`, received at the node's `local_time`.
 */
export async function* readNodeFills(path: string): AsyncGenerator<RecordingItem> {
  let line = 0;
  for await (const text of readNodeFillsFile(path)) {
    line += 1;
    if (text.trim() === '') continue;
    const local = LOCAL_TIME.exec(text)?.[1];
    const recv = local === undefined ? undefined : parseNodeTime(local);
    if (recv === undefined) yield { ok: false, line, reason: 'no valid local_time', text };
    else yield { ok: true, frame: { recv, venue: 'hyperliquid', frame: text } };
  }
}

export const sourceFor = (format: InputFormat): ((path: string) => AsyncIterable<RecordingItem>) =>
  format === 'hyperliquid-node-fills' ? readNodeFills : readRecording;
