import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import { createMetrics } from '../metrics/metrics.js';
import { processReadiness, startMetricsServer } from './http-server.js';
import { Recorder } from '../replay/recorder.js';
import type { VenueId } from '../schema/events.js';
import type { FrameParser, VenueMetadata } from '../venues/venue.js';
import { startConnectors } from './connectors.js';
import type { RunningService } from './service.js';

/** `liqstream record`: connectors → hourly recording files (+ manifests, + metadata.json). */
export async function startRecording(config: Config, dir: string, log: Logger): Promise<RunningService> {
  const metrics = createMetrics({ defaultMetrics: true });
  const recorder = new Recorder(dir);
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
