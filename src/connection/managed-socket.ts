import { isUtf8 } from 'node:buffer';
import { gunzipSync } from 'node:zlib';
import WebSocket from 'ws';
import type { Logger } from '../log.js';
import { RepeatedFailure } from '../log-repeats.js';
import { CONNECTED_MARK, INVALID_GZIP_MARK, INVALID_UTF8_MARK, type SocketPlan } from '../venues/venue.js';
import { backoffDelay, type BackoffPolicy } from './backoff.js';
import { openClientSocket } from './guarded-socket.js';

export interface ManagedSocketHooks {
  /** Every text frame, with its receive time. A returned promise pauses reading until it settles. */
  onFrame(frame: string, recv: number): void | Promise<void>;
  /** An interval without a live subscribed connection, reported when the connection is back. */
  onGap(from: number, to: number, reason: string): void;
  onUp(up: boolean): void;
  onReconnect(): void;
  onSubscribeError(message: string): void;
  /** The connection is open and its subscriptions are sent, at `recv` (connection start, for the subscribe-history policy). */
  onConnected?(recv: number): void | Promise<void>;
}

export interface ManagedSocketOptions {
  backoff: BackoffPolicy;
  /** A connection that stayed up this long resets the backoff. */
  stableAfterMs: number;
  /** How long a replaced socket keeps delivering after a rollover (default 2 s). */
  drainMs?: number;
  now?: () => number;
}

/**
 * A message as the text the parsers take. A text frame that is not valid UTF-8 is one bad frame: by
 * default `ws` closes the whole connection for it (1007), losing everything behind it for a reconnect,
 * so the socket is opened with `skipUTF8Validation` and the check is made here instead. Such a frame is
 * decoded with replacement characters behind INVALID_UTF8_MARK, which every parser rejects as
 * "invalid UTF-8": counted and dead-lettered with the readable rest, while the connection carries on.
 * A binary frame of a plan with `decode: 'gzip'` is inflated first (at most MAX_INFLATED_BYTES, so a small
 * frame cannot balloon into gigabytes); one that does not inflate is passed on behind INVALID_GZIP_MARK as
 * base64, rejected by every parser like any text that is not JSON. Any other binary frame travels as base64,
 * which is never a JSON object, so it is rejected too.
 */
export function frameText(data: WebSocket.RawData, isBinary: boolean, decode?: SocketPlan['decode']): string {
  let bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
  if (isBinary) {
    if (decode !== 'gzip') return bytes.toString('base64');
    try {
      bytes = gunzipSync(bytes, { maxOutputLength: MAX_INFLATED_BYTES });
    } catch {
      return INVALID_GZIP_MARK + bytes.toString('base64');
    }
  }
  if (!isUtf8(bytes)) return INVALID_UTF8_MARK + bytes.toString('utf8');
  const text = bytes.toString('utf8');
  // Venue text posing as a connection mark would be taken for one (and counted nowhere): a space in front makes
  // it what it is, text that is not JSON, rejected and dead-lettered like any other.
  return text.startsWith(CONNECTED_MARK) ? ` ${text}` : text;
}

/** Larger than any venue frame (an HTX batch is a few KiB) and than the ingestor's record limit. */
export const MAX_INFLATED_BYTES = 16 * 1024 * 1024;

/** The earliest of the times given (ms), undefined when none is: since when something was down, of several views. */
export function earliest(...times: (number | undefined)[]): number | undefined {
  const given = times.filter((t): t is number => t !== undefined);
  return given.length > 0 ? Math.min(...given) : undefined;
}

/**
 * One venue socket kept alive: subscribe after every connect, ping, treat silence as death,
 * reconnect with backoff, replace the connection before the venue's maximum lifetime
 * (make-before-break, so rollover leaves no gap), and report every gap.
 */
export class ManagedSocket {
  private ws: WebSocket | undefined;
  private attempt = 0;
  private stopped = false;
  private downSince: number | undefined;
  private downReason = 'not yet connected';
  private reconnectTimer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private rolloverTimer: NodeJS.Timeout | undefined;
  private lastActivity = 0;
  private connectedAt = 0;
  private everConnected = false;
  private lastError: string | undefined;
  private readonly now: () => number;
  /** An outage's first disconnect is a warning; its retries are debug lines (src/log-repeats.ts). */
  private readonly failures: RepeatedFailure;

