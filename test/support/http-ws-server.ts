import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * One local port serving a venue's WebSocket at `path` and its REST answers, as JSON-RPC and indexer
 * venues do (Deribit, dYdX). Subclasses answer messages and requests; subscriptions are kept per connection.
 */
export abstract class HttpWsServer {
  readonly subscriptions = new Map<WebSocket, Set<string>>();

  protected constructor(
    private readonly http: Server,
    private readonly wss: WebSocketServer,
    private readonly path: string,
  ) {
    wss.on('connection', (ws) => {
      this.subscriptions.set(ws, new Set());
      ws.on('message', (data) => this.onMessage(ws, data.toString()));
      ws.on('close', () => this.subscriptions.delete(ws));
      this.onConnection(ws);
    });
    http.on('request', (req, res) => {
      const url = new URL(req.url!, 'http://local');
      const body = this.onRequest(url);
      if (body === undefined) return void res.writeHead(404).end();
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(body));
    });
  }

  protected static async listen(path: string): Promise<{ http: Server; wss: WebSocketServer }> {
    const http = createServer();
    const wss = new WebSocketServer({ server: http, path });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
    return { http, wss };
  }

  protected abstract onMessage(ws: WebSocket, text: string): void;
  /** The JSON answer to a REST request, or undefined for 404. */
  protected abstract onRequest(url: URL): unknown;
  protected onConnection(_ws: WebSocket): void {}

  private get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}${this.path}`;
  }

  get restUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Sends `frame(ws)` to every connection subscribed to `key`; returns how many got it. */
  protected sendTo(key: string, frame: () => string): number {
    let n = 0;
    for (const [ws, keys] of this.subscriptions)
      if (keys.has(key)) {
        ws.send(frame());
        n += 1;
      }
    return n;
  }

  /** Closes every connection (the client reconnects and subscribes again). */
  dropAll(): void {
    for (const ws of this.subscriptions.keys()) ws.terminate();
  }

  subscribed(key: string): boolean {
    return [...this.subscriptions.values()].some((k) => k.has(key));
  }

  async close(): Promise<void> {
    for (const ws of this.subscriptions.keys()) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
}
