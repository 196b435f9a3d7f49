import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * What the metrics port's answers may hold in memory for clients that do not read them. Node builds an answer
 * for every request it parses, pipelined ones included, and keeps it until the client takes it: twelve
 * connections sending 1,400 requests each in one write, and reading nothing, held 4 GB of answers and ended the
 * process (an adversarial review, 2026-12-06). With these limits a connection has at most `perConnection`
 * answers pending, and the port at most `bytes` of them all together (plus the answers being built).
 */
export interface AnswerLimits {
  /** Requests of one connection answered and not yet taken by it: one more closes the connection. */
  perConnection: number;
  /** Bytes (characters, for text) of answers written and not yet taken, all connections together: a request beyond it is answered 503. */
  bytes: number;
}

export const DEFAULT_ANSWER_LIMITS: AnswerLimits = { perConnection: 16, bytes: 64 * 1024 * 1024 };

/** Why a request was not admitted: its connection has too many answers pending, or the port holds too much. */
export type Refusal = 'pipelined_flood' | 'answers_held';

/**
 * Tracks each admitted request's answer until its client has taken it ('finish': the last byte handed to the
 * system) or its connection is gone, counting the bytes written meanwhile.
 */
export class AnswerBudget {
  private held = 0;
  private readonly pendingBySocket = new WeakMap<object, Map<ServerResponse, number>>();

  constructor(private readonly limits: AnswerLimits = DEFAULT_ANSWER_LIMITS) {}

  /** Bytes of answers written and not yet taken, all connections together. */
  get heldBytes(): number {
    return this.held;
  }

  /**
   * Admits the request (its answer is then tracked) or says why not; the caller answers or closes. `essential`
   * (/metrics and the health probes) is never refused for the bytes others hold (a scrape that failed because
   * some clients stopped reading would page someone for nothing), and its bytes are not counted among them: else
   * clients of those paths that do not read could fill the budget and have every other route answer 503. Its
   * answers still count against their connection's `perConnection`, and the stall timeout closes such clients.
   */
  admit(req: IncomingMessage, res: ServerResponse, essential = false): Refusal | undefined {
    const socket = req.socket;
    let pending = this.pendingBySocket.get(socket);
    if (pending === undefined) {
      this.pendingBySocket.set(socket, (pending = new Map()));
      // A connection that goes away takes its pending answers with it, whether or not each says so.
      socket.once('close', () => this.releaseAll(socket));
    }
    if (pending.size >= this.limits.perConnection) return 'pipelined_flood';
    if (!essential && this.held >= this.limits.bytes) return 'answers_held';
    pending.set(res, 0);
    const release = () => this.release(socket, res);
    res.once('finish', release);
    res.once('close', release);
    if (essential) return undefined;
    const count = (chunk: unknown) => {
      const n = typeof chunk === 'string' ? chunk.length : chunk instanceof Uint8Array ? chunk.byteLength : 0;
      const held = pending.get(res);
      if (n === 0 || held === undefined) return;
      pending.set(res, held + n);
      this.held += n;
    };
    // Node's end(chunk) does not go through write(), so neither is counted twice.
    const write = res.write;
    const end = res.end;
    res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
      count(chunk);
      return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    } as ServerResponse['write'];
    res.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
      count(chunk);
      return (end as (...a: unknown[]) => ServerResponse).call(this, chunk, ...rest);
    } as ServerResponse['end'];
    return undefined;
  }

  private release(socket: object, res: ServerResponse): void {
    const pending = this.pendingBySocket.get(socket);
    const held = pending?.get(res);
    if (held === undefined) return;
    pending!.delete(res);
    this.held -= held;
  }

  private releaseAll(socket: object): void {
    const pending = this.pendingBySocket.get(socket);
    if (pending === undefined) return;
    for (const held of pending.values()) this.held -= held;
    pending.clear();
  }
}
