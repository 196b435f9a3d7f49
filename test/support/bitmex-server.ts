import type { WebSocket } from 'ws';
import { HttpWsServer } from './http-ws-server.js';

/** Public tables a subscription may name (the official client's list); anything else is refused as BitMEX does. */
const PUBLIC_TABLES = new Set(['announcement', 'chat', 'connected', 'funding', 'instrument', 'insurance', 'liquidation', 'orderBookL2', 'orderBookL2_25', 'orderBook10', 'publicNotifications', 'quote', 'settlement', 'trade']);

/**
 * A local BitMEX: the realtime socket at /realtime (welcome on connect, `subscribe` with success replies, an
 * empty `partial` and refusals of unknown tables, text `ping` answered `pong`) and GET /api/v1/instrument/active
 * on the same port.
 */
export class BitmexServer extends HttpWsServer {
  static readonly PATH = '/realtime';
  /** The rows GET /api/v1/instrument/active answers. */
  instruments: unknown[] = [];
  restRequests: string[] = [];
  pings = 0;
  connections = 0;

  static async start(): Promise<BitmexServer> {
    const { http, wss } = await HttpWsServer.listen(BitmexServer.PATH);
    return new BitmexServer(http, wss, BitmexServer.PATH);
  }

  protected override onConnection(ws: WebSocket): void {
    this.connections += 1;
    ws.send('{"info":"Welcome to the BitMEX Realtime API.","version":"2020-10-09T21:10:34.000Z","timestamp":"2020-10-12T16:46:20.255Z","docs":"https://testnet.bitmex.com/app/wsAPI","limit":{"remaining":38}}');
  }

  protected onRequest(url: URL): unknown {
    this.restRequests.push(url.pathname);
    return url.pathname === '/api/v1/instrument/active' ? this.instruments : undefined;
  }

  protected onMessage(ws: WebSocket, text: string): void {
    if (text === 'ping') {
      this.pings += 1;
      return void ws.send('pong');
    }
    const request = JSON.parse(text) as { op?: string; args?: string[] };
    if (request.op !== 'subscribe') return void ws.send(JSON.stringify({ status: 400, error: `Unknown or unsupported operation: ${String(request.op)}`, meta: {}, request }));
    for (const table of request.args ?? []) {
      if (!PUBLIC_TABLES.has(table)) return void ws.send(JSON.stringify({ status: 400, error: `Unknown table: ${table}`, meta: {}, request }));
      this.subscriptions.get(ws)!.add(table);
      ws.send(JSON.stringify({ success: true, subscribe: table, request }));
      ws.send(JSON.stringify({ table, action: 'partial', keys: ['orderID'], types: { orderID: 'guid', symbol: 'symbol', side: 'symbol', price: 'float', leavesQty: 'long' }, filter: {}, data: [] }));
    }
  }

  /** A `liquidation` table frame to every subscribed connection; returns how many got it. */
  liquidation(action: 'insert' | 'update' | 'delete', data: unknown[]): number {
    return this.sendTo('liquidation', () => JSON.stringify({ table: 'liquidation', action, data }));
  }

  /** Any text to every connection subscribed to the liquidation table (fixtures, garbage). */
  raw(frame: string): number {
    return this.sendTo('liquidation', () => frame);
  }
}
