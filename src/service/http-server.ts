import { createServer, ServerResponse, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Counter, type Registry } from 'prom-client';
import { countingSink, errorReason, guardEmitter, type ErrorSink } from '../connection/guarded-socket.js';
import type { Logger } from '../log.js';
import { json, NoQuery, readQuery, refusedMethod, requestUrl } from '../web/http-answers.js';
import { AnswerBudget, DEFAULT_ANSWER_LIMITS, type AnswerLimits } from './answer-budget.js';

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Whether the process does its job now (`/readyz`): `ready` false answers 503. `detail` carries the
 * per-venue status, which never makes a process unready: one exchange down is not a reason to drain or
 * restart a process that serves fourteen others (docs/reliability.md, "Health endpoints").
 */
export interface Readiness {
  ready: boolean;
  /** `ok`, or why not ready (`warming`, `bus down`), or `degraded` (ready, some venue down). */
  status: string;
  detail: Record<string, unknown>;
}

/** More routes on the same port (the live page and API); each returns whether it took the request. */
export interface Routes {
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** `onError` receives the errors of the upgraded socket (counted in liqstream_api_client_errors_total). */
  upgrade?(req: IncomingMessage, socket: Duplex, head: Buffer, onError: ErrorSink): boolean;
}

/**
 * /metrics for Prometheus, /livez, /readyz (and /healthz, its alias) for orchestrators, and `routes`.
 * Nothing a client sends can end the process: every request, response and socket has an 'error'
 * listener, and each client error is counted by reason in liqstream_api_client_errors_total.
 */
