import { WebSocket, WebSocketServer } from 'ws';

/**
 * A JSON-RPC WebSocket proxy in front of a real node (anvil), for what the node will not do itself: refuse wide
 * eth_getLogs ranges as providers with a result cap do, spoil answers, send junk unasked.
 */
export interface RpcProxyOptions {
  port: number;
  target: string;
  /** eth_getLogs over more than this many blocks is answered "query returned more than 10000 results". */
  maxRange?: number;
  /** Rewrites an answer's parsed message (hostile provider); return a string to send that text instead. */
  spoil?: (method: string, message: Record<string, unknown>) => Record<string, unknown> | string;
  /** Sent unasked before each answer of this method (garbage, stray ids). */
  before?: (method: string) => string[];
  /** Drops the client's connection, unanswered, at these eth_getLogs requests (counted over all clients, from 1). */
  dropAt?: number[];
  /** Holds a request this many ms before passing it on (a node that makes subscriptions late); Infinity: never. */
  hold?: (method: string, id: unknown) => number;
  /** Sent unasked after each answer of this method (the answer again, a stray id). */
  after?: (method: string, message: Record<string, unknown>) => string[];
}

export class RpcProxy {
  private server: WebSocketServer | undefined;
  /** Requests by method, and eth_getLogs refused for their range. */
  readonly asked = new Map<string, number>();
  refused = 0;
  /** Messages sent unasked. */
  unasked = 0;
  /** Connections dropped (dropAt). */
  dropped = 0;

  constructor(private readonly o: RpcProxyOptions) {}

  get url(): string {
    return `ws://127.0.0.1:${this.o.port}`;
  }

  async start(): Promise<this> {
    this.server = new WebSocketServer({ port: this.o.port, host: '127.0.0.1' });
    await new Promise<void>((resolve) => this.server!.once('listening', () => resolve()));
    this.server.on('connection', (client) => {
      const upstream = new WebSocket(this.o.target);
      const methods = new Map<unknown, string>();
      const queue: string[] = [];
      upstream.on('open', () => queue.splice(0).forEach((m) => upstream.send(m)));
      upstream.on('message', (data) => {
        const text = data.toString();
        const msg = JSON.parse(text) as Record<string, unknown>;
        const method = methods.get(msg.id) ?? '';
        for (const junk of this.o.before?.(method) ?? []) {
          this.unasked += 1;
          client.send(junk);
        }
        const out = this.o.spoil ? this.o.spoil(method, msg) : msg;
        client.send(typeof out === 'string' ? out : JSON.stringify(out));
        for (const extra of this.o.after?.(method, msg) ?? []) {
          this.unasked += 1;
          client.send(extra);
        }
      });
      const close = () => {
        client.terminate();
        upstream.terminate();
      };
      upstream.on('close', close);
      upstream.on('error', close);
      client.on('close', close);
      client.on('error', close);
      client.on('message', (data) => {
        const text = data.toString();
        const req = JSON.parse(text) as { id: unknown; method: string; params: unknown[] };
        this.asked.set(req.method, (this.asked.get(req.method) ?? 0) + 1);
        if (req.method === 'eth_getLogs' && this.o.dropAt?.includes(this.asked.get(req.method)!)) {
          this.dropped += 1;
          return close();
        }
        if (req.method === 'eth_getLogs' && this.o.maxRange !== undefined) {
          const f = req.params[0] as { fromBlock: string; toBlock: string };
          if (Number(f.toBlock) - Number(f.fromBlock) + 1 > this.o.maxRange) {
            this.refused += 1;
            client.send(JSON.stringify({ jsonrpc: '2.0', id: req.id, error: { code: -32005, message: 'query returned more than 10000 results' } }));
            return;
          }
        }
        methods.set(req.id, req.method);
        const held = this.o.hold?.(req.method, req.id) ?? 0;
        if (held === Infinity) return;
        if (held > 0) return void setTimeout(() => upstream.readyState === WebSocket.OPEN && upstream.send(text), held);
        if (upstream.readyState === WebSocket.OPEN) upstream.send(text);
        else queue.push(text);
      });
    });
    return this;
  }

  async stop(): Promise<void> {
    for (const c of this.server?.clients ?? []) c.terminate();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
