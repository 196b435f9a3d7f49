import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { posix, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { Config } from '../../src/config/schema.js';
import { LIQSTREAM_METRICS, metricNames, readText, readYaml, recordedNames, repoPath, ROOT } from './support.js';

interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: (string | number | { target: number; published?: string | number })[];
  volumes?: (string | { type?: string; source?: string; target: string })[];
  depends_on?: string[] | Record<string, unknown>;
}
const compose = readYaml<{ services: Record<string, Service>; volumes?: Record<string, unknown> }>('docker-compose.yml');
const services = compose.services;
const prometheus = readYaml<{
  rule_files: string[];
  alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
  scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
}>('deploy/prometheus/prometheus.yml');
const defaults = Config.parse({});

const argv = (svc: Service): string[] => (Array.isArray(svc.command) ? svc.command : (svc.command ?? '').split(/\s+/).filter(Boolean)).map(String);
const envOf = (svc: Service): Record<string, string> =>
  Array.isArray(svc.environment)
    ? Object.fromEntries(svc.environment.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]))
    : Object.fromEntries(Object.entries(svc.environment ?? {}).map(([k, v]) => [k, String(v)]));
const flag = (args: string[], name: string): string | undefined => {
  const i = args.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (i < 0) return undefined;
  return args[i]!.includes('=') ? args[i]!.slice(name.length + 1) : args[i + 1];
};

/** Where a liqstream service's /metrics listens: flags over LIQSTREAM_ env over the schema's defaults (as the CLI does). */
function metricsListen(svc: Service): { host: string; port: number } {
  const args = argv(svc);
  const env = envOf(svc);
  return {
    host: flag(args, '--metrics-host') ?? env.LIQSTREAM_METRICS__HOST ?? defaults.metrics.host,
    port: Number(flag(args, '--metrics-port') ?? env.LIQSTREAM_METRICS__PORT ?? defaults.metrics.port),
  };
}
const isLiqstream = (svc: Service): boolean => svc.build !== undefined;
const LIQSTREAM_SERVICES = Object.entries(services).filter(([, s]) => isLiqstream(s));

interface Mount {
  source: string;
  target: string;
  bind: boolean;
}
function mounts(svc: Service): Mount[] {
  return (svc.volumes ?? []).map((v) => {
    if (typeof v !== 'string') return { source: v.source ?? '', target: v.target, bind: v.type === 'bind' };
    const [source, target] = v.split(':');
    return { source: source!, target: target!, bind: /^[./~]/.test(source!) };
  });
}
/** The repo path a container path of `svc` shows, through its bind mounts (deepest mount wins). */
function hostPath(svc: Service, containerPath: string): string | undefined {
  const m = mounts(svc)
    .filter((x) => x.bind && (containerPath === x.target || containerPath.startsWith(`${x.target}/`)))
    .sort((a, b) => b.target.length - a.target.length)[0];
  return m && resolve(ROOT, m.source, posix.relative(m.target, containerPath));
}
const splitTarget = (t: string) => {
  const [host, port] = t.split(':');
  return { host: host!, port: Number(port) };
};
const containerPort = (p: string | number | { target: number }): number =>
  typeof p === 'object' ? p.target : Number(String(p).split('/')[0]!.split(':').at(-1));

