import type { WebSocket } from 'ws';
import { HttpWsServer } from './http-ws-server.js';

const CONN_ID = '7fd1b8a0';
const INST_TYPES = ['usdt-futures', 'coin-futures', 'usdc-futures'];

/**
 * A local server speaking Bitget's UTA public WebSocket at `/v3/ws/public`: `{"op":"subscribe","args":[…]}`
 * is answered per arg with `{"event":"subscribe","arg":…,"connId":…}`, or `{"event":"error","code":"30001",…}`
 * for an unknown topic or product type or one listed in `refuse`; the text `ping` with `pong`. No REST.
 */
export class BitgetServer extends HttpWsServer {
  subscribeAcks = 0;
  /** Rows sent as an `action: snapshot` push right after a subscription is acknowledged, by instType. */
  recent: Record<string, unknown[]> = {};
  pings = 0;
  private refuse: string[] = [];

  static async start(o: { refuse?: string[] } = {}): Promise<BitgetServer> {
    const { http, wss } = await HttpWsServer.listen('/v3/ws/public');
    const server = new BitgetServer(http, wss, '/v3/ws/public');
    server.refuse = o.refuse ?? [];
    return server;
  }

  protected onMessage(ws: WebSocket, text: string): void {
    if (text === 'ping') {
      this.pings += 1;
      ws.send('pong');
      return;
    }
    let msg: { op?: unknown; args?: { instType?: string; topic?: string }[] };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      ws.send(JSON.stringify({ event: 'error', code: '30012', msg: 'illegal request', connId: CONN_ID }));
      return;
    }
    if (msg.op !== 'subscribe' || !Array.isArray(msg.args)) {
      ws.send(JSON.stringify({ event: 'error', code: '30012', msg: 'illegal request', connId: CONN_ID }));
      return;
    }
    for (const arg of msg.args) {
      const instType = arg.instType ?? '';
      if (arg.topic !== 'liquidation' || !INST_TYPES.includes(instType) || this.refuse.includes(instType)) {
        ws.send(JSON.stringify({ event: 'error', arg, code: '30001', msg: `instType:${instType},topic:${String(arg.topic)} doesn't exist`, connId: CONN_ID }));
        continue;
      }
      this.subscriptions.get(ws)?.add(instType);
      ws.send(JSON.stringify({ event: 'subscribe', arg, connId: CONN_ID }));
      this.subscribeAcks += 1;
      const recent = this.recent[instType];
      if (recent) ws.send(JSON.stringify({ data: recent, arg: { instType, topic: 'liquidation' }, action: 'snapshot', ts: Date.now() }));
    }
  }

  protected onRequest(): unknown {
    return undefined;
  }

  /**
   * Resolves once `n` subscribe acknowledgements have been sent in total (waited up to 30 s: it follows a
   * process's start, which takes seconds on a loaded 2-core host).
   */
  async acks(n: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.subscribeAcks < n) {
      if (Date.now() > deadline) throw new Error(`only ${this.subscribeAcks} of ${n} subscribe acknowledgements`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** A `liquidation` push of `rows` to every subscriber of `instType`; returns how many got it. */
  push(instType: string, rows: unknown[], action: 'update' | 'snapshot' = 'update', ts = 1_760_130_899_500): number {
    return this.sendTo(instType, () => JSON.stringify({ data: rows, arg: { instType, topic: 'liquidation' }, action, ts }));
  }

  /** Raw text to every connection (malformed frames). */
  sendRaw(text: string): void {
    for (const ws of this.subscriptions.keys()) ws.send(text);
  }
}
