import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * Local servers that speak Bybit v5's and Hyperliquid's public WebSocket protocols: their subscribe
 * requests and replies, their application-level ping/pong, and delivery by subscribed topic.
 */
abstract class TopicServer {
  readonly subscriptions = new Map<WebSocket, Set<string>>();
  subscribeRequests = 0;
  pings = 0;

  protected constructor(protected readonly wss: WebSocketServer) {
    wss.on('connection', (ws) => {
      this.subscriptions.set(ws, new Set());
      ws.on('message', (data) => this.onMessage(ws, JSON.parse(data.toString()) as Record<string, unknown>));
      ws.on('close', () => this.subscriptions.delete(ws));
    });
  }

  protected static async listen(path: string): Promise<WebSocketServer> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    return wss;
  }

  protected abstract onMessage(ws: WebSocket, msg: Record<string, unknown>): void;

  url(path: string): string {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}${path}`;
  }

  /** Sends to every connection subscribed to `topic`; returns how many got it. */
  publish(topic: string, frame: string): number {
    let n = 0;
    for (const [ws, topics] of this.subscriptions)
      if (topics.has(topic)) {
        ws.send(frame);
        n += 1;
      }
    return n;
  }

  subscribed(topic: string): boolean {
    return [...this.subscriptions.values()].some((t) => t.has(topic));
  }

  async close(): Promise<void> {
    for (const ws of this.subscriptions.keys()) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

export class BybitServer extends TopicServer {
  static readonly PATH = '/v5/public/linear';

  static async start(path = BybitServer.PATH): Promise<BybitServer> {
    return new BybitServer(await TopicServer.listen(path));
  }

  protected onMessage(ws: WebSocket, msg: Record<string, unknown>): void {
    const reply = (extra: Record<string, unknown>) => ws.send(JSON.stringify({ conn_id: 'local-conn', req_id: msg.req_id ?? '', ...extra }));
    if (msg.op === 'ping') {
      this.pings += 1;
      reply({ success: true, ret_msg: 'pong', op: 'ping' });
    } else if (msg.op === 'subscribe') {
      this.subscribeRequests += 1;
      const args = (msg.args as string[]) ?? [];
      const bad = args.find((a) => !/^(allLiquidation|tickers)\.[A-Z0-9]+(-[0-9]{1,2}[A-Z]{3}[0-9]{2})?$/.test(a));
      if (bad) return reply({ success: false, ret_msg: `Invalid topic: ${bad}`, op: 'subscribe' });
      for (const a of args) this.subscriptions.get(ws)!.add(a);
      reply({ success: true, ret_msg: '', op: 'subscribe' });
    }
  }
}

export class HyperliquidServer extends TopicServer {
  static readonly PATH = '/ws';

  static async start(): Promise<HyperliquidServer> {
    return new HyperliquidServer(await TopicServer.listen(HyperliquidServer.PATH));
  }

  protected onMessage(ws: WebSocket, msg: Record<string, unknown>): void {
    if (msg.method === 'ping') {
      this.pings += 1;
      ws.send('{"channel":"pong"}');
    } else if (msg.method === 'subscribe') {
      this.subscribeRequests += 1;
      const sub = msg.subscription as { type: string; coin: string };
      this.subscriptions.get(ws)!.add(`${sub.type}:${sub.coin}`);
      ws.send(JSON.stringify({ channel: 'subscriptionResponse', data: { method: 'subscribe', subscription: sub } }));
    }
  }
}
