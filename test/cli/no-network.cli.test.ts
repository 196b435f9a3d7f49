import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unreachableLine } from '../../src/service/connectors.js';
import { VENUES } from '../../src/venues/registry.js';
import { freePort } from '../support/free-port.js';
import { tempDir } from '../support/recording.js';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { until } from '../support/until.js';

interface LogLine {
  level: number;
  time: number;
  msg: string;
  page?: string;
  metrics?: string;
  unreachable?: Record<string, string>;
}

/** Every venue's socket and REST endpoints on a local port nothing listens on: a machine without network. */
async function noNetworkConfig(): Promise<{ file: string; port: number }> {
  const port = await freePort();
  const venues = Object.fromEntries(VENUES.map((id) => [id, { url: `ws://127.0.0.1:${port}`, restUrl: `http://127.0.0.1:${port}` }]));
  const file = join(tempDir('liqstream-nonet-'), 'config.yaml');
  // The on-chain venues read their RPC URL per chain (evm.chains, solana.chains): Ethereum's and Solana's are the closed port too.
  const solana = { chains: { solana: { url: `ws://127.0.0.1:${port}`, httpUrl: `http://127.0.0.1:${port}` } } };
  writeFileSync(file, JSON.stringify({ metrics: { port: 0 }, venues, evm: { chains: { ethereum: { url: `ws://127.0.0.1:${port}` } } }, solana, connection: { unreachableReportMs: 3000 } }));
  return { file, port };
}

const lines = (text: string): LogLine[] => text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as LogLine);
const SUMMARY = /^no venue reachable|venues unreachable/;
/** The report is due unreachableReportMs (3 s) after start: waited for, not slept for (a loaded host runs the timer late). */
const summarized = (svc: ServiceProcess) => until(() => /"msg":"(no venue reachable|\d+ of \d+ venues unreachable)/.test(svc.logs()), 'the unreachable summary', 30_000);

describe('a start without network', () => {
  it('says once which venues are unreachable and why, then retries quietly; the start line names the page', async () => {
    const { file, port } = await noNetworkConfig();
    const svc = await startServiceProcess(['run', '--config', file, '--log-format', 'json']);
    const started = lines(svc.logs()).find((l) => l.msg === 'liqstream started')!;
    expect(started.page).toBe(`${svc.metricsUrl}/`);
    expect(started.metrics).toBe(`${svc.metricsUrl}/metrics`);
    // The report comes 3 s after start; then 8 s more of retrying (1 s backoff at first, several rounds).
    await summarized(svc);
    await new Promise((r) => setTimeout(r, 8_000));
    expect(await svc.stop()).toBe(0);
    const all = lines(svc.logs());
    const summaries = all.filter((l) => SUMMARY.test(l.msg));
    expect(summaries).toHaveLength(1);
    const summary = summaries[0]!;
    expect(summary.level).toBe(40);
    expect(summary.msg).toBe(
      `no venue reachable (${VENUES.length} of ${VENUES.length}): connect ECONNREFUSED 127.0.0.1:${port} (${VENUES.join(', ')}) — is the network up? Retrying in the background; each retry is logged at debug level (LIQSTREAM_LOG_LEVEL=debug).`,
    );
    expect(Object.keys(summary.unreachable!)).toEqual([...VENUES]);
    // Before: ~330 lines in 45 s, a warning per retry per socket and poll. Now each failing source says so
    // once (discovery, first poll, first disconnect: at most a few per venue) and the retries are quiet.
    expect(all.length).toBeLessThanOrEqual(4 * VENUES.length + 10);
    const afterSummary = all.filter((l) => l.time > summary.time && !/^(shutting down|liqstream stopped)/.test(l.msg));
    expect(afterSummary.map((l) => l.msg)).toEqual([]);
    // The per-venue first warning carries the reason too.
    expect(all.filter((l) => l.msg === 'disconnected').length).toBeLessThanOrEqual(VENUES.length + 5);
  }, 60_000);

  it('with --venues, only those venues run and the report names only them', async () => {
    const { file, port } = await noNetworkConfig();
    const svc = await startServiceProcess(['run', '--config', file, '--log-format', 'json', '--venues', 'okx,bitmex']);
    await summarized(svc);
    expect(await svc.stop()).toBe(0);
    const all = lines(svc.logs());
    expect(all.filter((l) => SUMMARY.test(l.msg)).map((l) => l.msg)).toEqual([
      `no venue reachable (2 of 2): connect ECONNREFUSED 127.0.0.1:${port} (okx, bitmex) — is the network up? Retrying in the background; each retry is logged at debug level (LIQSTREAM_LOG_LEVEL=debug).`,
    ]);
    const venuesLogged = new Set(all.flatMap((l) => ((l as { venue?: string }).venue ? [(l as { venue?: string }).venue!] : [])));
    expect([...venuesLogged].sort()).toEqual(['bitmex', 'okx']);
  }, 60_000);
});

describe('unreachableLine', () => {
  it('some venues down: grouped by reason, and says the others are connected', () => {
    expect(unreachableLine({ okx: 'getaddrinfo EAI_AGAIN ws.okx.com', dydx: 'closed 1006', bitmex: 'closed 1006' }, 15)).toBe(
      '3 of 15 venues unreachable: getaddrinfo EAI_AGAIN ws.okx.com (okx); closed 1006 (dydx, bitmex); the others are connected. Retrying in the background; each retry is logged at debug level (LIQSTREAM_LOG_LEVEL=debug).',
    );
  });
});