  constructor(
    private readonly plan: SocketPlan,
    private readonly hooks: ManagedSocketHooks,
    private readonly log: Logger,
    private readonly options: ManagedSocketOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.failures = new RepeatedFailure(log, undefined, this.now);
  }

  /** Why the socket is not connected (the last socket error, or how it closed); undefined while connected. */
  get downBecause(): string | undefined {
    if (this.connected) return undefined;
    return this.lastError ?? (this.downReason || 'not yet connected');
  }

  start(): void {
    this.downSince = this.now();
    this.open();
  }

  get connected(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /**
   * Sends `text` on the live connection; false when there is none. For venues that ask as well as subscribe (the
   * EVM connector's eth_getLogs after a reconnect): the answers arrive as frames like any other.
   */
  send(text: string): boolean {
    const ws = this.ws;
    if (ws?.readyState !== WebSocket.OPEN) return false;
    ws.send(text);
    return true;
  }

  /** Since when this socket has had no live subscribed connection (undefined while it has one). */
  get downSinceMs(): number | undefined {
    return this.downSince;
  }

  private open(): void {
    if (this.stopped) return;
    this.ws = this.connect();
  }

  private connect(): WebSocket {
    // skipUTF8Validation: see frameText; the check is still made, per frame, without dropping the connection.
    // The error listener (attached by openClientSocket) keeps the reason: 'close' follows and reconnects, and the
    // reason goes with the 'disconnected' line and the unreachable-venues report, not a warning of its own.
    const ws = openClientSocket(
      this.plan.url,
      {
        perMessageDeflate: false,
        handshakeTimeout: this.plan.silenceTimeoutMs,
        skipUTF8Validation: true,
        ...(this.plan.headers ? { headers: this.plan.headers } : {}),
      },
      (reason, err, context) => {
        this.lastError = err.message;
        this.log.debug({ ...context, reason, err: err.message }, 'socket error');
      },
      { venue: this.plan.venue, socket: this.plan.name },
    );
    ws.on('open', () => this.onOpen(ws));
    ws.on('message', (data, isBinary) => this.onMessage(ws, data, isBinary));
    ws.on('pong', () => {
      if (ws === this.ws) this.lastActivity = this.now();
    });
    ws.on('close', (code, reason) => this.onClose(ws, `closed ${code}${reason.length ? ` ${reason.toString()}` : ''}`));
    return ws;
  }

  private onOpen(ws: WebSocket): void {
    if (ws === this.incoming) {
      // Rollover: the new socket takes over; the old one drains briefly so nothing in flight is lost.
      const old = this.ws;
      this.incoming = undefined;
      this.ws = ws;
      // The current one closed while this one was opening: this is its reconnection (another would be one too many).
      clearTimeout(this.reconnectTimer);
      if (old) {
        this.draining.add(old);
        setTimeout(() => {
          this.draining.delete(old);
          old.close();
        }, this.options.drainMs ?? 2_000).unref();
      }
    }
    if (ws !== this.ws) return;
    this.connectedAt = this.now();
    this.lastActivity = this.connectedAt;
    for (const msg of this.plan.subscribe) ws.send(msg);
    // Before any frame of this connection: what the venue sends on subscribe is judged against this start.
    const marked = this.hooks.onConnected?.(this.connectedAt);
    if (marked) marked.catch((err: unknown) => this.log.error({ venue: this.plan.venue, socket: this.plan.name, err }, 'recording the connection start failed'));
    // Start-up is no gap unless connecting failed at least once: then the process was running but blind.
    if (this.downSince !== undefined && (this.everConnected || this.attempt > 0)) {
      this.hooks.onGap(this.downSince, this.connectedAt, this.downReason || 'disconnected');
    }
    this.downSince = undefined;
    this.downReason = '';
    this.lastError = undefined;
    this.failures.clear();
    this.everConnected = true;
    this.hooks.onUp(true);
    this.log.info({ venue: this.plan.venue, socket: this.plan.name, url: this.plan.url, topics: this.plan.subscribe.length }, 'connected');
    this.startHeartbeat(ws);
    if (this.plan.maxConnectionMs) {
      clearTimeout(this.rolloverTimer);
      this.rolloverTimer = setTimeout(() => this.rollover(ws), this.plan.maxConnectionMs);
    }
  }

  private onMessage(ws: WebSocket, data: WebSocket.RawData, isBinary: boolean): void {
    if (ws !== this.ws && !this.draining.has(ws)) return;
    const recv = this.now();
    if (ws === this.ws) this.lastActivity = recv;
    const text = frameText(data, isBinary, this.plan.decode);
    const answer = this.plan.reply?.(text);
    if (answer !== undefined && ws.readyState === WebSocket.OPEN) ws.send(answer);
    const subscribeError = this.plan.subscribeError?.(text);
    if (subscribeError !== undefined) {
      this.log.error({ venue: this.plan.venue, socket: this.plan.name, error: subscribeError }, 'subscribe refused');
      this.hooks.onSubscribeError(subscribeError);
    }
    const pending = this.hooks.onFrame(text, recv);
    if (pending) {
      ws.pause();
      pending.then(
        () => ws.resume(),
        (err: unknown) => {
          this.log.error({ venue: this.plan.venue, err }, 'frame handler failed; closing the connection');
          ws.terminate();
        },
      );
    }
  }

  private startHeartbeat(ws: WebSocket): void {
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => {
      if (ws !== this.ws || ws.readyState !== WebSocket.OPEN) return;
      if (this.now() - this.lastActivity > this.plan.silenceTimeoutMs) {
        this.log.warn({ venue: this.plan.venue, socket: this.plan.name, silentMs: this.now() - this.lastActivity }, 'silent connection; reconnecting');
        this.downReason = 'silence';
        ws.terminate();
        return;
      }
      if (this.plan.appPing) ws.send(this.plan.appPing());
      else ws.ping();
    }, this.plan.pingIntervalMs);
  }