describe('docker-compose.yml', () => {
  it('defines the stack', () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining(['kafka', 'liqstream-connect', 'liqstream-aggregate', 'prometheus', 'alertmanager', 'grafana']),
    );
    expect(services.kafka!.image).toBe('apache/kafka:3.9.1');
    expect(services.prometheus!.image).toMatch(/^prom\/prometheus(:|$)/);
    expect(services.alertmanager!.image).toMatch(/^prom\/alertmanager(:|$)/);
    expect(services.grafana!.image).toMatch(/^grafana\/grafana(:|$)/);
  });

  it('runs Kafka as a single KRaft node reachable as kafka:9092', () => {
    const env = envOf(services.kafka!);
    expect(env.KAFKA_PROCESS_ROLES?.split(',').sort()).toEqual(['broker', 'controller']);
    expect(env.KAFKA_CONTROLLER_QUORUM_VOTERS).toMatch(new RegExp(`^${env.KAFKA_NODE_ID}@kafka:\\d+$`));
    expect(env.KAFKA_LISTENERS).toMatch(/PLAINTEXT:\/\/[^,]*:9092(,|$)/);
    expect(env.KAFKA_ADVERTISED_LISTENERS?.split(',')).toContain('PLAINTEXT://kafka:9092');
    for (const factor of ['KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR', 'KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR']) expect(env[factor]).toBe('1');
  });

  it('runs liqstream connect and aggregate from the repo image against kafka:9092', () => {
    expect(LIQSTREAM_SERVICES.map(([n]) => n).sort()).toEqual(['liqstream-aggregate', 'liqstream-connect']);
    for (const [name, svc] of LIQSTREAM_SERVICES) {
      const args = argv(svc);
      expect(args[0]).toBe(name.replace('liqstream-', ''));
      expect(flag(args, '--kafka')).toBe('kafka:9092');
      const context = typeof svc.build === 'string' ? svc.build : (svc.build?.context ?? '.');
      expect(existsSync(repoPath(context, typeof svc.build === 'object' && svc.build.dockerfile ? svc.build.dockerfile : 'Dockerfile'))).toBe(true);
      const deps = Array.isArray(svc.depends_on) ? svc.depends_on : Object.keys(svc.depends_on ?? {});
      expect(deps).toContain('kafka');
    }
  });

  it('gives the aggregator its history in the questdb service, on the ports QuestDB listens on, by a config the schema takes', () => {
    expect(services.questdb!.image).toBe('questdb/questdb:9.0.3');
    const env = envOf(services['liqstream-aggregate']!);
    const store = loadConfig({ env: Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('LIQSTREAM_STORE__'))) }).store;
    expect([store.enabled, store.kind, store.questdb.http, store.questdb.pg]).toEqual([true, 'questdb', 'questdb:9000', 'questdb:8812']);
    // QuestDB's own ports (HTTP 9000, PostgreSQL wire 8812), published on loopback only.
    expect((services.questdb!.ports ?? []).map(String)).toEqual(['127.0.0.1:9000:9000', '127.0.0.1:8812:8812']);
    expect(Object.keys(services['liqstream-aggregate']!.depends_on ?? {}).sort()).toEqual(['kafka', 'questdb']);
  });

  it('gives connect a disk spill on a named volume, so a Kafka outage or a container restart loses nothing', () => {
    const connect = services['liqstream-connect']!;
    expect(envOf(connect).LIQSTREAM_BUS__SPILL__DIR).toBe('/var/lib/liqstream/spill');
    expect(connect.volumes).toContain('connect-spill:/var/lib/liqstream');
    expect(Object.keys(compose.volumes ?? {})).toContain('connect-spill');
    expect(readText('Dockerfile')).toMatch(/mkdir -p \/var\/lib\/liqstream && chown node:node \/var\/lib\/liqstream/);
  });

  it('has liqstream listen on 0.0.0.0 in its containers, connect on 9464 and aggregate on 9465 (published)', () => {
    expect(metricsListen(services['liqstream-connect']!)).toEqual({ host: '0.0.0.0', port: 9464 });
    expect(metricsListen(services['liqstream-aggregate']!)).toEqual({ host: '0.0.0.0', port: 9465 });
    for (const [name, svc] of LIQSTREAM_SERVICES)
      for (const p of svc.ports ?? []) expect(containerPort(p), `${name} publishes a port it does not listen on`).toBe(metricsListen(svc).port);
    expect((services['liqstream-aggregate']!.ports ?? []).map(containerPort)).toContain(9465);
  });

  it('mounts only repo paths that exist, and declares every named volume', () => {
    for (const [name, svc] of Object.entries(services))
      for (const m of mounts(svc)) {
        if (m.bind) {
          const p = resolve(ROOT, m.source);
          expect(relative(ROOT, p).startsWith('..'), `${name}: ${m.source} is outside the repo`).toBe(false);
          expect(existsSync(p), `${name}: ${m.source} does not exist`).toBe(true);
        } else expect(Object.keys(compose.volumes ?? {}), `${name}: volume ${m.source}`).toContain(m.source);
      }
  });

  it('gives Prometheus deploy/prometheus/prometheus.yml, and its rule_files glob finds the rule files', () => {
    const svc = services.prometheus!;
    const configFile = flag(argv(svc), '--config.file') ?? '/etc/prometheus/prometheus.yml';
    expect(hostPath(svc, configFile)).toBe(repoPath('deploy/prometheus/prometheus.yml'));
    for (const glob of prometheus.rule_files) {
      const dir = hostPath(svc, posix.resolve(posix.dirname(configFile), posix.dirname(glob)))!;
      const re = new RegExp(`^${posix.basename(glob).replace(/\./g, '\\.').replace(/\*/g, '.*')}$`);
      const found = existsSync(dir) ? readdirSync(dir).filter((f) => re.test(f)) : [];
      expect(found.sort(), glob).toEqual(['alerts.yml', 'recording.yml']);
    }
  });

  it('gives Alertmanager deploy/alertmanager/alertmanager.yml', () => {
    const svc = services.alertmanager!;
    const configFile = flag(argv(svc), '--config.file') ?? '/etc/alertmanager/alertmanager.yml';
    expect(hostPath(svc, configFile)).toBe(repoPath('deploy/alertmanager/alertmanager.yml'));
  });

  it('gives Grafana the provisioning directory and the dashboards where the provider looks for them', () => {
    const svc = services.grafana!;
    const provisioning = hostPath(svc, '/etc/grafana/provisioning');
    expect(provisioning).toBe(repoPath('deploy/grafana/provisioning'));
    const providers = readYaml<{ providers: { type: string; options: { path: string } }[] }>('deploy/grafana/provisioning/dashboards/dashboards.yml').providers;
    expect(providers.length).toBeGreaterThan(0);
    for (const p of providers) {
      expect(p.type).toBe('file');
      const dir = hostPath(svc, p.options.path);
      expect(dir, `provider path ${p.options.path} is not mounted`).toBe(repoPath('deploy/grafana/dashboards'));
      expect(readdirSync(dir!)).toContain('liqstream.json');
    }
  });
});

