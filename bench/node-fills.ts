import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compressFrameSync } from 'lz4-napi';
import { NODE_FILLS_V8_FLAGS } from '../src/cli/heap-flags.js';
import { silentLogger } from '../src/log.js';
import { readNodeFillsFile } from '../src/venues/hyperliquid/node-fills.js';
import { venueModule } from '../src/venues/registry.js';
import { fmt, peakRssMiB } from './stats.js';
import { NO_FIGURES, NODE_FILLS_TARGET_MB, type Recorder } from './targets.js';

/**
 * Hyperliquid node fills at scan speed: a `node_fills_by_block` file shaped like 10 Oct 2025 21:15-21:27
 * (shared/data/real/…cascade-aggregates: 3.24M fills in 12 minutes, of which 63,637 liquidation-flagged
 * and 34,983 ADL, so ~5% of fills carry the markers; the largest block held 11,279 liquidations and as
 * many ADL fills, > 10 MB), read and parsed by liqstream against JSON.parse of every line of the same
 * file (node) and orjson (Python), each in a fresh process with its peak RSS. BENCH_NODE_FILLS_MB sets
 * the size (default 200; the issue's figure was for 1 GB); BENCH_NODE_FILLS_ROUNDS the rounds (default 3,
 * interleaved, the fastest of each shown: the machine may be shared).
 */

const FILLS_PER_BLOCK = 400;
const MARKED_SHARE = 0.05;
/** One cascade-sized block per this many bytes of file. */
const GIANT_EVERY = 200e6;
const GIANT_FILLS = 24_000;

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const COINS = ['BTC', 'ETH', 'SOL', 'XRP', 'DOGE', 'HYPE', 'kPEPE', 'xyz:CRWV'];
const hex = (n: number, w: number) => n.toString(16).padStart(w, '0').slice(-w);

function fillText(r: () => number, n: number, time: number, marked: boolean): string {
  const user = `0x${hex(Math.floor(r() * 2 ** 32), 8).repeat(5)}`;
  const coin = COINS[Math.floor(r() * COINS.length)]!;
  const px = (100 + r() * 100_000).toFixed(1);
  const sz = (0.001 + r() * 10).toFixed(3);
  const adl = marked && r() < 0.35;
  const dir = adl ? 'Auto-Deleveraging' : marked ? 'Close Long' : r() < 0.5 ? 'Open Long' : 'Close Short';
  const liquidation = marked ? `,"liquidation":{"liquidatedUser":"${r() < 0.5 ? user : `0x${hex(n, 40)}`}","markPx":"${px}","method":"market"}` : '';
  return `["${user}",{"coin":"${coin}","px":"${px}","sz":"${sz}","side":"${r() < 0.5 ? 'A' : 'B'}","time":${time},"startPosition":"${sz}","dir":"${dir}","closedPnl":"0.0","hash":"0x${hex(n, 16).repeat(4)}","oid":${n},"crossed":true,"fee":"0.0123","tid":${n},"cloid":"0x${hex(n, 32)}"${liquidation},"feeToken":"USDC","twapId":null}]`;
}

/** Writes the plain file and its .lz4 (one LZ4 frame per ~4 MiB, concatenated, as lz4 -m would). */
export function writeNodeFillsFile(path: string, bytes: number): { blocks: number; fills: number; largestBlock: number } {
  const r = lcg(20251010);
  const plain = openSync(path, 'w');
  const lz4 = openSync(`${path}.lz4`, 'w');
  let written = 0;
  let fills = 0;
  let blocks = 0;
  let largest = 0;
  let nextGiant = Math.min(GIANT_EVERY, bytes) / 2;
  let pending: string[] = [];
  let pendingBytes = 0;
  const flush = () => {
    const buf = Buffer.from(pending.join(''));
    writeSync(plain, buf);
    writeSync(lz4, compressFrameSync(buf));
    pending = [];
    pendingBytes = 0;
  };
  const t0 = Date.UTC(2025, 9, 10, 21, 15);
  while (written < bytes) {
    const giant = written >= nextGiant;
    if (giant) nextGiant += GIANT_EVERY;
    const count = giant ? GIANT_FILLS : Math.max(1, Math.round(FILLS_PER_BLOCK * (0.5 + r())));
    const time = t0 + blocks * 70;
    const items: string[] = [];
    for (let i = 0; i < count; i++) items.push(fillText(r, fills++, time, r() < (giant ? 0.9 : MARKED_SHARE)));
    const iso = new Date(time).toISOString().slice(0, -1);
    const line = `{"local_time":"${iso}123456","block_time":"${iso}000000","block_number":${800_000_000 + blocks},"events":[${items.join(',')}]}\n`;
    blocks += 1;
    largest = Math.max(largest, line.length);
    written += line.length;
    pending.push(line);
    pendingBytes += line.length;
    if (pendingBytes >= 4 << 20) flush();
  }
  flush();
  closeSync(plain);
  closeSync(lz4);
  return { blocks, fills, largestBlock: largest };
}

