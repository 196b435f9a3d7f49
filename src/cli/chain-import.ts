import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { VenueId } from '../schema/events.js';
import type { BackfillStats } from '../sinks/store/backfill.js';
import type { ImportProgress } from '../venues/evm/rpc/range-import.js';
import type { VenueMetadata } from '../venues/venue.js';

/*
 * `liqstream store import --chain C --from-block N [--to-block M] [--record FILE]`: a history import of a block
 * range of one chain into the store (docs/history.md). The frames come from the node (src/venues/evm/rpc/
 * range-import.ts) and go through the same replay (parsers, duplicate filter, aggregator) and store writer as
 * `store import` of a recording: so what it stores is what a replay of those frames, or a live run, gives.
 */

export interface ChainImportOptions {
  config: Config;
  chain: string;
  from: number;
  /** Default: the chain's finalized block. */
  to?: number;
  /** A Parquet store; default the configured store. */
  store?: string;
  /** Also write the frames as a recording (metadata.json beside it), so `liqstream replay` gives the same events. */
  record?: string;
  log: Logger;
  /** Progress lines (stderr in the CLI). */
  progress?: (line: string) => void;
  /** Progress at most this often (ms), and once at the end. */
  progressEveryMs?: number;
  /** How long to wait for each node connection (default 30 s). */
  connectTimeoutMs?: number;
}

export interface ChainImportResult {
  from: number;
  to: number;
  venues: VenueId[];
  stored: BackfillStats;
  /** Frames read, frames refused whole, entries refused one by one (each logged and dead-lettered), log entries received. */
  frames: number;
  badFrames: number;
  badEntries: number;
  logs: number;
  requests: number;
  halvings: number;
  /** Contracts created in the range and read as live adopts them (factory vaults); refused past the cap (counted). */
  adopted: number;
  overCap: number;
  ms: number;
}

/**
 * metadata.json beside the recording, with ours added (`write`), or only checked: another recording's entry for one
 * of the venues must be the same, else refused (that recording's replay would change).
 */
function recordingMetadata(recording: string, venues: Record<VenueId, VenueMetadata>, write: boolean, refuse: (message: string) => Error): void {
  const file = join(dirname(recording), 'metadata.json');
  const doc: { version?: number; venues?: Record<VenueId, unknown> } = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { venues?: Record<VenueId, unknown> }) : { version: 1 };
  for (const [venue, meta] of Object.entries(venues)) {
    const there = doc.venues?.[venue];
    if (there !== undefined && JSON.stringify(there) !== JSON.stringify(meta)) throw refuse(`--record: ${file} already holds other metadata for ${venue}: record into another folder`);
  }
  if (write) writeFileSync(file, `${JSON.stringify({ ...doc, venues: { ...(doc.venues ?? {}), ...venues } }, null, 2)}\n`);
}

export async function importChainRange(o: ChainImportOptions): Promise<ChainImportResult> {
  const started = Date.now();
  const [{ planChainImport }, { RangeImport, ImportRangeError }, { replay }, { openBackfill }, { recordingWriter }] = await Promise.all([
    import('./chain-import-plan.js'),
    import('../venues/evm/rpc/range-import.js'),
    import('../replay/replay.js'),
    import('../sinks/store/backfill.js'),
    import('../replay/recording.js'),
  ]);
  const { config, chain, log } = o;
  if (o.record !== undefined) {
    if (existsSync(o.record)) throw new ImportRangeError(`--record ${o.record} exists: a recording is never replaced`);
    if (!existsSync(dirname(o.record))) throw new ImportRangeError(`--record: the folder ${dirname(o.record)} does not exist`);
  }
  const plan = await planChainImport(config, chain, log);
  const refuse = (message: string) => new ImportRangeError(message);
  if (o.record !== undefined) recordingMetadata(o.record, plan.metadata, false, refuse);
  const rangeImport = new RangeImport({ chain, venues: plan.venues, settings: config.evm, log, socketOptions: { backoff: config.connection.backoff, stableAfterMs: config.connection.stableAfterMs }, connectTimeoutMs: o.connectTimeoutMs });
  try {
    await rangeImport.open();
    const { from, to } = await rangeImport.range(o.from, o.to);
    const recorder = o.record ? recordingWriter(o.record, { exclusive: true }) : undefined;
    if (o.record) recordingMetadata(o.record, plan.metadata, true, refuse);
    // A store that cannot be opened (locked, unwritable) leaves no recording open behind it.
    const store = await openBackfill(o.store === undefined ? config.store : { ...config.store, kind: 'parquet', dir: o.store }, log).catch(async (err: unknown) => {
      await recorder?.close().catch(() => {});
      throw err;
    });
    let last = 0;
    const show = (p: ImportProgress, final = false) => {
      const now = Date.now();
      if (!o.progress || (!final && now - last < (o.progressEveryMs ?? 1_000))) return;
      last = now;
      const s = (now - started) / 1_000;
      o.progress(`${chain}: blocks ${p.done.toLocaleString('en-US')} of ${p.total.toLocaleString('en-US')} (${((100 * p.done) / Math.max(1, p.total)).toFixed(1)}%), ${p.logs.toLocaleString('en-US')} logs, ${(p.done / Math.max(s, 0.001)).toFixed(0)} blocks/s`);
    };
    async function* source() {
      for await (const frame of rangeImport.frames(from, to, show)) {
        if (recorder) await recorder.write(frame);
        yield { ok: true as const, frame };
      }
    }
    let result;
    try {
      result = await replay({
        files: [`${chain} blocks ${from}-${to}`],
        speed: 'max',
        log,
        metadata: plan.metadata,
        cascade: config.cascade,
        source,
        limits: config.limits,
        sinks: () => [store.sink],
      });
      await recorder?.close();
    } catch (err) {
      await store.abort();
      await recorder?.close().catch(() => {});
      throw err;
    }
    show(rangeImport.progress, true);
    const stored = await store.finish(result.aggregator, result.report.cascades);
    const { frames, badFrames, badEntries } = result.report.input;
    return { from, to, venues: plan.venues.map((v) => v.venue), stored, frames, badFrames, badEntries, logs: rangeImport.progress.logs, ...rangeImport.stats, adopted: rangeImport.adopted, overCap: rangeImport.overCap, ms: Date.now() - started };
  } finally {
    await rangeImport.close();
  }
}