describe('Prometheus targets match the compose services', () => {
  const targets = prometheus.scrape_configs.flatMap((c) => c.static_configs.flatMap((s) => s.targets.map((t) => ({ job: c.job_name, ...splitTarget(t) }))));

  it('scrapes every liqstream service on the host:port it listens on', () => {
    for (const t of targets.filter((x) => x.host !== 'localhost')) {
      expect(Object.keys(services), `scrape target ${t.host}:${t.port} (${t.job})`).toContain(t.host);
      const svc = services[t.host]!;
      if (isLiqstream(svc)) expect(t.port, `${t.job} scrapes ${t.host}:${t.port}`).toBe(metricsListen(svc).port);
    }
    for (const [name] of LIQSTREAM_SERVICES) expect(targets.map((t) => t.host), `${name} is not scraped`).toContain(name);
  });

  it('scrapes every 5 s', () => {
    expect(readYaml<{ global: { scrape_interval: string } }>('deploy/prometheus/prometheus.yml').global.scrape_interval).toBe('5s');
  });

  it('sends alerts to the alertmanager service on its port', () => {
    const am = prometheus.alerting.alertmanagers.flatMap((a) => a.static_configs.flatMap((s) => s.targets)).map(splitTarget);
    expect(am).toEqual([{ host: 'alertmanager', port: 9093 }]);
    expect(Object.keys(services)).toContain('alertmanager');
    expect(flag(argv(services.alertmanager!), '--web.listen-address') ?? ':9093').toMatch(/:9093$/);
  });

  it('is what the Grafana data source points at', () => {
    const ds = readYaml<{ datasources: { type: string; url: string }[] }>('deploy/grafana/provisioning/datasources/prometheus.yml').datasources;
    const url = new URL(ds.find((d) => d.type === 'prometheus')!.url);
    expect(Object.keys(services)).toContain(url.hostname);
    expect(url.hostname).toBe('prometheus');
    expect(Number(url.port)).toBe(Number((flag(argv(services.prometheus!), '--web.listen-address') ?? ':9090').split(':').at(-1)));
  });
});

