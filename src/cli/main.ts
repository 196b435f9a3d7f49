#!/usr/bin/env -S node --max-semi-space-size=64
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { availableParallelism } from 'node:os';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { onBrokenPipe, watchOutput } from '../broken-pipe.js';
import type { Config } from '../config/schema.js';
import type { LogFormat } from '../log.js';
import { INPUT_FORMATS, type InputFormat } from '../replay/formats.js';
import type { ServiceMode } from '../service/service.js';
import { readTimeText } from '../schema/time-text.js';
import { OCT10 } from '../simulate/oct10-profile.js';
import type { LiveApi } from '../web/live-api.js';
import type { NormalizedEvent } from '../schema/events.js';
import type { Aggregator } from '../aggregate/aggregator.js';
import type { ReplayReport } from '../replay/replay.js';
import { registerStoreCommands, StoreUsageError } from './store-commands.js';
import { heapFlagsFor, rerunWith } from './heap-flags.js';

/*
 * Modules are imported inside the command that needs them: loading every command's dependencies
 * (Kafka client, WebSocket server, simulator, …) cost each start about 0.3 s (bench/startup.ts).
 */

interface ServiceFlags {
  config?: string;
  logFormat?: LogFormat;
  kafka?: string;
  metricsHost?: string;
  metricsPort?: string;
  venues?: string;
}

async function configFrom(flags: ServiceFlags): Promise<Config> {
  const { loadConfig } = await import('../config/load.js');
  const overrides: Record<string, unknown> = {};
  if (flags.venues !== undefined) overrides.onlyVenues = await venueList(flags.venues);
  if (flags.kafka) overrides.bus = { kind: 'kafka', kafka: { brokers: flags.kafka.split(',') } };
  if (flags.metricsHost || flags.metricsPort)
    overrides.metrics = {
      ...(flags.metricsHost ? { host: flags.metricsHost } : {}),
      ...(flags.metricsPort ? { port: Number(flags.metricsPort) } : {}),
    };
  return loadConfig({ file: flags.config, overrides });
}

async function runService(mode: ServiceMode | 'record', flags: ServiceFlags & { out?: string }): Promise<void> {
  const config = await configFrom(flags);
  const [{ ConfigError }, { createLogger }] = await Promise.all([import('../config/load.js'), import('../log.js')]);
  if ((mode === 'connect' || mode === 'aggregate') && config.bus.kind !== 'kafka')
    throw new ConfigError(`config error: bus.kind: "${mode}" needs Kafka (--kafka host:port)`);
  const log = createLogger(process.env.LIQSTREAM_LOG_LEVEL ?? config.log.level, flags.logFormat ?? config.log.format);
  // The effective settings after file, environment and flags; the logger censors passwords and URL credentials.
  log.debug({ config }, 'configuration');
  const service =
    mode === 'record'
      ? await (await import('../service/record.js')).startRecording(config, flags.out ?? 'recordings', log)
      : await (await import('../service/service.js')).startService(config, mode, log);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: flushing');
    // A broker that never comes back must not keep the process forever; what was not flushed is logged.
    setTimeout(() => {
      log.error('shutdown did not finish within 30 s; exiting with unflushed data');
      process.exit(1);
    }, 30_000).unref();
    service.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  // Our reader went away (`liqstream run 2>&1 | less`, then q): flush and stop, as on a signal.
  onBrokenPipe(() => shutdown('EPIPE'));
}

/** --venues a,b: registered venue ids; an unknown one is a usage error naming it. */
async function venueList(text: string): Promise<string[]> {
  const { VENUES } = await import('../venues/registry.js');
  const ids = text.split(',').map((v) => v.trim()).filter((v) => v !== '');
  if (ids.length === 0) throw new UsageError(`--venues needs at least one venue id (known: ${VENUES.join(', ')})`);
  const unknown = ids.filter((v) => !VENUES.includes(v));
  if (unknown.length > 0) throw new UsageError(`--venues: unknown venue ${unknown.map((v) => `"${v}"`).join(', ')} (known: ${VENUES.join(', ')}; see liqstream venues)`);
  return ids;
}

