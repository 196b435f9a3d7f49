import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Registry } from 'prom-client';

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/** /metrics for Prometheus and /healthz for orchestrators (503 while `healthy()` says no). */
export async function startMetricsServer(
  registry: Registry,
  options: {
    host: string;
    port: number;
    health?: () => { healthy: boolean; status?: string; detail: unknown };
    /** More routes on the same port (the live page and API); each returns whether it took the request. */
    routes?: { handle(req: IncomingMessage, res: ServerResponse): boolean; upgrade?(req: IncomingMessage, socket: Duplex, head: Buffer): boolean };
  },
): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/metrics') {
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
    }
    if (req.method === 'GET' && path === '/healthz') {
      const h = options.health?.() ?? { healthy: true, detail: {} };
      res.writeHead(h.healthy ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: h.status ?? (h.healthy ? 'ok' : 'degraded'), detail: h.detail }));
      return;
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
  });
  server.on('upgrade', (req, socket, head) => {
    let taken = false;
    try {
      taken = options.routes?.upgrade?.(req, socket, head) ?? false;
    } catch {
      taken = false; // as above: refuse rather than crash
    }
    if (!taken) socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
