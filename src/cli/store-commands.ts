import { Command, Option } from 'commander';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import { INPUT_FORMATS, type InputFormat } from '../replay/formats.js';
import type { RecordingItem } from '../replay/recording.js';
import type { StoreInput } from '../replay/replay.js';
import type { Backfill } from '../sinks/store/backfill.js';
import type { FrameParser } from '../venues/venue.js';

/*
 * The history store's commands (`query`, `store import`) and the `replay --store` hook. DuckDB and
 * the store modules load inside the actions: a CLI start, or a replay without --store, does not pay
 * for them.
 */

const OUTPUT_FORMATS = ['table', 'csv', 'json', 'parquet'] as const;

async function storeConfig(file: string | undefined, dir: string | undefined): Promise<Config['store']> {
  const { loadConfig } = await import('../config/load.js');
  const config = loadConfig({ file });
  return dir === undefined ? config.store : { ...config.store, dir };
}

async function quietLogger(): Promise<Logger> {
  const { createLogger } = await import('../log.js');
  return createLogger(process.env.LIQSTREAM_LOG_LEVEL ?? 'warn', 'auto');
}

/**
 * `replay --store DIR`, `store import`: the writer, opened before the replay so a locked or unwritable
 * store fails first. A DIR given is a Parquet store; without one, the configured store (QuestDB with `store.kind: questdb`).
 */
export async function replayStore(dir: string | undefined, config: Config['store'], log: Logger): Promise<Backfill> {
  const { openBackfill } = await import('../sinks/store/backfill.js');
  return openBackfill(dir === undefined ? config : { ...config, kind: 'parquet', dir }, log);
}

/**
 * One line per table: rows received and rows new to the store (the rest were stored already); QuestDB
 * does not say which rows were new (it keeps each key once), so there it is rows it acknowledged.
 */
export function storedLine(stats: { received: Record<string, number>; written: Record<string, number>; kind?: string }): string {
  const parts = Object.keys(stats.received)
    .filter((t) => stats.received[t]! > 0)
    .map((t) => `${t} ${stats.written[t]!.toLocaleString('en-US')} ${stats.kind === 'questdb' ? 'written' : 'new'} of ${stats.received[t]!.toLocaleString('en-US')}`);
  return `stored${stats.kind === 'questdb' ? ' in QuestDB (each key kept once)' : ''}: ${parts.join(', ') || 'nothing'}`;
}