/**
 * `record` writes files and never uses a bus, so it has no --kafka (given, it is an unknown option: exit 2);
 * `aggregate` runs no connectors, so it has no --venues.
 */
const serviceOptions = (cmd: Command, has: { bus: boolean; connectors: boolean }): Command => {
  if (has.bus) cmd.option('--kafka <brokers>', 'Kafka brokers, comma-separated host:port (run: instead of the embedded bus; connect and aggregate: required unless bus.kind is kafka in the config)');
  if (has.connectors) cmd.option('--venues <ids>', 'run only these venues, comma-separated ids (liqstream venues lists them; config: onlyVenues)');
  return cmd
    .option('-c, --config <file>', 'YAML config merged over the built-in defaults (liqstream config prints them)')
    .option('--metrics-host <host>', 'bind address of /metrics, /healthz, the live page and /api')
    .option('--metrics-port <port>', 'port of /metrics, /healthz, the live page and /api', (v) => String(port(v)))
    .addOption(logFormatOption());
};

const program = new Command()
  .name('liqstream')
  .version(packageVersion(), '-V, --version')
  .description('Liquidation event stream processor: live connectors, Kafka, event-time windows, Prometheus, record and replay');

serviceOptions(program.command('run').description('connectors + aggregator + metrics in one process (embedded bus unless --kafka)'), { bus: true, connectors: true }).addHelpText('after', '\nExamples:\n  $ liqstream run                                  # all venues, live page at http://127.0.0.1:9464/\n  $ liqstream run --config my.yaml --metrics-port 9500\n  $ liqstream run --kafka 127.0.0.1:9092\n  $ liqstream run --venues bybit-linear,hyperliquid').action(
  (flags: ServiceFlags) => runService('run', flags),
);
serviceOptions(program.command('connect').description('connectors → Kafka only'), { bus: true, connectors: true }).addHelpText('after', '\nExamples:\n  $ liqstream connect --kafka kafka-1:9092,kafka-2:9092\n  $ LIQSTREAM_BUS__SPILL__DIR=/var/lib/liqstream/spill liqstream connect --config prod.yaml').action((flags: ServiceFlags) => runService('connect', flags));
serviceOptions(program.command('aggregate').description('Kafka → aggregator + metrics only'), { bus: true, connectors: false }).addHelpText('after', '\nExamples:\n  $ liqstream aggregate --kafka kafka-1:9092 --metrics-host 0.0.0.0').action((flags: ServiceFlags) => runService('aggregate', flags));

serviceOptions(program.command('record').description('connectors → hourly recording files with manifests and metadata'), { bus: false, connectors: true })
  .requiredOption('--out <dir>', 'directory for the recording files')
  .addHelpText('after', '\nExamples:\n  $ liqstream record --out recordings/\n  $ liqstream record --out /data/rec --config venues.yaml   # then: liqstream replay /data/rec/*.ndjson.gz')
  .action((flags: ServiceFlags & { out: string }) => runService('record', flags));