  /** Closes the current connection as a failed one (`reason` its down reason): reconnected with backoff, resubscribed. */
  drop(reason: string): void {
    const ws = this.ws;
    if (!ws || this.stopped) return;
    this.downReason = reason;
    ws.terminate();
  }

  /** Sockets kept open briefly after a rollover so nothing in flight on them is lost. */
  private readonly draining = new Set<WebSocket>();
  /** The replacement socket during a rollover, until it opens. */
  private incoming: WebSocket | undefined;

  private rollover(current: WebSocket): void {
    if (current !== this.ws || this.stopped || this.incoming) return;
    this.log.info({ venue: this.plan.venue, socket: this.plan.name }, 'rolling the connection over before the venue cuts it');
    this.incoming = this.connect();
  }

  private onClose(ws: WebSocket, reason: string): void {
    this.draining.delete(ws);
    if (ws === this.incoming) {
      // The replacement failed; the current socket is still good, so try again later.
      this.incoming = undefined;
      const current = this.ws;
      if (current) this.rolloverTimer = setTimeout(() => this.rollover(current), 60_000);
      return;
    }
    if (ws !== this.ws) return;
    clearInterval(this.heartbeat);
    clearTimeout(this.rolloverTimer);
    this.ws = undefined;
    if (this.downSince === undefined) {
      this.downSince = this.now();
      if (!this.downReason) this.downReason = reason;
      this.hooks.onUp(false);
    }
    if (this.stopped) return;
    if (this.connectedAt && this.now() - this.connectedAt >= this.options.stableAfterMs) this.attempt = 0;
    const delay = backoffDelay(this.attempt++, this.options.backoff);
    this.failures.fail({ venue: this.plan.venue, socket: this.plan.name, reason: this.downReason, ...(this.lastError ? { err: this.lastError } : {}), retryInMs: delay }, 'disconnected');
    this.hooks.onReconnect();
    this.reconnectTimer = setTimeout(() => this.open(), delay);
  }

  /** Stops reconnecting and closes the socket; an open gap is reported up to now. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.heartbeat);
    clearTimeout(this.rolloverTimer);
    const ws = this.ws;
    this.ws = undefined;
    this.incoming?.terminate();
    for (const d of this.draining) d.terminate();
    this.draining.clear();
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        ws.close();
        setTimeout(() => {
          ws.terminate();
          resolve();
        }, 1_000).unref();
      });
    }
    this.hooks.onUp(false);
  }
}
