import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { KLEND_PROGRAM_ID } from '../../src/venues/kamino/plan.js';
import { accountsAnswer, transactionResult, type PricedAccount, type TxSpec } from './solana-txs.js';

/**
 * A local Solana JSON-RPC node on one ephemeral port, speaking the real method names and message shapes: the
 * WebSocket serves `logsSubscribe` (logsNotification at `confirmed`), HTTP POST serves getTransaction (jsonParsed),
 * getMultipleAccounts (base64, dataSlice), getSignaturesForAddress (before/until/limit, newest first), getSlot and
 * getSignatureStatuses. Transactions are TxSpecs (test/support/solana-txs.ts); `down` refuses every connection.
 */
export class FakeSolanaNode {
  private http!: Server;
  private wss!: WebSocketServer;
  readonly clients = new Set<WebSocket>();
  /** Every transaction of the program, oldest first. */
  readonly history: TxSpec[] = [];
  readonly prices = new Map<string, PricedAccount>();
  finalizedSlot = 0;
  /** Signatures the cluster does not know any more (their fork was abandoned). */
  readonly lost = new Set<string>();
  /** getTransaction of these answers this text instead (hostile answers). */
  readonly answerText = new Map<string, string>();
  /** getTransaction of these answers `null` this many times first (not yet available at `confirmed`, as a lagging node does). */
  readonly notYet = new Map<string, number>();
  /** getTransaction of these answers after this many ms (a slow node). */
  readonly slow = new Map<string, number>();
  /** getSignaturesForAddress answers a malformed entry in place of the 501st of each page (a hostile or buggy node). */
  malformedListing = false;
  down = false;
  /** logsSubscribe is made (and answered) this many ms after it is asked (a node that makes subscriptions late). */
  subscribeDelayMs = 0;
  /** logsSubscribe is refused (a provider refusing the filter). */
  refuseSubscribe = false;
  readonly asked: { method: string; params: unknown[] }[] = [];
  private subscriptions = 0;

  async start(): Promise<this> {
    this.http = createServer((req, res) => void this.onHttp(req, res));
    this.wss = new WebSocketServer({ server: this.http });
    this.wss.on('connection', (ws) => {
      if (this.down) return ws.terminate();
      this.clients.add(ws);
      ws.on('close', () => this.clients.delete(ws));
      ws.on('error', () => {});
      ws.on('message', (data) => {
        const req = JSON.parse(data.toString()) as { id: number; method: string };
        if (req.method === 'logsSubscribe') {
          const make = () => {
            if (ws.readyState !== ws.OPEN) return;
            if (this.refuseSubscribe) return ws.send(JSON.stringify({ jsonrpc: '2.0', error: { code: -32602, message: 'Invalid params: mentions' }, id: req.id }));
            (ws as WebSocket & { subscribed?: number }).subscribed = ++this.subscriptions;
            ws.send(JSON.stringify({ jsonrpc: '2.0', result: this.subscriptions, id: req.id }));
          };
          if (this.subscribeDelayMs > 0) setTimeout(make, this.subscribeDelayMs).unref();
          else make();
        } else ws.send(JSON.stringify({ jsonrpc: '2.0', error: { code: -32601, message: 'Method not found' }, id: req.id }));
      });
    });
    await new Promise<void>((resolve) => this.http.listen(0, '127.0.0.1', () => resolve()));
    return this;
  }

