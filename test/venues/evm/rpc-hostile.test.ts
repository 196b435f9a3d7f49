import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvmChainConnection } from '../../../src/venues/evm/rpc/chain-connection.js';
import { CONTRACT, FakeEvmNode } from '../../support/fake-evm-node.js';
import { Capture, openConnection } from '../../support/evm-chain.js';
import { until } from '../../support/until.js';

// A scripted node (test/support/fake-evm-node.ts) for what a real one will not do on demand: a provider that caps
// eth_getLogs, a block it cannot serve, huge answers, garbage.
describe('EVM RPC connection against a hostile or capped provider', () => {
  const node = new FakeEvmNode({ port: 19334, head: 1_000, maxRange: 16, logsPerBlock: (n) => (n === 1_150 ? 20_000 : 3) });
  const capture = new Capture();
  let connection: EvmChainConnection;
  const feed = '0x00000000000000000000000000000000000000bb';
  const API_KEY = 'k3yAbCdEf0123456789xYz0123456789';
  /** Distinct logs the frames carry for blocks [from, to]. */
  const logsIn = (from: number, to: number) =>
    new Set(capture.logs().map((x) => x.log).filter((l) => Number(l.blockNumber) >= from && Number(l.blockNumber) <= to).map((l) => `${l.blockHash}:${l.logIndex}`));

  beforeAll(async () => {
    await node.start();
    // The URL carries an API key, as a provider's does: it must appear in no log line.
    connection = openConnection(`${node.url}/v2/${API_KEY}`, { chain: 'fake', filters: [{ address: ['0x00000000000000000000000000000000000000aa'] }], feeds: [feed] }, capture, { lookbackBlocks: 100 });
    await until(() => connection.synced, 'the first sync');
  });

  afterAll(async () => {
    await connection?.stop();
    await node.stop();
  });

  it('halves eth_getLogs ranges the provider refuses ("more than 10000 results") until it answers: the look-back is complete', () => {
    expect(logsIn(900, 1_000).size).toBe(101 * 3);
    expect(connection.stats.halvings).toBeGreaterThan(0);
    expect(capture.lines.some((l) => l.msg === "provider refused the eth_getLogs range; halving it" && l.chain === 'fake' && l.venue === 'test-evm' && typeof l.error === 'string')).toBe(true);
  });

  it('backfills 300 blocks through the cap after an outage, a 20,000-log block (a ~5 MB answer) included: nothing lost, no gap', async () => {
    node.refuse = true;
    node.drop();
    await until(() => !connection.connected, 'the disconnect');
    node.advance(300, false);
    node.refuse = false;
    await until(() => connection.stats.backfills === 1 && connection.synced, 'the backfill');
    const expected = 301 * 3 - 3 + 20_000; // blocks 1000..1300, block 1150 with 20,000
    expect(logsIn(1_000, 1_300).size).toBe(expected);
    expect(Math.max(...capture.frames.map((f) => f.frame.length))).toBeGreaterThan(4_000_000);
    expect(capture.gaps).toEqual([]);
    // Every header of the missed blocks recorded, for the parser's timestamps.
    const heads = capture.heads();
    for (let n = 1_000; n <= 1_300; n++) expect(heads.has(n)).toBe(true);
  });

  it('a block the provider cannot serve at all: a gap naming the exact blocks, logged with context; the connection carries on', async () => {
    node.o.broken = new Set([1_310]);
    node.refuse = true;
    node.drop();
    await until(() => !connection.connected, 'the disconnect');
    const before = Date.now();
    node.advance(20, false);
    node.refuse = false;
    await until(() => capture.gaps.length === 1 && connection.synced, 'the gap');
    expect(capture.gaps[0]!.reason).toMatch(/blocks 1300-1320 could not be read: eth_getLogs: missing trie node for block 1310$/);
    expect(capture.gaps[0]!.from).toBeLessThanOrEqual(before);
    expect(capture.lines.some((l) => l.msg === 'backfill failed: gap' && l.fromBlock === 1_300 && l.toBlock === 1_320 && l.chain === 'fake')).toBe(true);
    node.o.broken = undefined;
    const frames = capture.frames.length;
    node.advance(1);
    await until(() => capture.frames.length >= frames + 4, 'the next head and its logs');
    expect(connection.connected).toBe(true);
  });

  it('garbage, JSON-RPC errors, stray answers, invalid UTF-8, binary and 8 MiB of junk: one frame each, never another chain, no crash', async () => {
    const frames = capture.frames.length;
    const sent = node.sent;
    const hostile: [string | Buffer, boolean][] = [
      ['not json{', false],
      ['1,"chain":"evil"', false],
      ['{"jsonrpc":"2.0","error":{"code":-32000,"message":"boom"}}', false],
      ['{"jsonrpc":"2.0","id":987654,"result":[]}', false],
      ['{"jsonrpc":"2.0","method":"eth_subscription","params":{"result":{"number":"0xzz","hash":"x"}}}', false],
      ['[1,2,3]', false],
      ['['.repeat(100_000), false],
      [Buffer.from([0xff, 0xfe, 0x7b]), false],
      [Buffer.from([1, 2, 3]), true],
      ['x'.repeat(8 * 1024 * 1024), false],
    ];
    for (const [text, binary] of hostile) node.broadcast(text, binary);
    node.advance(1);
    await until(() => capture.frames.length - frames >= node.sent - sent, 'every message as a frame');
    expect(capture.frames.length - frames).toBe(node.sent - sent);
    for (const { frame } of capture.frames.slice(frames)) expect((JSON.parse(frame) as { chain: string }).chain).toBe('fake');
    // Not JSON: the text, the injection attempt, 100,000 brackets, invalid UTF-8, binary (base64), the junk.
    expect(connection.stats.unreadable).toBe(6);
    // Logged with venue and chain, at most 5 lines per 10 s (a node sending garbage in a loop does not flood the log).
    expect(capture.lines.filter((l) => l.msg === 'node sent a message that is not JSON (recorded, rejected by the parser)' && l.chain === 'fake' && l.venue === 'test-evm').length).toBe(5);
    expect(capture.lines.some((l) => l.msg === 'node sent a JSON-RPC error' && (l.error as { message: string }).message === 'boom')).toBe(true);
    expect(connection.connected).toBe(true);
    expect(connection.synced).toBe(true);
  });

  it('logs the node URL without its API key', () => {
    expect(capture.lines.some((l) => l.msg === 'connected' && typeof l.url === 'string' && l.url.includes('127.0.0.1:19334'))).toBe(true);
    expect(JSON.stringify(capture.lines)).not.toContain(API_KEY);
  });

  it('an eth_getLogs the provider never answers is asked again after the request timeout: no gap', async () => {
    const node = await new FakeEvmNode({ port: 19337, head: 100, logsPerBlock: () => 3 }).start();
    const capture = new Capture();
    const connection = openConnection(node.url, { chain: 'fake', filters: [{ address: [CONTRACT] }], feeds: [] }, capture, { requestTimeoutMs: 400 });
    try {
      await until(() => connection.synced, 'the first sync');
      node.swallow = 2;
      node.refuse = true;
      node.drop();
      await until(() => !connection.connected, 'the disconnect');
      node.advance(5, false);
      node.refuse = false;
      await until(() => connection.stats.backfills === 1 && connection.synced, 'the backfill', 10_000);
      expect(node.swallow).toBe(0);
      expect(capture.gaps).toEqual([]);
      expect(capture.lines.filter((l) => l.msg === 'backfill request timed out; asking again').length).toBe(2);
      const head = node.o.head;
      expect(new Set(capture.logs().map((x) => `${x.log.blockHash}:${x.log.logIndex}`)).size).toBe(18); // blocks 100-105
      expect(head).toBe(105);
    } finally {
      await connection.stop();
      await node.stop();
    }
  });
});