/**
 * What every contender computes, so that none is timed doing less: the fills liqstream counts (an ADL fill,
 * or the liquidated account's own fill: fill.ts's isCountedFill) and the sum of their px × sz, in file order.
 */
interface Figure {
  seconds: number;
  events: number;
  usd: number;
  rssMiB: number;
}

const ADL = 'Auto-Deleveraging';

/** Child process: one way of reading `file`; prints seconds, the count and sum, and peak RSS as JSON. */
async function measure(mode: string, file: string): Promise<void> {
  const t0 = performance.now();
  let events = 0;
  let usd = 0;
  if (mode === 'json') {
    for await (const line of readNodeFillsFile(file)) {
      const block = JSON.parse(line) as { events: [string, { dir: string; px: string; sz: string; liquidation?: { liquidatedUser: string } }][] };
      for (const [user, f] of block.events)
        if (f.dir === ADL || (f.liquidation !== undefined && f.liquidation.liquidatedUser.toLowerCase() === user.toLowerCase())) {
          events += 1;
          usd += Number(f.px) * Number(f.sz);
        }
    }
  } else {
    const parse = venueModule('hyperliquid').parser({}, { log: silentLogger() });
    for await (const line of readNodeFillsFile(file)) {
      const r = parse(line, 0);
      if (!r.ok) throw new Error(r.reason);
      for (const e of r.events)
        if (e.type === 'liquidation') {
          events += 1;
          usd += e.notionalUsd;
        }
    }
  }
  const figure: Figure = { seconds: (performance.now() - t0) / 1000, events, usd, rssMiB: peakRssMiB() };
  process.stdout.write(JSON.stringify(figure));
}

const ORJSON = `
import orjson, re, resource, sys, time
t0 = time.perf_counter()
events = 0
usd = 0.0
with open(sys.argv[1], 'rb') as f:
    for line in f:
        for user, fill in orjson.loads(line)['events']:
            liq = fill.get('liquidation')
            if fill['dir'] == 'Auto-Deleveraging' or (liq is not None and liq['liquidatedUser'].lower() == user.lower()):
                events += 1
                usd += float(fill['px']) * float(fill['sz'])
try:
    rss = int(re.search(r'VmHWM:\\s*(\\d+) kB', open('/proc/self/status').read()).group(1)) / 1024
except Exception:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print('{"seconds": %f, "events": %d, "usd": %r, "rssMiB": %f}' % (time.perf_counter() - t0, events, usd, rss))
`;

/** BENCH_NODE_FILLS_MB: one size or several, comma-separated (default 200 and 1,000 MB: memory must not grow with the file). */
export const nodeFillsSizes = (): number[] => (process.env.BENCH_NODE_FILLS_MB ?? '200,1000').split(',').map(Number);

export function benchNodeFills(out: (line: string) => void, figures: Recorder = NO_FIGURES, sizes = nodeFillsSizes()): void {
  for (const mb of NODE_FILLS_TARGET_MB)
    if (!sizes.includes(mb)) for (const k of ['json', 'orjson', 'rss']) figures.without(`node-fills:${mb}:${k}`, `BENCH_NODE_FILLS_MB=${sizes.join(',')} leaves this size out`);
  for (const mb of sizes) benchNodeFillsOf(out, mb, figures);
}