export async function startMetricsServer(
  registry: Registry,
  options: {
    host: string;
    port: number;
    readiness?: () => Readiness;
    routes?: Routes;
    log?: Logger;
    /** Slow clients: headers must arrive within this (default 10 s), a request within 3 times it. */
    headersTimeoutMs?: number;
    /** A connection with nothing sent or taken for this long is closed (default 60 s): a client that stopped reading its answer. */
    stallTimeoutMs?: number;
    /** How many answers clients may leave untaken (answer-budget.ts). */
    answerLimits?: AnswerLimits;
  },
): Promise<MetricsServer> {
  const clientErrors = new Counter({
    name: 'liqstream_api_client_errors_total',
    help: 'Clients of the metrics port (page, API, /api/stream, probes) whose connection failed or was refused, by reason',
    labelNames: ['reason'],
    registers: [registry],
  });
  // From 0, so that Prometheus's increase() sees the first hostile client of each usual kind.
  for (const reason of ['unsupported_message_length', 'invalid_utf8', 'expected_mask', 'handshake', 'hpe_header_overflow', 'err_http_request_timeout', 'connect_method']) clientErrors.inc({ reason }, 0);
  const onError = countingSink((reason) => clientErrors.inc({ reason }), options.log, 'API client error');
  const headersTimeout = options.headersTimeoutMs ?? 10_000;
  const answerLimits = options.answerLimits ?? DEFAULT_ANSWER_LIMITS;
  const budget = new AnswerBudget(answerLimits);
  const flooded = new WeakSet<object>();
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    // The parser goes on with the requests of a chunk after their connection was closed: nothing to answer.
    if (req.socket.destroyed) return;
    const context = { remote: req.socket.remoteAddress, method: req.method, path: req.url?.slice(0, 200) };
    // The answers of a connection closed for flooding fail with it: that is the flood, counted once below.
    const sink: typeof onError = (reason, err, ctx) => {
      if (!flooded.has(req.socket)) onError(reason, err, ctx);
    };
    guardEmitter(req, sink, context);
    guardEmitter(res, sink, context);
    const url = requestUrl(req);
    const own = url !== undefined && OWN_PATHS.has(url.pathname);
    const refusal = budget.admit(req, res, own);
    if (refusal === 'pipelined_flood') {
      // Counted once per connection, however many requests it had sent ahead.
      if (!flooded.has(req.socket)) {
        flooded.add(req.socket);
        onError(refusal, new Error(`more than ${answerLimits.perConnection} requests of one connection unanswered: connection closed`), context);
      }
      req.socket.destroy();
      return;
    }
    if (refusal === 'answers_held') {
      onError(refusal, new Error(`answers not yet taken by their clients hold ${budget.heldBytes} bytes: 503`), context);
      return json(res, 503, { error: 'busy: answers not yet read by other clients; retry' }, { 'retry-after': '1', connection: 'close' });
    }
    // Refusals the routes answer (bad parameters, methods, paths) are counted by their status too.
    res.once('finish', () => {
      if (res.statusCode >= 400 && res.statusCode < 500) onError(`http_${res.statusCode}`, new Error(`answered ${res.statusCode}`), context);
    });
    if (!url) return json(res, 400, { error: 'malformed request target' });
    if (own) {
      if (refusedMethod(req, res)) return;
      const q = readQuery(url, NoQuery);
      if ('error' in q) return json(res, 400, { error: q.error });
    }
    switch (own && url.pathname) {
      case '/metrics':
        registry.metrics().then(
          (body) => {
            res.writeHead(200, { 'content-type': registry.contentType });
            res.end(body);
          },
          (err: unknown) => {
            res.writeHead(500, { 'content-type': 'text/plain' });
            res.end(String(err));
          },
        );
        return;
      case '/livez':
        // Answering at all is the proof: the event loop runs and the server accepts connections.
        return json(res, 200, { status: 'ok', uptimeSeconds: Math.round(process.uptime()) });
      case '/readyz':
      case '/healthz': {
        const r = options.readiness?.() ?? { ready: true, status: 'ok', detail: {} };
        return json(res, r.ready ? 200 : 503, { status: r.status, detail: r.detail });
      }
    }
    // A route that throws runs inside this listener: uncaught, it would end the process (the
    // aggregator) for one request. Answer 500 instead.
    let taken = false;
    try {
      taken = options.routes?.handle(req, res) ?? false;
    } catch (err) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`internal error: ${(err as Error).message}\n`);
      return;
    }
    if (taken) return;
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found\n');
  };
  const server: Server = createServer(
    // Slowloris: a client that sends its headers a byte at a time is cut off (checked every second).
    { headersTimeout, requestTimeout: 3 * headersTimeout, connectionsCheckingInterval: Math.min(1_000, headersTimeout) },
    onRequest,
  );
  // A client that stops reading its answer (or vanished without a FIN) holds it until this closes the connection.
  server.timeout = options.stallTimeoutMs ?? 60_000;
  const onStall = (socket: Socket): void => {
    onError('stalled', new Error(`nothing sent or taken for ${server.timeout} ms: connection closed`), { remote: socket.remoteAddress });
    socket.destroy();
  };
  server.on('timeout', onStall);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node removes its own 'error' listener from a socket it hands over for an upgrade: a reset
    // before the route answers would otherwise be an uncaught 'error'.
    guardEmitter(socket, onError, { remote: req.socket.remoteAddress, path: req.url?.slice(0, 200) });
    let taken = false;
    try {
      taken = options.routes?.upgrade?.(req, socket, head, onError) ?? false;
    } catch {
      taken = false; // as above: refuse rather than crash
    }
    if (taken) return;
    // An upgrade we do not serve (curl --http2 asks every path for h2c): answered as the plain HTTP/1.1 request it
    // also is, on a connection closed after it; it was dropped without an answer.
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket as Socket);
    // Node took its stall timeout off the socket it handed over: a client that does not read this answer either is
    // closed as on any other connection (without it, such clients held the answers' budget for as long as they liked).
    (socket as Socket).setTimeout(server.timeout, () => onStall(socket as Socket));
    res.once('finish', () => {
      res.detachSocket(socket as Socket);
      socket.end();
    });
    onRequest(req, res);
  });
  // CONNECT (a client taking the port for a proxy): node closes it silently when nobody listens, so
  // it went uncounted. This is no proxy: counted, answered 405, closed.
  server.on('connect', (req: IncomingMessage, socket: Duplex) => {
    guardEmitter(socket, onError, { remote: req.socket.remoteAddress });
    onError('connect_method', new Error(`CONNECT ${req.url?.slice(0, 200) ?? ''} refused`), { remote: req.socket.remoteAddress });
    if (socket.writable) socket.end('HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD\r\nConnection: close\r\n\r\n', () => socket.destroy());
    else socket.destroy();
  });
  // Malformed requests, oversized headers, timeouts: counted, then answered as node would by default.
  server.on('clientError', (err: Error & { code?: string }, socket: Duplex) => {
    onError(errorReason(err), err, { remote: (socket as Socket).remoteAddress });
    if (err.code !== 'ECONNRESET' && socket.writable) socket.end(`HTTP/1.1 ${CLIENT_ERROR_STATUS[err.code ?? ''] ?? '400 Bad Request'}\r\nConnection: close\r\n\r\n`);
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  // After listen, an 'error' is an accept failure (EMFILE when a flood exhausts descriptors): counted,
  // and the server keeps listening.
  server.on('error', (err) => onError(errorReason(err), err, { what: 'accept' }));
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The endpoints of this module; the rest belong to `routes`. */
const OWN_PATHS = new Set(['/metrics', '/livez', '/readyz', '/healthz']);

/** The statuses node's default clientError handler answers with. */
const CLIENT_ERROR_STATUS: Record<string, string> = {
  HPE_HEADER_OVERFLOW: '431 Request Header Fields Too Large',
  HPE_CHUNK_EXTENSIONS_OVERFLOW: '413 Payload Too Large',
  ERR_HTTP_REQUEST_TIMEOUT: '408 Request Timeout',
};

/**
 * A process's readiness from what it runs: not ready while its aggregator rebuilds (`warming`) or,
 * for a producer, while the broker refuses publishes (`bus down`: it spills to disk, alive but not
 * doing all of its job). The venues are in the body (`venues`: id → connected, `venuesDown`) and make
 * the status `degraded` at most, never 503: one exchange down is a venue alert (ConnectorDown), not a
 * reason to drain or restart a process serving the others.
 */
export function processReadiness(p: { mode: string; bus?: string; busUp?: boolean; aggregator?: 'warming' | 'ok'; venues: Record<string, boolean> }): Readiness {
  const venuesDown = Object.keys(p.venues).filter((v) => !p.venues[v]);
  const blocked = p.aggregator === 'warming' ? 'warming' : p.busUp === false ? 'bus down' : undefined;
  return {
    ready: blocked === undefined,
    status: blocked ?? (venuesDown.length > 0 ? 'degraded' : 'ok'),
    detail: { mode: p.mode, bus: p.bus, busUp: p.busUp, aggregator: p.aggregator, venues: p.venues, venuesDown },
  };
}
