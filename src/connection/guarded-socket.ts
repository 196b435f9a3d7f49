import type { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type ClientOptions, type ServerOptions } from 'ws';
import type { Logger } from '../log.js';
import { LogLimiter } from '../pipeline/log-limiter.js';

/**
 * The one place where liqstream creates WebSockets (venue clients and the /api/stream server) and
 * the helpers that give every socket, request and response an 'error' listener.
 *
 * Why: an EventEmitter that emits 'error' with no listener throws, and the throw ends the process.
 * One hostile /api/stream message (over maxPayload, invalid UTF-8, an unmasked frame) made `ws` emit
 * 'error' on a server-side socket nobody listened to, and `run`, `aggregate` and `replay` died with
 * their connectors and aggregator. Here the listener is attached before anyone else sees the socket,
 * and test/connection/guarded-socket-fitness.test.ts fails when src/ creates a WebSocket elsewhere.
 */

/** Receives every error of a guarded emitter: `reason` is a bounded label (see errorReason). */
export type ErrorSink = (reason: string, err: Error, context: Record<string, unknown>) => void;

/**
 * A bounded label for an error: its code (`ws` gives WS_ERR_*, Node E* and HPE_*), lower-cased,
 * without the WS_ERR_ prefix; `other` for anything else, so a client cannot mint label values.
 */
export function errorReason(err: unknown): string {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string' || !/^(WS_ERR|ERR|HPE|E)[A-Z0-9_]{1,40}$/.test(code)) return 'other';
  return code.replace(/^WS_ERR_/, '').toLowerCase();
}

/**
 * A sink that counts each error by reason and logs it with its context, at most `perWindow` lines per
 * reason every 10 s (a burst of hostile clients is counted in full, not written to the log in full).
 */
export function countingSink(count: (reason: string) => void, log: Logger | undefined, what: string, perWindow = 5): ErrorSink {
  const limiter = new LogLimiter(perWindow, 10_000);
  return (reason, err, context) => {
    count(reason);
    const { log: write, suppressedBefore } = limiter.allow(reason);
    if (write) log?.warn({ ...context, reason, err: err.message, ...(suppressedBefore ? { suppressedBefore } : {}) }, what);
  };
}

const guarded = new WeakSet<EventEmitter>();

/** Gives `emitter` an 'error' listener that reports to `sink` (once per emitter, however often called). */
export function guardEmitter(emitter: EventEmitter, sink: ErrorSink, context: Record<string, unknown>): void {
  if (guarded.has(emitter)) return;
  guarded.add(emitter);
  emitter.on('error', (err: Error) => sink(errorReason(err), err, context));
}

/** A client WebSocket (a venue connection) with its 'error' listener already attached. */
export function openClientSocket(url: string, options: ClientOptions, sink: ErrorSink, context: Record<string, unknown>): WebSocket {
  const ws = new WebSocket(url, options);
  guardEmitter(ws, sink, context);
  return ws;
}

/** A WebSocket server for upgrades taken from an http server (`noServer`), every socket guarded. */
export interface GuardedWebSocketServer {
  /** The connected clients. */
  readonly clients: Set<WebSocket>;
  /**
   * Completes the upgrade; `onOpen` gets the socket after its 'error' listener is attached. Errors
   * of the raw socket before and after the upgrade, and a refused handshake, go to `sink` too.
   */
  accept(req: IncomingMessage, socket: Duplex, head: Buffer, sink: ErrorSink, onOpen: (ws: WebSocket) => void): void;
  close(): void;
}

export function guardedWebSocketServer(options: Omit<ServerOptions, 'noServer' | 'server' | 'port'>): GuardedWebSocketServer {
  const wss = new WebSocketServer({ ...options, noServer: true });
  // A noServer WebSocketServer has no socket of its own; this only keeps a future 'error' from throwing.
  wss.on('error', () => {});
  return {
    clients: wss.clients,
    accept(req, socket, head, sink, onOpen) {
      const context = { remote: req.socket.remoteAddress, path: req.url?.slice(0, 200) };
      guardEmitter(socket, sink, context);
      // A refused handshake (bad key, version, method): counted, then answered as `ws` would.
      const refuse = (err: Error) => {
        sink('handshake', err, context);
        if (socket.writable) socket.end(`HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(err.message)}\r\n\r\n${err.message}`);
        socket.destroy();
      };
      wss.once('wsClientError', refuse);
      try {
        wss.handleUpgrade(req, socket, head, (ws) => {
          guardEmitter(ws, sink, context);
          onOpen(ws);
        });
      } finally {
        // handleUpgrade refuses synchronously or not at all (the async path is verifyClient, unused).
        wss.off('wsClientError', refuse);
      }
    },
    close() {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    },
  };
}
