import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import { Counter } from 'prom-client';
import { createMetrics } from '../metrics/metrics.js';
import { LogLimiter } from '../pipeline/log-limiter.js';
import { processReadiness, startMetricsServer } from './http-server.js';
import { Recorder } from '../replay/recorder.js';
import type { VenueId } from '../schema/events.js';
import type { FrameParser, VenueMetadata } from '../venues/venue.js';
import { startConnectors } from './connectors.js';
import type { RunningService } from './service.js';

/** `liqstream record`: connectors → hourly recording files (+ manifests, + metadata.json). */
export async function startRecording(config: Config, dir: string, log: Logger): Promise<RunningService> {
  const metrics = createMetrics({ defaultMetrics: true });
  const unrecorded = new Counter({
    name: 'liqstream_unrecorded_frames_total',
    help: 'Frames read but not written to the recording (a failed write, e.g. a full disk); a gap in the next file records them',
    labelNames: ['venue'],
    registers: [metrics.registry],
  });
  const limiter = new LogLimiter(5, 10_000);
  const recorder = new Recorder(dir, (venue, frames, err) => {
    unrecorded.inc({ venue }, frames);
    const { log: logNow, suppressedBefore } = limiter.allow('write');
    if (logNow) log.error({ venue, dir, err: err.message, suppressedBefore }, 'recording write failed: frames are lost until it succeeds (a gap records them)');
  });
  const metadata = new Map<VenueId, VenueMetadata>();
  const sink = {
    handleFrame: (raw: Parameters<Recorder['handleFrame']>[0]) => {
      metrics.frames.add(raw.venue);
      metrics.lastFrame.set(raw.venue, raw.recv / 1000);
      return recorder.handleFrame(raw);
    },
    gap: (venue: VenueId, from: number, to: number, reason: string) => recorder.gap(venue, from, to, reason),
  };
  const connectors = await startConnectors(config, { sink, metrics, log, parsers: new Map<VenueId, FrameParser>(), metadata });
  recorder.writeMetadata(Object.fromEntries(metadata));
  const server = await startMetricsServer(metrics.registry, {
    host: config.metrics.host,
    port: config.metrics.port,
    // Recording needs no bus and no aggregator: ready while it runs; venues are in the body only.
    readiness: () => processReadiness({ mode: 'record', venues: connectors.health() }),
    log,
  });
  log.info({ mode: 'record', dir, metrics: `${server.url}/metrics` }, 'liqstream started');
  return {
    metricsUrl: server.url,
    stop: async () => {
      await connectors.stop();
      await recorder.close();
      await server.close();
    },
  };
}