function benchNodeFillsOf(out: (line: string) => void, mb: number, figures: Recorder): void {
  const dir = mkdtempSync(join(tmpdir(), 'liqstream-bench-node-fills-'));
  try {
    const file = join(dir, '21');
    const shape = writeNodeFillsFile(file, mb * 1e6);
    const size = statSync(file).size;
    out(
      `hyperliquid node fills: ${fmt(size / 1e6)} MB (${fmt(statSync(`${file}.lz4`).size / 1e6)} MB .lz4), ${fmt(shape.blocks)} blocks, ${fmt(shape.fills)} fills, ~${MARKED_SHARE * 100}% marked, largest block ${fmt(shape.largestBlock / 1e6, 1)} MB; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`,
    );
    const self = fileURLToPath(import.meta.url);
    // Each under the V8 flags its command runs with: `liqstream replay --format hyperliquid-node-fills` takes
    // NODE_FILLS_V8_FLAGS (src/cli/heap-flags.ts); JSON.parse keeps the CLI's default (by CPU seconds it is
    // no faster under the node-fills flags).
    const run = (mode: string, path: string, flags: readonly string[] = ['--max-semi-space-size=64']): Figure =>
      JSON.parse(execFileSync(process.execPath, [...flags, self, mode, path], { encoding: 'utf8' })) as Figure;
    const orjson = (): Figure | undefined => {
      const py = spawnSync('python3', ['-c', ORJSON, file], { encoding: 'utf8' });
      return py.status === 0 ? (JSON.parse(py.stdout) as Figure) : undefined;
    };
    const ways: [string, () => Figure | undefined][] = [
      ['node: lines + JSON.parse + sum', () => run('json', file)],
      ['python: lines + orjson.loads + sum', orjson],
      ['liqstream (plain)', () => run('liqstream', file, NODE_FILLS_V8_FLAGS)],
      ['liqstream (.lz4)', () => run('liqstream', `${file}.lz4`, NODE_FILLS_V8_FLAGS)],
    ];
    // Every round's time per contender: the median is reported (the host is shared; rounds interleave).
    const all = new Map<string, Figure[]>();
    for (let round = 0; round < Number(process.env.BENCH_NODE_FILLS_ROUNDS ?? 3); round++)
      for (const [name, way] of ways) {
        const f = way();
        if (f) all.set(name, [...(all.get(name) ?? []), f]);
      }
    const median = (fs: Figure[] | undefined): Figure | undefined => fs && [...fs].sort((a, b) => a.seconds - b.seconds)[Math.floor((fs.length - 1) / 2)];
    const json = median(all.get(ways[0]![0]))!;
    const sum = (f: Figure) => `${fmt(f.events)} / $${f.usd.toFixed(2)}`;
    out('  (one core, fresh process each, median of interleaved rounds)   s   MB/s   × JSON.parse   × orjson   peak RSS MiB (max)   liquidations / USD');
    const py = median(all.get(ways[1]![0]));
    const differs: string[] = [];
    for (const [name] of ways) {
      const f = median(all.get(name));
      if (!f) {
        out(`  ${name.padEnd(36)} skipped (python3 with orjson not found)`);
        continue;
      }
      const maxRss = Math.max(...all.get(name)!.map((x) => x.rssMiB));
      const same = f.events === json.events && f.usd.toFixed(2) === json.usd.toFixed(2) ? 'same' : 'DIFFERS';
      if (same === 'DIFFERS') differs.push(name);
      out(
        `  ${name.padEnd(36)} ${fmt(f.seconds, 2).padStart(6)} ${fmt(size / 1e6 / f.seconds).padStart(6)} ${fmt(json.seconds / f.seconds, 2).padStart(14)} ${(py ? fmt(py.seconds / f.seconds, 2) : '—').padStart(10)} ${fmt(maxRss).padStart(20)}   ${sum(f)} (${same})`,
      );
    }
    out('');
    const plain = median(all.get(ways[2]![0]))!;
    const lz4 = median(all.get(ways[3]![0]))!;
    const broken = differs.length > 0 ? { broken: `sums differ: ${differs.join(', ')}` } : {};
    const control = `node \`JSON.parse\` + sum ${fmt(json.seconds, 2)} s (${fmt(size / 1e6 / json.seconds)} MB/s)`;
    figures.record(`node-fills:${mb}:json`, { value: json.seconds / plain.seconds, note: `${fmt(size / 1e6 / plain.seconds)} MB/s; .lz4 ${fmt(json.seconds / lz4.seconds, 2)}×`, control, ...broken });
    if (py) figures.record(`node-fills:${mb}:orjson`, { value: py.seconds / plain.seconds, note: `orjson ${fmt(py.seconds, 2)} s; .lz4 ${fmt(py.seconds / lz4.seconds, 2)}×`, control, ...broken });
    else figures.without(`node-fills:${mb}:orjson`, 'python3 with orjson not found');
    const peak = (name: string) => Math.max(...all.get(name)!.map((x) => x.rssMiB));
    const [plainRss, lz4Rss] = [peak(ways[2]![0]), peak(ways[3]![0])];
    figures.record(`node-fills:${mb}:rss`, { value: (Math.max(plainRss, lz4Rss) * 2 ** 20) / 1e6, note: `plain ${fmt(plainRss)} MiB, .lz4 ${fmt(lz4Rss)} MiB, the most of any round` });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2]) {
  measure(process.argv[2], process.argv[3]!).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