program
  .command('replay')
  .description('replay recorded frames through the same parsers, bus and aggregator; identical report at any speed')
  .argument('<files...>', 'recording files (.ndjson or .ndjson.gz)')
  .option('--speed <speed>', '"max" or a multiple of real time (1 = as recorded)', 'max')
  .option('--report <file>', 'write the JSON report here (default: stdout)')
  .option('--report-dir <dir>', 'also write report.json, minutes.csv and a self-contained report.html')
  .option('--summary', 'print a readable summary (totals and cascade episodes) instead of the JSON report')
  .option('--openmetrics <file>', 'write the replayed series with their original timestamps (for promtool tsdb create-blocks-from openmetrics)')
  .option('--force', 'replace existing --report, --report-dir and --openmetrics files (never writing through a symbolic link)')
  .option('--kafka <brokers>', 'replay through Kafka (topics of the replay’s own) instead of the embedded bus')
  .option('--metadata <file>', 'market metadata (default: metadata.json beside the recordings, if any)')
  .option('--metrics-port <port>', 'serve /metrics (for Prometheus), the live page (/) and the API (/api) on 127.0.0.1 during the replay', (v) => String(port(v)))
  .option('--linger <seconds>', 'keep serving /metrics and the live page this long after the replay ends; the report and summary are written before (Ctrl-C ends the linger)', (v) => String(numberIn('--linger', 0, 86_400)(v)), '0')
  .option('--from <time>', 'only events at or after this event time: ISO 8601 (UTC unless a zone is given) or 13-digit ms since the epoch')
  .option('--to <time>', 'only events before this event time (as --from)')
  .option('--max-bad-share <share>', 'fail when more than this share of a file’s lines is not valid input', (v) => String(numberIn('--max-bad-share', 0, 1)(v)), '0.1')
  .option('--workers <n>', 'replay in N worker threads, each owning whole venues (--speed max, embedded bus; same report)', '1')
  .option('-c, --config <file>', 'YAML config merged over the built-in defaults (cascade, bus settings)')
  .option('--store <dir>', 'also write the events, minutes and cascades to the history store in DIR (docs/history.md)')
  .addOption(logFormatOption())
  .addOption(new Option('--format <format>', 'input format').choices([...INPUT_FORMATS]).default('recording'))
  .addHelpText(
    'after',
    '\nExamples:\n  $ liqstream replay recordings/2025-10-10T*.ndjson.gz --summary\n  $ liqstream replay day.ndjson.gz --from 2025-10-10T20:30Z --to 2025-10-10T22:00Z --report-dir out/report\n  $ liqstream replay day.ndjson.gz --speed 60 --metrics-port 9464   # watch it at http://127.0.0.1:9464/\n  $ liqstream replay 21.lz4 --format hyperliquid-node-fills --summary',
  )
  .action(async (inputs: string[], flags: {
      speed: string;
      report?: string;
      reportDir?: string;
      kafka?: string;
      format: string;
      metadata?: string;
      from?: string;
      to?: string;
      metricsPort?: string;
      linger: string;
      summary?: boolean;
      openmetrics?: string;
      force?: boolean;
      maxBadShare: string;
      workers: string;
      config?: string;
      logFormat?: LogFormat;
      store?: string;
    },) => {
    const [
      { loadConfig },
      { createLogger },
      { checkOutputs },
      { parseSpeed },
      { loadRecordingMetadata, readProgress },
      { createMetrics },
      { replay },
      { parsersFor, sourceFor },
    ] = await Promise.all([
      import('../config/load.js'),
      import('../log.js'),
      import('../report/report-files.js'),
      import('../replay/pacer.js'),
      import('../replay/recording.js'),
      import('../metrics/metrics.js'),
      import('../replay/replay.js'),
      import('../replay/sources.js'),
    ]);
    // `replay recordings/*` names record's manifests and metadata.json too: read beside the recordings, not as input.
    const { recordings: files, skipped } = (await import('../replay/manifests.js')).withoutSidecars(inputs);
    if (skipped.length > 0)
      process.stderr.write(`replay: skipping ${skipped.length} manifest/metadata file${skipped.length === 1 ? '' : 's'} among the inputs (${skipped.slice(0, 3).map((f) => basename(f)).join(', ')}${skipped.length > 3 ? ', …' : ''}): they are read beside their recordings\n`);
    if (files.length === 0) throw new UsageError('no recording among the inputs (only manifest/metadata files)');
    const config = loadConfig({ file: flags.config });
    const from = flags.from === undefined ? undefined : parseTime(flags.from);
    const to = flags.to === undefined ? undefined : parseTime(flags.to);
    if (from !== undefined && to !== undefined && from >= to)
      throw new UsageError(`--from (${new Date(from).toISOString()}) must be before --to (${new Date(to).toISOString()})`);
    const log = createLogger(process.env.LIQSTREAM_LOG_LEVEL ?? 'warn', flags.logFormat ?? config.log.format);
    const force = flags.force ?? false;
    // Before the replay, which can take minutes: an output it would refuse fails now.
    checkOutputs({ files: [flags.report, flags.openmetrics].filter((f) => f !== undefined), reportDir: flags.reportDir }, force);
    const speed = usage(() => parseSpeed(flags.speed));
    const workers = replayWorkers(flags);
    if (flags.store && workers > 1) throw new UsageError('--store cannot be combined with --workers above 1 (the store reads one aggregator)');
    const store = flags.store ? await (await import('./store-commands.js')).replayStore(flags.store, config.store, log) : undefined;
    const runId = `${Date.now()}-${process.pid}`;
    // A replay through Kafka uses topics of its own so it never mixes with live data.
    const { TopicNames } = await import('../bus/topics.js');
    const topics = flags.kafka
      ? TopicNames.parse(Object.fromEntries(Object.entries(config.bus.topics).map(([k, v]) => [k, `${v}.replay-${runId}`])))
      : config.bus.topics;
    const bus = flags.kafka
      ? await (await import('../service/create-bus.js')).createBus({ ...config.bus, kind: 'kafka', kafka: { ...config.bus.kafka, brokers: flags.kafka.split(','), clientId: `liqstream-replay-${runId}` } }, log)
      : undefined;
    const metadata = loadRecordingMetadata(files, flags.metadata, log);
    const progress = process.stderr.isTTY ? showProgress(files, readProgress) : undefined;
    const metrics = createMetrics();
    // The live page follows the replay (event time is its clock), for a day watched at --speed N.
    let live: LiveApi | undefined;
    const routes = { handle: (req: IncomingMessage, res: ServerResponse) => live?.handle(req, res) ?? false, upgrade: (...args: Parameters<LiveApi['upgrade']>) => live?.upgrade(...args) ?? false };
    const web = flags.metricsPort
      ? await Promise.all([import('../service/http-server.js'), import('../web/live-api.js'), import('../web/market-feed.js')])
      : undefined;
    const history = web && store ? await (await import('../web/history-api.js')).openHistoryApi({ ...config.store, kind: 'parquet', dir: flags.store! }, log) : undefined;
    const server = web ? await web[0].startMetricsServer(metrics.registry, { host: '127.0.0.1', port: Number(flags.metricsPort), routes, log }) : undefined;
    if (server) log.warn({ metrics: `${server.url}/metrics`, page: `${server.url}/` }, 'serving replay metrics and the live page');
    const started = performance.now();
    const { report, aggregator, workers: timings } = await replay({
      sinks:
        server || store
          ? ({ aggregator, tracker }) => [
              ...(store ? [store.sink] : []),
              ...(server
                ? [(live = web![1].liveApi({ aggregator, feed: new web![2].MarketFeed(), cascades: () => tracker.signals(), status: () => ({ mode: 'replay' }), now: () => aggregator.watermark, history }))]
                : []),
            ]
          : undefined,
      files,
      speed,
      log,
      bus,
      topics,
      metadata,
      cascade: config.cascade,
      earlyWarning: config.earlyWarning,
      limits: config.limits,
      metrics,
      source: sourceFor(flags.format as InputFormat),
      parsers: parsersFor(flags.format as InputFormat),
      from,
      to,
      maxBadShare: Number(flags.maxBadShare),
      workers: workers > 1 ? { count: workers, format: flags.format as InputFormat, logFormat: flags.logFormat ?? config.log.format } : undefined,
    })
      .catch(async (err: unknown) => {
        await store?.abort();
        throw err;
      })
      .finally(() => progress?.stop());
    // The store's last commit runs (in its own thread) while the report is written; the command fails if either does.
    const storing = store?.finish(aggregator, report.cascades);
    storing?.catch(() => {}); // awaited below, after the report
    if (timings) process.stderr.write(`${workersLine(timings, (performance.now() - started) / 1000, report.input.frames)}\n`);
    try {
      await writeReport(report, aggregator, flags, force);
    } finally {
      if (storing) process.stderr.write(`${(await import('./store-commands.js')).storedLine(await storing)}\n`);
    }
    // Results are written before the linger, so Ctrl-C while it lasts loses nothing.
    if (server) {
      await lingerUnlessInterrupted(Number(flags.linger));
      live?.close();
      await server.close();
      await history?.close();
    }
  });

