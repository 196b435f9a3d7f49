#!/usr/bin/env -S node --max-semi-space-size=64
import { readFileSync, statSync } from 'node:fs';
import { Command, Option } from 'commander';
import { createBus } from '../bus/create-bus.js';
import { TopicNames } from '../bus/topics.js';
import { ConfigError, loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { createLogger, redactUrlsIn } from '../log.js';
import { parseSpeed } from '../replay/pacer.js';
import { createMetrics } from '../metrics/metrics.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { startMetricsServer } from '../metrics/server.js';
import { liveApi, type LiveApi } from '../web/live-api.js';
import { MarketFeed } from '../web/market-feed.js';
import { loadRecordingMetadata, readProgress } from '../replay/recording.js';
import { replay } from '../replay/replay.js';
import { INPUT_FORMATS, parsersFor, sourceFor, type InputFormat } from '../replay/sources.js';
import { checkOutputs, writeOutputFile, writeReportDir } from '../report/report-files.js';
import { replayOpenMetrics } from '../report/openmetrics.js';
import { summarize } from '../report/summary.js';
import { startRecording } from '../service/record.js';
import { OCT10 } from '../simulate/oct10-profile.js';
import { writeOct10 } from '../simulate/write.js';
import { startService, type ServiceMode } from '../service/service.js';

interface ServiceFlags {
  config?: string;
  kafka?: string;
  metricsHost?: string;
  metricsPort?: string;
}

function configFrom(flags: ServiceFlags): Config {
  const overrides: Record<string, unknown> = {};
  if (flags.kafka) overrides.bus = { kind: 'kafka', kafka: { brokers: flags.kafka.split(',') } };
  if (flags.metricsHost || flags.metricsPort)
    overrides.metrics = {
      ...(flags.metricsHost ? { host: flags.metricsHost } : {}),
      ...(flags.metricsPort ? { port: Number(flags.metricsPort) } : {}),
    };
  return loadConfig({ file: flags.config, overrides });
}

async function runService(mode: ServiceMode | 'record', flags: ServiceFlags & { out?: string }): Promise<void> {
  const config = configFrom(flags);
  if ((mode === 'connect' || mode === 'aggregate') && config.bus.kind !== 'kafka')
    throw new ConfigError(`config error: bus.kind: "${mode}" needs Kafka (--kafka host:port)`);
  const log = createLogger(process.env.LIQSTREAM_LOG_LEVEL ?? config.log.level);
  // The effective settings after file, environment and flags; the logger censors passwords and URL credentials.
  log.debug({ config }, 'configuration');
  const service = mode === 'record' ? await startRecording(config, flags.out ?? 'recordings', log) : await startService(config, mode, log);
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
}

const serviceOptions = (cmd: Command): Command =>
  cmd
    .option('-c, --config <file>', 'YAML config merged over config/default.yaml')
    .option('--kafka <brokers>', 'use Kafka (comma-separated host:port) instead of the embedded bus')
    .option('--metrics-host <host>', 'bind address of /metrics and /healthz')
    .option('--metrics-port <port>', 'port of /metrics and /healthz');

const program = new Command()
  .name('liqstream')
  .version(packageVersion(), '-V, --version')
  .description('Liquidation event stream processor: live connectors, Kafka, event-time windows, Prometheus, record and replay');

serviceOptions(program.command('run').description('connectors + aggregator + metrics in one process (embedded bus unless --kafka)')).action(
  (flags: ServiceFlags) => runService('run', flags),
);
serviceOptions(program.command('connect').description('connectors → Kafka only')).action((flags: ServiceFlags) => runService('connect', flags));
serviceOptions(program.command('aggregate').description('Kafka → aggregator + metrics only')).action((flags: ServiceFlags) => runService('aggregate', flags));

serviceOptions(program.command('record').description('connectors → hourly recording files with manifests and metadata'))
  .requiredOption('--out <dir>', 'directory for the recording files')
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
  .option('--metrics-port <port>', 'serve /metrics (for Prometheus), the live page (/) and the API (/api) on 127.0.0.1 during the replay')
  .option('--linger <seconds>', 'keep serving /metrics this long after the replay ends', '0')
  .option('--from <time>', 'only events at or after this event time (ISO 8601 or ms since epoch)')
  .option('--to <time>', 'only events before this event time (ISO 8601 or ms since epoch)')
  .addOption(new Option('--format <format>', 'input format').choices([...INPUT_FORMATS]).default('recording'))
  .action(async (files: string[], flags: {
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
    },) => {
    const config = loadConfig();
    const log = createLogger(process.env.LIQSTREAM_LOG_LEVEL ?? 'warn');
    const force = flags.force ?? false;
    // Before the replay, which can take minutes: an output it would refuse fails now.
    checkOutputs({ files: [flags.report, flags.openmetrics].filter((f) => f !== undefined), reportDir: flags.reportDir }, force);
    const speed = parseSpeed(flags.speed);
    const runId = `${Date.now()}-${process.pid}`;
    // A replay through Kafka uses topics of its own so it never mixes with live data.
    const topics = flags.kafka
      ? TopicNames.parse(Object.fromEntries(Object.entries(config.bus.topics).map(([k, v]) => [k, `${v}.replay-${runId}`])))
      : config.bus.topics;
    const bus = flags.kafka
      ? await createBus({ ...config.bus, kind: 'kafka', kafka: { ...config.bus.kafka, brokers: flags.kafka.split(','), clientId: `liqstream-replay-${runId}` } }, log)
      : undefined;
    const metadata = loadRecordingMetadata(files, flags.metadata);
    const progress = process.stderr.isTTY ? showProgress(files) : undefined;
    const metrics = createMetrics();
    // The live page follows the replay (event time is its clock), for a day watched at --speed N.
    let live: LiveApi | undefined;
    const routes = { handle: (req: IncomingMessage, res: ServerResponse) => live?.handle(req, res) ?? false, upgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => live?.upgrade(req, socket, head) ?? false };
    const server = flags.metricsPort ? await startMetricsServer(metrics.registry, { host: '127.0.0.1', port: Number(flags.metricsPort), routes }) : undefined;
    if (server) log.warn({ metrics: `${server.url}/metrics`, page: `${server.url}/` }, 'serving replay metrics and the live page');
    const { report, aggregator } = await replay({
      onAggregation: server
        ? (a) =>
            (live = liveApi({ aggregator: a.aggregator, feed: new MarketFeed(), cascades: () => a.tracker.signals, status: () => ({ mode: 'replay' }), now: () => a.aggregator.watermark }))
        : undefined,
      onEvent: server ? (event) => live?.onEvent(event) : undefined,
      files,
      speed,
      log,
      bus,
      topics,
      metadata,
      cascade: config.cascade,
      metrics,
      source: sourceFor(flags.format as InputFormat),
      parsers: parsersFor(flags.format as InputFormat),
      from: flags.from === undefined ? undefined : parseTime(flags.from),
      to: flags.to === undefined ? undefined : parseTime(flags.to),
    }).finally(() => progress?.stop());
    if (server) {
      await new Promise((r) => setTimeout(r, Number(flags.linger) * 1000));
      live?.close();
      await server.close();
    }
    const minutes = flags.reportDir || flags.openmetrics ? aggregator.minutes.range() : [];
    const openInterest = aggregator.openInterestByMinute(minutes);
    if (flags.reportDir) writeReportDir(flags.reportDir, { report, minutes, openInterest, fidelity: aggregator.fidelity }, { force });
    if (flags.openmetrics) writeOutputFile(flags.openmetrics, replayOpenMetrics(minutes, openInterest, aggregator.fidelity, report.cascades), force);
    const json = `${JSON.stringify(report, null, 2)}\n`;
    if (flags.report) writeOutputFile(flags.report, json, force);
    if (flags.summary) process.stdout.write(summarize(report));
    else if (!flags.report && !flags.reportDir) process.stdout.write(json);
  });

program
  .command('simulate')
  .description('write a synthetic, calibrated recording of a historical day (seeded, deterministic)')
  .argument('<day>', 'the day to simulate: oct-10 (10 October 2025)')
  .requiredOption('--out <file>', 'recording to write (.ndjson.gz); ground truth goes to <file>.truth.json')
  .option('--seed <n>', 'random seed', '20251010')
  .option('--accounts <n>', 'liquidated accounts over the day, all venues', String(OCT10.accounts))
  .option('--from <HH:MM>', 'first minute (UTC) to simulate', '00:00')
  .option('--to <HH:MM>', 'minute (UTC) to stop before', '24:00')
  .action(async (day: string, flags: { out: string; seed: string; accounts: string; from: string; to: string }) => {
    if (day !== 'oct-10') throw new Error(`unknown day "${day}": only oct-10 is available`);
    const minute = (hhmm: string) => {
      const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm);
      if (!m) throw new Error(`expected HH:MM, got "${hhmm}"`);
      return Number(m[1]) * 60 + Number(m[2]);
    };
    const { truth, frames } = await writeOct10(flags.out, {
      seed: Number(flags.seed),
      accounts: Number(flags.accounts),
      fromMinute: minute(flags.from),
      toMinute: minute(flags.to),
    });
    process.stdout.write(`${flags.out}: ${frames} frames, ${truth.count} liquidations, $${(truth.usd / 1e9).toFixed(2)}B (synthetic)\n`);
  });

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function parseTime(text: string): number {
  const t = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(t)) throw new Error(`not a time: "${text}" (use ISO 8601 or ms since epoch)`);
  return t;
}

/** A one-line progress display with ETA, by bytes of the input files read (terminal only). */
function showProgress(files: string[]): { stop(): void } {
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

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  // Not through the logger, so URL credentials an error message may quote are removed here.
  process.stderr.write(`liqstream: ${redactUrlsIn(err instanceof Error ? err.message : String(err))}\n`);
  process.exit(1);
});