describe('Dockerfile', () => {
  const text = readText('Dockerfile');
  const ignored = existsSync(repoPath('.dockerignore'))
    ? readText('.dockerignore')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#'))
    : [];

  it("builds on node:20-slim with npm ci and npm run build (with the bundle's script), and starts the CLI's bundle", () => {
    expect(text).toMatch(/^FROM node:20-slim\b/m);
    expect(text).toMatch(/^RUN npm ci\b/m);
    expect(text).toMatch(/^RUN npm run build\b/m);
    expect(text).toMatch(/^COPY scripts\/bundle \.\/scripts\/bundle$/m);
    expect(text).toMatch(/^ENTRYPOINT \["node", "--max-semi-space-size=64", "dist\/bundle\/cli\/main\.js"\]$/m);
  });

  it('checks liveness (/livez on LIQSTREAM_METRICS__PORT, else 9464), and the check passes against a live server', async () => {
    const m = /^HEALTHCHECK (.*) \\\n\s+CMD (\[.*\])$/m.exec(text);
    expect(m, 'HEALTHCHECK ... CMD [...]').not.toBeNull();
    const argv = JSON.parse(m![2]!) as string[];
    expect(argv.slice(0, 2)).toEqual(['node', '-e']);
    expect(argv[2]).toContain('/livez');
    const { Registry } = await import('prom-client');
    const { startMetricsServer } = await import('../../src/service/http-server.js');
    // Not ready (warming): the container is still healthy, since liveness is what Docker checks.
    const server = await startMetricsServer(new Registry(), { host: '127.0.0.1', port: 0, readiness: () => ({ ready: false, status: 'warming', detail: {} }) });
    // Not spawnSync: the server under test runs in this event loop.
    const run = (port: string) =>
      new Promise<number | null>((resolve) => spawn(process.execPath, argv.slice(1), { env: { ...process.env, LIQSTREAM_METRICS__PORT: port }, stdio: 'ignore' }).on('exit', resolve));
    try {
      expect(await run(new URL(server.url).port)).toBe(0);
    } finally {
      await server.close();
    }
    expect(await run(new URL(server.url).port)).toBe(1); // nothing listens there any more
  });

  it('copies only paths that exist and are not excluded by .dockerignore', () => {
    const sources = [...text.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
    expect(sources.length).toBeGreaterThan(0);
    for (const s of sources) {
      expect(existsSync(repoPath(s)), s).toBe(true);
      expect(ignored, `${s} is in .dockerignore`).not.toContain(s);
    }
  });
});

describe('Grafana dashboard', () => {
  interface Target {
    expr: string;
    datasource?: { type: string; uid: string };
  }
  interface Panel {
    id: number;
    type: string;
    title: string;
    gridPos: { x: number; y: number; w: number; h: number };
    datasource?: { type: string; uid: string };
    targets?: Target[];
    panels?: Panel[];
    fieldConfig?: { defaults?: { unit?: string } };
  }
  const dash = JSON.parse(readText('deploy/grafana/dashboards/liqstream.json')) as {
    uid: string;
    title: string;
    schemaVersion: number;
    panels: Panel[];
    templating: { list: { name: string; type: string; query: string | { query: string }; datasource?: { uid: string }; options?: { value: string }[] }[] };
  };
  const panels = dash.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
  const dataPanels = panels.filter((p) => p.type !== 'row');
  const queries = [
    ...dataPanels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: p.title, expr: t.expr }))),
    ...dash.templating.list
      .filter((v) => v.type === 'query')
      .map((v) => ({ where: `variable $${v.name}`, expr: typeof v.query === 'string' ? v.query : v.query.query })),
  ];
  const dsUid = readYaml<{ datasources: { uid: string }[] }>('deploy/grafana/provisioning/datasources/prometheus.yml').datasources[0]!.uid;

  it('is a Grafana dashboard of the current schema with unique panel ids', () => {
    expect(dash.uid).toBeTruthy();
    expect(dash.title).toBeTruthy();
    expect(dash.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dash.schemaVersion).toBeLessThanOrEqual(41);
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    expect(new Set(dataPanels.map((p) => p.type))).toEqual(new Set(['stat', 'timeseries']));
  });

  it('shows dollars in the "Cascade USD" panel, and no 0/1 flag in any panel titled USD (issue 18 §6)', () => {
    // It showed liqstream_cascade_lower_bound (0 or 1) under the title "Cascade USD".
    const usd = dataPanels.find((p) => p.title === 'Cascade USD');
    expect(usd?.targets?.map((t) => metricNames(t.expr))).toEqual([['liqstream_cascade_usd']]);
    expect(usd?.fieldConfig?.defaults?.unit).toBe('currencyUSD');
    const FLAGS = ['liqstream_cascade_lower_bound', 'liqstream_lower_bound', 'liqstream_cascade_active', 'liqstream_connector_up', 'liqstream_venue_partial', 'liqstream_bus_up'];
    for (const p of dataPanels.filter((x) => /\bUSD\b/.test(x.title)))
      for (const t of p.targets ?? []) expect(metricNames(t.expr).filter((n) => FLAGS.includes(n)), p.title).toEqual([]);
    // The flag keeps a panel of its own.
    const flag = dataPanels.filter((p) => (p.targets ?? []).some((t) => metricNames(t.expr).includes('liqstream_cascade_lower_bound')));
    expect(flag.map((p) => p.title)).toEqual(['Cascade lower bound']);
  });

  it('lays panels out on the 24-column grid without overlaps', () => {
    for (const p of panels) expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
    for (const [i, a] of panels.entries())
      for (const b of panels.slice(i + 1)) {
        const overlap =
          a.gridPos.x < b.gridPos.x + b.gridPos.w && b.gridPos.x < a.gridPos.x + a.gridPos.w && a.gridPos.y < b.gridPos.y + b.gridPos.h && b.gridPos.y < a.gridPos.y + a.gridPos.h;
        expect(overlap, `${a.title} overlaps ${b.title}`).toBe(false);
      }
  });

  it('queries the provisioned Prometheus data source', () => {
    for (const p of dataPanels) {
      expect(p.datasource?.uid, p.title).toBe(dsUid);
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets!) if (t.datasource) expect(t.datasource.uid).toBe(dsUid);
    }
    for (const v of dash.templating.list.filter((x) => x.type === 'query')) expect(v.datasource?.uid).toBe(dsUid);
  });

  it('uses only liqstream metrics and the recording rules of recording.yml', () => {
    const allowed = new Set<string>([...LIQSTREAM_METRICS, ...recordedNames()]);
    for (const q of queries) {
      const names = metricNames(q.expr);
      expect(names.length, `${q.where}: ${q.expr}`).toBeGreaterThan(0);
      expect(names.filter((n) => !allowed.has(n)), `${q.where}: ${q.expr}`).toEqual([]);
    }
  });

  it('shows liquidations by venue/side/window, all-venue windows, OI, cascades and connector health', () => {
    const used = new Set(queries.flatMap((q) => metricNames(q.expr)));
    for (const m of [
      'liqstream_liquidations_window_usd',
      'liqstream_liquidations_window_total_usd',
      'liqstream:open_interest_usd:sum',
      'liqstream_oi_age_seconds',
      'liqstream_cascade_active',
      'liqstream_cascade_usd',
      'liqstream_lower_bound',
      'liqstream_cascade_lower_bound',
      'liqstream_connector_up',
      'liqstream_last_frame_timestamp_seconds',
      'liqstream_reconnects_total',
      'liqstream_gaps_total',
      'liqstream_gap_seconds_total',
      'liqstream_bad_frames_total',
      'liqstream_dead_letters_total',
    ])
      expect(used, m).toContain(m);
    const windows = dash.templating.list.find((v) => v.name === 'window');
    expect(windows?.options?.map((o) => o.value)).toEqual(['1m', '5m', '1h', '24h']);
    for (const w of ['1m', '5m', '1h', '24h'])
      expect(queries.some((q) => q.expr.includes(`liqstream_liquidations_window_total_usd{window="${w}"}`)), `all-venue ${w} stat`).toBe(true);
  });
});