program
  .command('report')
  .description('the report a replay of the same data gives (JSON, minutes.csv, HTML, summary), built from the history store for an event-time range')
  .requiredOption('--from <time>', 'first event time: ISO 8601 (UTC unless a zone is given) or 13-digit ms since the epoch')
  .requiredOption('--to <time>', 'event time to stop before (as --from)')
  .option('--store <dir>', 'the store (default: store.dir of the config)')
  .option('--report <file>', 'write the JSON report here (default: stdout)')
  .option('--report-dir <dir>', 'also write report.json, minutes.csv and a self-contained report.html')
  .option('--summary', 'print a readable summary (totals and cascade episodes) instead of the JSON report')
  .option('--force', 'replace existing --report and --report-dir files (never writing through a symbolic link)')
  .option('-c, --config <file>', 'YAML config merged over the built-in defaults (cascade settings, store)')
  .addOption(logFormatOption())
  .addHelpText('after', '\nExamples:\n  $ liqstream report --store data/store --from 2025-10-10T20:30Z --to 2025-10-10T22:00Z --summary\n  $ liqstream report --store data/store --from 2025-10-10 --to 2025-10-11 --report-dir out/report')
  .action(async (flags: ReportFlags & { from: string; to: string; store?: string; config?: string; logFormat?: LogFormat }) => {
    const from = parseTime(flags.from);
    const to = parseTime(flags.to);
    if (from >= to) throw new UsageError(`--from (${new Date(from).toISOString()}) must be before --to (${new Date(to).toISOString()})`);
    const [{ loadConfig }, { createLogger }, { checkOutputs }, { replayFromStore }] = await Promise.all([
      import('../config/load.js'),
      import('../log.js'),
      import('../report/report-files.js'),
      import('./store-commands.js'),
    ]);
    const config = loadConfig({ file: flags.config });
    const log = createLogger(process.env.LIQSTREAM_LOG_LEVEL ?? 'warn', flags.logFormat ?? config.log.format);
    const force = flags.force ?? false;
    checkOutputs({ files: [flags.report].filter((f) => f !== undefined), reportDir: flags.reportDir }, force);
    const { report, aggregator } = await replayFromStore(flags.store ?? config.store.dir, { from, to }, config, log);
    await writeReport(report, aggregator, flags, force);
  });

