import { execFileSync } from 'node:child_process';
import http from 'node:http';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { QuestDbHistory } from '../../src/sinks/questdb/history.js';
import { QuestDbSink } from '../../src/sinks/questdb/questdb-sink.js';
import { historyApi, type HistoryApi } from '../../src/web/history-api.js';
import { liquidation } from '../support/events.js';
import { applied, freezeQuestDb, questdbConfig, questdbPid, truncateAll } from '../support/questdb.js';
import { until } from '../support/until.js';

/*
 * Attack: QuestDB killed (SIGKILL) and frozen (SIGSTOP) while /api/history answers several clients at
 * once. The process goes on; every request is answered, within queryTimeoutMs and a margin, with 503
 * (over maxConcurrent), 504 (QuestDB does not answer) or 500 (QuestDB cannot be reached); the failures
 * are counted (liqstream_history_requests_failed_total{status}); once QuestDB is back the same requests answer 200 with the exact rows.
 */
const log = pino({ level: 'silent' });
const T0 = Date.UTC(2025, 9, 10, 21, 0);
const QUERY_TIMEOUT_MS = 1_000;
/** queryTimeoutMs, and room for a loaded 2-core host to run the timers. */
const BOUND_MS = QUERY_TIMEOUT_MS + 7_000;
const CLIENTS = 8;
const questdb = (cmd: 'resume') => execFileSync('bash', ['scripts/questdb/questdb.sh', cmd], { stdio: 'inherit', env: { ...process.env, ...inject('questdb').env } });
const signal = (sig: NodeJS.Signals) => process.kill(questdbPid(), sig);
const registry = new Registry();
const failed = async (status: number) => (await registry.getSingleMetric('liqstream_history_requests_failed_total')!.get()).values.find((v) => v.labels.status === status)?.value ?? 0;
const counts = async () => ({ 500: await failed(500), 503: await failed(503), 504: await failed(504) });

describe('/api/history while QuestDB is killed or frozen', () => {
  let api: HistoryApi;
  const ask = async (path: string) => {
    const started = Date.now();
    const res = { status: 0, body: '', headersSent: false, writeHead(s: number) { this.status = s; return this; }, end(b: string) { this.body = b; } };
    expect(api.handle(new URL(`http://x/api/history/${path}`), res as never)).toBe(true);
    await until(() => res.status !== 0, path, 30_000);
    return { status: res.status, body: JSON.parse(res.body) as Record<string, unknown>, ms: Date.now() - started };
  };
  /** CLIENTS requests at once, liquidations and minutes alternately. */
  const burst = () => Promise.all(Array.from({ length: CLIENTS }, (_, i) => ask(i % 2 ? `minutes?from=${T0}&to=${T0 + 3_600_000}&step=1h` : `liquidations?from=${T0}&to=${T0 + 3_600_000}`)));
  const healthy = async () => {
    await until(async () => (await ask('minutes?step=1h')).status === 200, 'QuestDB answering again', 120_000);
    const answers = await burst();
    // Every client 200 but those over maxConcurrent (503), the rows exact.
    for (const a of answers) expect([200, 503]).toContain(a.status);
    const ok = answers.filter((a) => a.status === 200);
    expect(ok.length).toBeGreaterThan(0);
    for (const a of ok)
      if (a.body.liquidations) expect((a.body.liquidations as { id: string }[]).map((l) => l.id)).toEqual(['b', 'a']);
      else expect((a.body.rows as Record<string, unknown>[]).map((r) => [r.usd, r.count])).toEqual([[3.5, 2]]);
  };

  beforeAll(async () => {
    await truncateAll();
    const sink = QuestDbSink.open(questdbConfig(), log);
    sink.onEvents([liquidation('a', T0, 1.25), liquidation('b', T0 + 1_000, 2.25)]);
    await sink.close();
    await applied();
    api = historyApi(new QuestDbHistory(questdbConfig({ queryTimeoutMs: QUERY_TIMEOUT_MS, maxConcurrent: 4 }), log), log, registry);
  });
  afterAll(async () => {
    try {
      signal('SIGCONT');
    } catch {
      // not running
    }
    await api.close();
  });

  it('frozen (SIGSTOP): every request answers 504 or 503 within the bound; after SIGCONT, 200 with the exact rows', async () => {
    await healthy();
    const before = await counts();
    let answers: Awaited<ReturnType<typeof burst>>;
    try {
      // A query that reached a thread not stopped yet would still answer 200 (seen once in a clean-clone run).
      await freezeQuestDb();
      answers = [...(await burst()), ...(await burst())]; // the second burst meets the connections the first left
    } finally {
      signal('SIGCONT');
    }
    for (const a of answers) {
      expect([a.status, a.body.error]).toEqual(a.status === 503 ? [503, expect.stringMatching(/queries are running/)] : [504, `query stopped after ${QUERY_TIMEOUT_MS} ms`]);
      expect(a.ms).toBeLessThan(BOUND_MS);
    }
    const timedOut = answers.filter((a) => a.status === 504).length;
    expect(timedOut).toBeGreaterThanOrEqual(4);
    const after = await counts();
    expect([after[504] - before[504], after[503] - before[503], after[500] - before[500]]).toEqual([timedOut, answers.length - timedOut, 0]);
    await healthy();
  });

  it('killed (SIGKILL): every request answers 500 or 503 at once; after a restart on its data, 200 with the exact rows', async () => {
    await healthy();
    const before = await counts();
    signal('SIGKILL');
    await until(() => {
      try {
        signal(0 as never);
        return false;
      } catch {
        return true;
      }
    }, 'QuestDB gone');
    const answers = [...(await burst()), ...(await burst())];
    for (const a of answers) {
      expect([a.status, a.body.error]).toEqual(a.status === 503 ? [503, expect.stringMatching(/queries are running/)] : [500, 'history query failed (logged)']);
      expect(a.ms).toBeLessThan(BOUND_MS);
    }
    const refused = answers.filter((a) => a.status === 500).length;
    expect(refused).toBeGreaterThanOrEqual(4);
    const after = await counts();
    expect([after[500] - before[500], after[503] - before[503], after[504] - before[504]]).toEqual([refused, answers.length - refused, 0]);
    questdb('resume');
    await healthy();
  });
});

describe('freezeQuestDb (the freeze the tests above rely on)', () => {
  it('answers no query once it resolved: 8 rounds of 4 queries on warm connections, each round right after the freeze', async () => {
    // kill(SIGSTOP) alone returned before every thread had stopped: 20 of 240 such queries answered 200 on a loaded host.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    const query = () =>
      new Promise<number | 'no answer'>((resolve) => {
        const req = http.get(`http://${inject('questdb').http}/exec?query=${encodeURIComponent('SELECT 1')}`, { agent, timeout: 250 }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode!));
        });
        req.on('timeout', () => req.destroy());
        req.on('error', () => resolve('no answer'));
      });
    const four = () => Promise.all([query(), query(), query(), query()]);
    try {
      for (let round = 0; round < 8; round++) {
        await until(async () => (await four()).every((s) => s === 200), 'four answers before the freeze', 30_000);
        let answers: (number | 'no answer')[];
        try {
          await freezeQuestDb();
          answers = await four();
        } finally {
          signal('SIGCONT');
        }
        expect([round, answers]).toEqual([round, ['no answer', 'no answer', 'no answer', 'no answer']]);
      }
    } finally {
      agent.destroy();
    }
  });
});