const csvCell = (v: unknown): string => {
  const s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

/** Rows as aligned text columns (numbers right-aligned). */
export function formatTable(columns: string[], rows: Record<string, unknown>[]): string {
  const cells = rows.map((r) => columns.map((c) => (r[c] === null || r[c] === undefined ? 'NULL' : typeof r[c] === 'object' ? JSON.stringify(r[c]) : String(r[c]))));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const numeric = columns.map((_, i) => cells.length > 0 && cells.every((r) => r[i] === 'NULL' || /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(r[i]!)));
  const line = (r: string[]) => r.map((v, i) => (numeric[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line), `(${rows.length} row${rows.length === 1 ? '' : 's'})`].join('\n') + '\n';
}

export function registerStoreCommands(program: Command): void {
  program
    .command('query')
    .description('run SQL over the history store (tables: liquidations, open_interest, gaps, minutes, cascades)')
    .argument('<sql>', 'one SQL statement (DuckDB dialect)')
    .option('--store <dir>', 'the store (default: store.dir of the config)')
    .addOption(new Option('--format <format>', 'output').choices([...OUTPUT_FORMATS]).default('table'))
    .option('--out <file>', 'write here instead of stdout (required for parquet)')
    .option('-c, --config <file>', 'YAML config merged over the built-in defaults (liqstream config prints them)')
    .addHelpText(
      'after',
      `\nExamples:\n  $ liqstream query --store data/store "SELECT venue, side, sum(usd) FROM liquidations WHERE base = 'ETH' AND usd > 1e6 GROUP BY ALL ORDER BY 3 DESC"\n  $ liqstream query --store data/store --format csv "SELECT * FROM minutes WHERE venue = 'all'" > minutes.csv`,
    )
    .action(async (sql: string, flags: { store?: string; format: (typeof OUTPUT_FORMATS)[number]; out?: string; config?: string }) => {
      const config = await storeConfig(flags.config, flags.store);
      if (flags.format === 'parquet' && !flags.out) throw new Error('--format parquet needs --out FILE');
      const { StoreReader } = await import('../sinks/store/reader.js');
      const reader = await StoreReader.open(config.dir, { log: await quietLogger(), threads: config.threads, memoryLimit: config.memoryLimit, timeoutMs: 24 * 3_600_000, existing: true });
      try {
        if (flags.format === 'parquet') return void (await reader.toParquet(sql, flags.out!));
        const { columns, rows } = await reader.query(sql);
        const text =
          flags.format === 'json'
            ? `${JSON.stringify(rows, null, 2)}\n`
            : flags.format === 'csv'
              ? [columns.map(csvCell).join(','), ...rows.map((r) => columns.map((c) => csvCell(r[c])).join(','))].join('\n') + '\n'
              : formatTable(columns, rows);
        if (flags.out) (await import('node:fs')).writeFileSync(flags.out, text);
        else process.stdout.write(text);
      } finally {
        reader.close();
      }
    });

  program
    .command('store')
    .description('the history store (docs/history.md)')
    .command('import')
    .description(
      'store recordings (or tardis CSV, Hyperliquid node fills), or a block range of a chain read from its RPC node (--chain), in the history store; importing the same input again adds nothing',
    )
    .argument('[files...]', 'input files (none with --chain)')
    .option('--store <dir>', 'a Parquet store (default: the configured store: store.dir, or QuestDB with store.kind questdb)')
    .addOption(new Option('--format <format>', 'input format').choices([...INPUT_FORMATS]).default('recording'))
    .option('--metadata <file>', 'market metadata (default: metadata.json beside the recordings, if any)')
    .option('--chain <chain>', "on-chain venues: import this chain's liquidations (every enabled on-chain venue on it, over the configured RPC URL)")
    .option('--from-block <n>', 'with --chain: the first block (its oracle answers are read back evm.lookbackBlocks before it)')
    .option('--to-block <n>', "with --chain: the last block (default and at most: the chain's finalized block, so no reorg can take back what is stored)")
    .option('--record <file>', 'with --chain: also write the frames read as a recording (metadata.json beside it): `liqstream replay` of it gives the same events')
    .option('-c, --config <file>', 'YAML config merged over the built-in defaults (store, cascade settings; evm and venues for --chain)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ liqstream store import --store data/store recordings/*.ndjson.gz\n  $ liqstream store import --store data/store --format tardis-liquidations binance-futures_liquidations_2025-10-10.csv.gz\n  $ liqstream store import --store data/store -c evm.yaml --chain ethereum --from-block 23540000 --to-block 23547200',
    )
    .action(async (files: string[], flags: ImportFlags) => {
      const chainOnly = (['fromBlock', 'toBlock', 'record'] as const).filter((k) => flags[k] !== undefined);
      if (flags.chain !== undefined) return importChainCommand(files, flags);
      if (chainOnly.length > 0) throw new StoreUsageError(`--from-block, --to-block and --record go with --chain`);
      if (files.length === 0) throw new StoreUsageError('nothing to import: give recordings (or --chain with --from-block)');
      const [{ loadConfig }, { replay }, { parsersFor, sourceFor }, { loadRecordingMetadata }] = await Promise.all([
        import('../config/load.js'),
        import('../replay/replay.js'),
        import('../replay/sources.js'),
        import('../replay/recording.js'),
      ]);
      const config = loadConfig({ file: flags.config });
      const log = await quietLogger();
      const store = await replayStore(flags.store, config.store, log);
      let result;
      try {
        result = await replay({
          files,
          speed: 'max',
          log,
          metadata: loadRecordingMetadata(files, flags.metadata, log),
          cascade: config.cascade,
          source: sourceFor(flags.format),
          parsers: parsersFor(flags.format),
          limits: config.limits,
          sinks: () => [store.sink],
        });
      } catch (err) {
        await store.abort();
        throw err;
      }
      const stats = await store.finish(result.aggregator, result.report.cascades);
      process.stdout.write(`${storedLine(stats)}\n`);
    });
}

/** `store import`'s options (commander's names). */
type ImportFlags = { store?: string; format: InputFormat; metadata?: string; config?: string; chain?: string; fromBlock?: string; toBlock?: string; record?: string };

/** A wrong combination or value of the command's options: printed, exit 2 (as commander's own usage errors). */
export class StoreUsageError extends Error {}

/** `store import --chain`: checks the options, imports, prints what was stored and what was refused. */
async function importChainCommand(files: string[], flags: ImportFlags) {
  if (files.length > 0) throw new StoreUsageError('give either recordings or --chain, not both');
  if (flags.format !== 'recording' || flags.metadata !== undefined) throw new StoreUsageError('--format and --metadata are for recordings, not --chain');
  if (flags.fromBlock === undefined) throw new StoreUsageError('--chain needs --from-block');
  const [{ loadConfig }, { parseBlock, ImportRangeError }, { importChainRange }] = await Promise.all([
    import('../config/load.js'),
    import('../venues/evm/rpc/range-import.js'),
    import('./chain-import.js'),
  ]);
  try {
    const from = parseBlock(flags.fromBlock, '--from-block');
    const to = flags.toBlock === undefined ? undefined : parseBlock(flags.toBlock, '--to-block');
    if (to !== undefined && from > to) throw new ImportRangeError(`--from-block ${from} is after --to-block ${to}`);
    const r = await importChainRange({
      config: loadConfig({ file: flags.config }),
      chain: flags.chain!,
      from,
      to,
      store: flags.store,
      record: flags.record,
      log: await quietLogger(),
      progress: (line) => void process.stderr.write(`${line}\n`),
    });
    process.stdout.write(
      `read ${r.venues.join(', ')} on ${flags.chain} blocks ${r.from}-${r.to}: ${r.logs.toLocaleString('en-US')} logs in ${r.frames.toLocaleString('en-US')} frames (${r.requests.toLocaleString('en-US')} requests, ${r.halvings} ranges halved${r.adopted + r.overCap > 0 ? `, ${r.adopted} contracts created in the range read${r.overCap > 0 ? `, ${r.overCap} past the cap not read` : ''}` : ''}); refused: ${r.badFrames} frames, ${r.badEntries} entries (each logged and dead-lettered)\n${storedLine(r.stored)}\n`,
    );
  } catch (err) {
    if (err instanceof ImportRangeError) throw new StoreUsageError(err.message);
    throw err;
  }
}

/**
 * `liqstream report --from --to --store DIR`: the store's events of the range, in receive-time order,
 * through the same ingest, aggregator, detection and report code as a replay of the range (so every
 * figure is computed by one code path), read as frames of one event each.
 */
export async function replayFromStore(dir: string, range: { from: number; to: number }, config: Config, log: Logger) {
  const [{ StoreReader }, { storedEvents }, { replay, SLICE_MARGIN_MS }, { NormalizedEvent }] = await Promise.all([
    import('../sinks/store/reader.js'),
    import('../sinks/store/stored-events.js'),
    import('../replay/replay.js'),
    import('../schema/events.js'),
  ]);
  const reader = await StoreReader.open(dir, { log, threads: config.store.threads, memoryLimit: config.store.memoryLimit, timeoutMs: 24 * 3_600_000, existing: true });
  const store: StoreInput = { from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString(), rows: { liquidations: 0, openInterest: 0, gaps: 0 } };
  // The most any one statement left out (each lists the range's partitions): the report says so, its figures lower bounds.
  const leftOut = (files: number) => void (store.leftOutFiles = Math.max(store.leftOutFiles ?? 0, files));
  // A row no writer of ours makes (a file copied in by hand) is a bad frame: counted in the report's input, dead-lettered.
  const parse: FrameParser = (frame) => {
    const event = NormalizedEvent.safeParse(JSON.parse(frame));
    if (event.success) return { ok: true, events: [event.data] };
    const issue = event.error.issues[0]!;
    return { ok: false, reason: `stored row is not a valid event: ${issue.path.join('.')}: ${issue.message}` };
  };
  async function* frames(): AsyncGenerator<RecordingItem> {
    for await (const { recv, event } of storedEvents(reader, range.from, range.to, range.to + SLICE_MARGIN_MS, store.rows, leftOut))
      yield { ok: true, frame: { recv, venue: event.venue, frame: JSON.stringify(event) } };
  }
  try {
    return await replay({
      files: [dir],
      speed: 'max',
      log,
      cascade: config.cascade,
      limits: config.limits,
      from: range.from,
      to: range.to,
      source: frames,
      // Every venue's frames are stored events: one parser for all.
      parsers: new Proxy({}, { get: () => parse }),
      store,
    });
  } finally {
    reader.close();
  }
}