interface ReportFlags {
  report?: string;
  reportDir?: string;
  openmetrics?: string;
  summary?: boolean;
  force?: boolean;
}

/** The report's outputs, written the same way by `replay` and `report`: the same data gives the same bytes. */
async function writeReport(report: ReplayReport, aggregator: Aggregator, flags: ReportFlags, force: boolean): Promise<void> {
  const { writeOutputFile, writeReportDir } = await import('../report/report-files.js');
  const minutes = flags.reportDir || flags.openmetrics ? aggregator.reportMinutes() : [];
  const openInterest = aggregator.openInterestByMinute(minutes);
  if (flags.reportDir) writeReportDir(flags.reportDir, { report, minutes, openInterest, fidelity: aggregator.fidelity, adl: aggregator.adlByMinute(minutes), defi: aggregator.defiByMinute(minutes) }, { force });
  if (flags.openmetrics) writeOutputFile(flags.openmetrics, (await import('../report/openmetrics.js')).replayOpenMetrics(minutes, openInterest, aggregator.fidelity, report.cascades), force);
  const json = `${JSON.stringify(report, null, 2)}\n`;
  if (flags.report) writeOutputFile(flags.report, json, force);
  if (flags.summary) process.stdout.write((await import('../report/summary.js')).summarize(report));
  else if (!flags.report && !flags.reportDir) process.stdout.write(json);
}

program
  .command('config')
  .description('print the configuration in effect (built-in defaults ← --config file ← LIQSTREAM_ environment) as YAML; secrets masked')
  .option('-c, --config <file>', 'YAML config merged over the built-in defaults')
  .addHelpText('after', '\nExamples:\n  $ liqstream config                      # every setting and its default\n  $ liqstream config --config prod.yaml   # what prod.yaml changes, validated')
  .action(async (flags: { config?: string }) => {
    const [{ loadConfig, maskSecrets }, { stringify }] = await Promise.all([import('../config/load.js'), import('yaml')]);
    process.stdout.write(stringify(maskSecrets(loadConfig({ file: flags.config }))));
  });

