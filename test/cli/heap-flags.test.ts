import { describe, expect, it } from 'vitest';
import { heapFlagsFor, NODE_FILLS_V8_FLAGS, withHeapFlags } from '../../src/cli/heap-flags.js';

const argv = (...args: string[]) => ['/usr/bin/node', '/x/dist/bundle/cli/main.js', ...args];

describe('heap flags of a node-fills replay', () => {
  it('asks for them for `replay --format hyperliquid-node-fills`, in both spellings, wherever the option stands', () => {
    for (const args of [
      ['replay', '21', '--format', 'hyperliquid-node-fills'],
      ['replay', '--format=hyperliquid-node-fills', '21', '--summary'],
      ['replay', '--format', 'recording', '--format', 'hyperliquid-node-fills', '21'],
    ])
      expect(heapFlagsFor(argv(...args), ['--max-semi-space-size=64'])).toEqual(NODE_FILLS_V8_FLAGS);
    expect(NODE_FILLS_V8_FLAGS).toEqual(['--max-semi-space-size=16', '--heap-growing-percent=50']);
  });

  it('an `.lz4` file among the inputs gets the same flags (its blocks are decoded into one reused buffer)', () => {
    for (const args of [
      ['replay', '21.lz4', '--format', 'hyperliquid-node-fills'],
      ['replay', '20', '--format=hyperliquid-node-fills', '21.lz4'],
      ['replay', '--format', 'hyperliquid-node-fills', '--', '21.lz4'],
    ])
      expect(heapFlagsFor(argv(...args), ['--max-semi-space-size=64'])).toEqual(NODE_FILLS_V8_FLAGS);
    expect(heapFlagsFor(argv('replay', '21.lz4', '--format', 'hyperliquid-node-fills'), NODE_FILLS_V8_FLAGS)).toBeUndefined();
  });

  it('not for other commands and formats, after `--`, or when the process already runs under them', () => {
    expect(heapFlagsFor(argv('replay', 'day.ndjson.gz'), [])).toBeUndefined();
    expect(heapFlagsFor(argv('replay', 'x', '--format', 'tardis-liquidations'), [])).toBeUndefined();
    expect(heapFlagsFor(argv('run', '--format', 'hyperliquid-node-fills'), [])).toBeUndefined();
    expect(heapFlagsFor(argv('replay', '--', '--format', 'hyperliquid-node-fills'), [])).toBeUndefined();
    expect(heapFlagsFor(argv('replay', 'x', '--format', 'hyperliquid-node-fills'), ['--inspect', ...NODE_FILLS_V8_FLAGS])).toBeUndefined();
    // One of the two is not enough.
    expect(heapFlagsFor(argv('replay', 'x', '--format', 'hyperliquid-node-fills'), ['--max-semi-space-size=16'])).toEqual(NODE_FILLS_V8_FLAGS);
  });

  it('replaces the process’s own heap flags and keeps the rest', () => {
    expect(withHeapFlags(['--max-semi-space-size=64', '--enable-source-maps', '--max-semi-space-size', '32', '--heap-growing-percent=5', '--min-semi-space-size=2'], NODE_FILLS_V8_FLAGS)).toEqual([
      '--enable-source-maps',
      ...NODE_FILLS_V8_FLAGS,
    ]);
    // Other sizes (old space) are the user's.
    expect(withHeapFlags(['--max-old-space-size=4096'], NODE_FILLS_V8_FLAGS)).toEqual(['--max-old-space-size=4096', ...NODE_FILLS_V8_FLAGS]);
  });
});