  private get port(): number {
    return (this.http.address() as AddressInfo).port;
  }
  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }
  get httpUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** A transaction lands (confirmed): kept in the history and, unless `silent`, notified to subscribers. */
  land(tx: TxSpec, silent = false): void {
    this.history.push(tx);
    if (!silent) this.notify(tx);
  }

  notify(tx: TxSpec): void {
    const logs = [`Program ${KLEND_PROGRAM_ID} invoke [1]`, ...(tx.liquidations.length > 0 ? ['Program log: Instruction: LiquidateObligationAndRedeemReserveCollateral'] : ['Program log: Instruction: RefreshReserve']), `Program ${KLEND_PROGRAM_ID} success`];
    this.broadcast((sub) => JSON.stringify({ jsonrpc: '2.0', method: 'logsNotification', params: { result: { context: { slot: tx.slot }, value: { signature: tx.signature, err: tx.err ?? null, logs } }, subscription: sub } }));
  }

  /** Sends `frame(subscription)` to every subscribed client. */
  broadcast(frame: (subscription: number) => string): void {
    for (const ws of this.clients) {
      const sub = (ws as WebSocket & { subscribed?: number }).subscribed;
      if (sub !== undefined) ws.send(frame(sub));
    }
  }

  /** Drops every connection and refuses new ones until `up()`. */
  drop(): void {
    this.down = true;
    for (const ws of this.clients) ws.terminate();
  }
  up(): void {
    this.down = false;
  }

  async stop(): Promise<void> {
    for (const ws of this.clients) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private async onHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of req) body += String(chunk);
    const r = JSON.parse(body) as { id: number; method: string; params: unknown[] };
    this.asked.push({ method: r.method, params: r.params });
    const reply = (result: unknown): void => void res.setHeader('content-type', 'application/json').end(JSON.stringify({ jsonrpc: '2.0', result, id: r.id }));
    switch (r.method) {
      case 'getTransaction': {
        const signature = r.params[0] as string;
        const wait = this.slow.get(signature);
        if (wait !== undefined) await new Promise((resolve) => setTimeout(resolve, wait));
        const nulls = this.notYet.get(signature) ?? 0;
        if (nulls > 0) {
          this.notYet.set(signature, nulls - 1);
          return reply(null);
        }
        const text = this.answerText.get(signature);
        if (text !== undefined) return void res.setHeader('content-type', 'application/json').end(text);
        const tx = this.history.find((t) => t.signature === signature);
        return reply(tx ? transactionResult(tx) : null);
      }
      case 'getMultipleAccounts': {
        const accounts = r.params[0] as string[];
        // Reserves refreshed in the slot asked for (as the liquidation's own refresh_reserve did): exact prices.
        const at = (r.params[1] as { minContextSlot?: number } | undefined)?.minContextSlot;
        const known = accounts.map((a) => this.prices.get(a)).map((p) => (p && at !== undefined ? { ...p, slot: at } : p));
        const answer = accountsAnswer(known.filter((k): k is PricedAccount => k !== undefined), this.history.at(-1)?.slot ?? 0);
        // A null for an account that does not exist, in the place asked.
        const values = answer.rpc.result.value;
        let k = 0;
        return reply({ context: answer.rpc.result.context, value: known.map((p) => (p ? values[k++] : null)) });
      }
      case 'getSignaturesForAddress': {
        const opts = (r.params[1] ?? {}) as { before?: string; until?: string; limit?: number };
        const newestFirst = [...this.history].reverse();
        let from = 0;
        if (opts.before !== undefined) from = newestFirst.findIndex((t) => t.signature === opts.before) + 1;
        const out = [];
        for (let i = from; i < newestFirst.length && out.length < (opts.limit ?? 1000); i++) {
          const t = newestFirst[i]!;
          if (t.signature === opts.until) break;
          out.push({ blockTime: t.blockTime, confirmationStatus: 'confirmed', err: t.err ?? null, memo: null, signature: t.signature, slot: t.slot });
        }
        if (this.malformedListing && out.length > 500) out[500] = { ...out[500]!, signature: 'not a signature' };
        return reply(out);
      }
      case 'getSlot':
        return reply(this.finalizedSlot);
      case 'getSignatureStatuses': {
        const sigs = r.params[0] as string[];
        return reply({
          context: { apiVersion: '2.2.0', slot: this.finalizedSlot + 32 },
          value: sigs.map((s) => {
            const t = this.history.find((x) => x.signature === s);
            if (!t || this.lost.has(s)) return null;
            return { confirmationStatus: t.slot <= this.finalizedSlot ? 'finalized' : 'confirmed', confirmations: t.slot <= this.finalizedSlot ? null : 5, err: null, slot: t.slot, status: { Ok: null } };
          }),
        });
      }
      default:
        return void res.setHeader('content-type', 'application/json').end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32601, message: 'Method not found' }, id: r.id }));
    }
  }
}