program
  .command('venues')
  .description('list the venues liqstream covers, their fidelity, and their share of 10 October 2025')
  .option('--json', 'print the same as GET /api/venues')
  .action(async (flags: { json?: boolean }) => {
    const { venueCatalogue } = await import('../venues/catalogue.js');
    const { figureMark } = await import('../schema/events.js');
    const c = venueCatalogue();
    if (flags.json) return void process.stdout.write(`${JSON.stringify(c, null, 2)}\n`);
    const width = Math.max(...c.venues.map((v) => v.id.length));
    for (const v of c.venues) process.stdout.write(`${v.id.padEnd(width)}  ${v.fidelity.padEnd(9)} ${figureMark(v.fidelity) || ' '} ${v.name}  (${v.doc})\n`);
    process.stdout.write(`${c.summary}.\n`);
  });

program
  .command('simulate')
  .description('write a synthetic, calibrated recording of a historical day (seeded, deterministic)')
  .argument('<day>', 'the day to simulate: oct-10 (10 October 2025)')
  .requiredOption('--out <file>', 'recording to write (.ndjson.gz); ground truth goes to <file>.truth.json')
  .option('--seed <n>', 'random seed', (v) => String(numberIn('--seed', 0, 2 ** 32 - 1, true)(v)), '20251010')
  .option('--accounts <n>', 'liquidated accounts over the day, all venues', (v) => String(numberIn('--accounts', 1, 100_000_000, true)(v)), String(OCT10.accounts))
  .option('--from <HH:MM>', 'first minute (UTC) to simulate', '00:00')
  .option('--to <HH:MM>', 'minute (UTC) to stop before; up to 27:00 continues into 11 October', '24:00')
  .addHelpText('after', '\nExamples:\n  $ liqstream simulate oct-10 --out out/oct10.ndjson.gz\n  $ liqstream simulate oct-10 --out out/cascade.ndjson.gz --from 20:30 --to 22:30 --seed 7')
  .action(async (day: string, flags: { out: string; seed: string; accounts: string; from: string; to: string }) => {
    if (day !== 'oct-10') throw new Error(`unknown day "${day}": only oct-10 is available`);
    const minute = (hhmm: string) => {
      const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm);
      if (!m || Number(m[2]) > 59) throw new UsageError(`expected HH:MM, got "${hhmm}"`);
      return Number(m[1]) * 60 + Number(m[2]);
    };
    if (minute(flags.from) >= minute(flags.to)) throw new UsageError(`--from ${flags.from} must be before --to ${flags.to}`);
    const { writeOct10 } = await import('../simulate/write.js');
    const { truth, frames } = await writeOct10(flags.out, {
      seed: Number(flags.seed),
      accounts: Number(flags.accounts),
      fromMinute: minute(flags.from),
      toMinute: minute(flags.to),
    });
    process.stdout.write(`${flags.out}: ${frames} frames, ${truth.count} liquidations, $${(truth.usd / 1e9).toFixed(2)}B (synthetic)\n`);
  });

