import { WebSocketServer, type WebSocket } from 'ws';

/**
 * A scripted EVM JSON-RPC node over WebSocket, for what a real node will not do on demand: cap eth_getLogs
 * results, refuse a block, answer garbage. Its chain is synthetic: block n has hash 0x…n (64 hex digits), parent
 * n-1, and `logsPerBlock(n)` logs of one contract.
 */
export interface FakeNodeOptions {
  port: number;
  head: number;
  logsPerBlock?: (n: number) => number;
  /** eth_getLogs over more than this many blocks is refused as a provider with a result cap refuses it. */
  maxRange?: number;
  /** eth_getLogs covering one of these blocks fails, however small the range. */
  broken?: Set<number>;
}

export const blockHash = (n: number): string => `0x${n.toString(16).padStart(64, '0')}`;
export const CONTRACT = '0x00000000000000000000000000000000000000aa';

export class FakeEvmNode {
  private server: WebSocketServer | undefined;
  readonly clients = new Set<WebSocket>();
  /** Messages the node sent, all clients (a frame each at the connector). */
  sent = 0;
  /** eth_getLogs ranges asked: [from, to]. */
  readonly getLogs: [number, number][] = [];
  refuse = false;
  /** This many eth_getLogs requests are taken and never answered (a stalled provider). */
  swallow = 0;
  private subscriptions = 0;

  constructor(readonly o: FakeNodeOptions) {}

  get url(): string {
    return `ws://127.0.0.1:${this.o.port}`;
  }

  async start(): Promise<this> {
    this.server = new WebSocketServer({ port: this.o.port, host: '127.0.0.1' });
    await new Promise<void>((resolve) => this.server!.once('listening', () => resolve()));
    this.server.on('connection', (ws) => {
      if (this.refuse) {
        ws.terminate();
        return;
      }
      this.clients.add(ws);
      ws.on('close', () => this.clients.delete(ws));
      ws.on('error', () => {});
      ws.on('message', (data) => this.answer(ws, data.toString()));
    });
    return this;
  }

  logs(n: number): Record<string, unknown>[] {
    const k = this.o.logsPerBlock?.(n) ?? 1;
    return Array.from({ length: k }, (_, i) => ({
      address: CONTRACT,
      topics: [`0x${'11'.repeat(32)}`],
      data: `0x${n.toString(16).padStart(64, '0')}`,
      blockNumber: `0x${n.toString(16)}`,
      blockHash: blockHash(n),
      transactionHash: `0x${'ab'.repeat(32)}`,
      transactionIndex: '0x0',
      logIndex: `0x${i.toString(16)}`,
      removed: false,
    }));
  }

  header(n: number): Record<string, string> {
    return { number: `0x${n.toString(16)}`, hash: blockHash(n), parentHash: blockHash(n - 1), timestamp: `0x${(1_760_000_000 + n * 12).toString(16)}` };
  }

  private answer(ws: WebSocket, text: string): void {
    const req = JSON.parse(text) as { id: number; method: string; params: unknown[] };
    const reply = (body: Record<string, unknown>) => this.send(ws, JSON.stringify({ jsonrpc: '2.0', id: req.id, ...body }));
    switch (req.method) {
      case 'eth_subscribe':
        return reply({ result: `0x${(++this.subscriptions).toString(16)}` });
      case 'eth_blockNumber':
        return reply({ result: `0x${this.o.head.toString(16)}` });
      case 'eth_getBlockByNumber': {
        const n = Number(req.params[0]);
        return reply({ result: n <= this.o.head ? this.header(n) : null });
      }
      case 'eth_getLogs': {
        const f = req.params[0] as { fromBlock: string; toBlock: string };
        const from = Number(f.fromBlock);
        const to = Number(f.toBlock);
        this.getLogs.push([from, to]);
        if (this.swallow > 0) {
          this.swallow -= 1;
          return;
        }
        if (this.o.maxRange !== undefined && to - from + 1 > this.o.maxRange) return reply({ error: { code: -32005, message: 'query returned more than 10000 results' } });
        for (let n = from; n <= to; n++) if (this.o.broken?.has(n)) return reply({ error: { code: -32000, message: `missing trie node for block ${n}` } });
        const logs = [];
        for (let n = from; n <= Math.min(to, this.o.head); n++) logs.push(...this.logs(n));
        return reply({ result: logs });
      }
      default:
        return reply({ error: { code: -32601, message: `the method ${req.method} does not exist` } });
    }
  }

  send(ws: WebSocket, text: string | Buffer, binary = false): void {
    this.sent += 1;
    ws.send(text, { binary });
  }

  /** To every client. */
  broadcast(text: string | Buffer, binary = false): void {
    for (const ws of this.clients) this.send(ws, text, binary);
  }

  /** Mines `n` blocks: a head notification and the block's logs for each, to every client. */
  advance(n: number, notify = true): void {
    for (let i = 0; i < n; i++) {
      this.o.head += 1;
      if (!notify) continue;
      this.broadcast(JSON.stringify({ jsonrpc: '2.0', method: 'eth_subscription', params: { subscription: '0x1', result: this.header(this.o.head) } }));
      for (const log of this.logs(this.o.head)) this.broadcast(JSON.stringify({ jsonrpc: '2.0', method: 'eth_subscription', params: { subscription: '0x2', result: log } }));
    }
  }

  /** Drops every connection. */
  drop(): void {
    for (const ws of this.clients) ws.terminate();
  }

  async stop(): Promise<void> {
    this.drop();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