function logFormatOption(): Option {
  return new Option('--log-format <format>', 'logs as JSON lines or readable lines (default: readable on a terminal, JSON otherwise)').choices(['auto', 'json', 'pretty']);
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * --workers N: a whole number from 1 to twice the cores. Workers replay at full speed on the embedded bus
 * only: pacing and a broker would each need the threads to coordinate, and the live page reads windows
 * a worker keeps to itself.
 */
function replayWorkers(flags: { workers: string; speed: string; kafka?: string; metricsPort?: string }): number {
  const limit = availableParallelism() * 2;
  const n = Number(flags.workers);
  if (!/^\d+$/.test(flags.workers) || n < 1 || n > limit) throw new UsageError(`--workers must be a whole number from 1 to ${limit} (twice the cores), got "${flags.workers}"`);
  if (n === 1) return n;
  if (flags.speed !== 'max') throw new UsageError('--workers above 1 needs --speed max (pacing cannot be split across threads)');
  if (flags.kafka) throw new UsageError('--workers above 1 cannot be combined with --kafka (workers replay on the embedded bus)');
  if (flags.metricsPort) throw new UsageError('--workers above 1 cannot be combined with --metrics-port (the live page reads one aggregator)');
  return n;
}

/** Stderr line of a replay with workers: wall time, and each worker's time and events per second. */
export function workersLine(timings: { elapsedMs: number; events: number }[], wallSeconds: number, frames: number): string {
  const each = timings.map((t, i) => `#${i} ${(t.elapsedMs / 1000).toFixed(1)} s ${Math.round(t.events / Math.max(t.elapsedMs / 1000, 1e-3)).toLocaleString('en-US')} events/s`);
  return `replay: ${timings.length} workers, ${wallSeconds.toFixed(1)} s, ${Math.round(frames / Math.max(wallSeconds, 1e-3)).toLocaleString('en-US')} frames/s (${each.join('; ')}; compare --workers 1, or npm run bench with BENCH_ONLY=replay-workers)`;
}

/** Waits `seconds`, or until SIGINT/SIGTERM, which end a linger early and normally (exit 0). */
function lingerUnlessInterrupted(seconds: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    const timer = setTimeout(done, seconds * 1000);
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}

/** A wrong argument found while running a command: one line and exit 2. */
class UsageError extends Error {}

/** The value `parse` returns; what it throws is a usage error (exit 2), as a wrong flag is. */
function usage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

/** `--from`/`--to`: ISO 8601 or 13-digit milliseconds (src/schema/time-text.ts, shared with the API). */
export function parseTime(text: string): number {
  const t = readTimeText(text);
  if ('error' in t) throw new UsageError(t.error);
  return t.ms;
}

const numberIn = (what: string, min: number, max: number, integer = false) => (text: string): number => {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n)))
    throw new InvalidArgumentError(`${what} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got "${text}"`);
  return n;
};
const port = numberIn('a port', 0, 65_535, true);

/** A one-line progress display with ETA, by bytes of the input files read (terminal only). */
function showProgress(files: string[], readProgress: { bytes: number }): { stop(): void } {
  const total = files.reduce((s, f) => s + statSync(f).size, 0);
  const started = Date.now();
  const draw = () => {
    const done = Math.min(1, readProgress.bytes / Math.max(1, total));
    const elapsed = (Date.now() - started) / 1000;
    const eta = done > 0 ? (elapsed / done) * (1 - done) : NaN;
    const bar = '#'.repeat(Math.round(done * 30)).padEnd(30, '.');
    process.stderr.write(`\rreplay [${bar}] ${(done * 100).toFixed(1)}%  ETA ${Number.isFinite(eta) ? `${eta.toFixed(0)}s` : '?'}   `);
  };
  const timer = setInterval(draw, 250);
  return {
    stop: () => {
      clearInterval(timer);
      draw();
      process.stderr.write('\n');
    },
  };
}

// A closed output pipe (`| head -1`, `| less` then q) ends the process quietly (src/broken-pipe.ts).
watchOutput(process.stdout);
watchOutput(process.stderr);

registerStoreCommands(program);

// Usage errors exit 2, like config errors; commander has printed its own message by then.
program.exitOverride();
program.commands.forEach((c) => c.exitOverride());
// A node-fills replay runs again under its own heap flags (heap-flags.ts); this process then only waits for it.
const heapFlags = heapFlagsFor(process.argv, process.execArgv);
if (heapFlags !== undefined) rerunWith(heapFlags);
else program.parseAsync(process.argv).catch(async (err: unknown) => {
  if (err instanceof UsageError || err instanceof StoreUsageError) {
    process.stderr.write(`liqstream: ${err.message}\n`);
    process.exit(2);
  }
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
  const [{ ConfigError }, { redactUrlsIn }] = await Promise.all([import('../config/load.js'), import('../log.js')]);
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  // Not through the logger, so URL credentials an error message may quote are removed here.
  process.stderr.write(`liqstream: ${redactUrlsIn(err instanceof Error ? err.message : String(err))}\n`);
  process.exit(1);
});
