import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { AAVE_V3_POOLS } from '../../src/venues/aave-v3/plan.js';
import { CHAINS, tokenAddress } from '../../src/venues/evm/chains.js';
import { Anvil } from '../support/anvil.js';
import { CLI, runCli } from '../support/cli.js';
import { onlyVenues } from '../support/config-file.js';
import { burstData, deployEmitters, priceUpdateData } from '../support/evm-chain.js';
import { tempDir } from '../support/recording.js';

// `liqstream store import --chain` as a user runs it: the compiled CLI against a real node (anvil on 19354 playing
// Ethereum, the test emitter at Aave V3's Pool address), and its options attacked.
describe('liqstream store import --chain (history import of a block range)', () => {
  const anvil = new Anvil({ port: 19354 });
  const dir = tempDir();
  const config = join(dir, 'config.yaml');
  const noUrl = join(dir, 'no-url.yaml');
  const reference = join(dir, 'reference');
  let from = 0;
  let to = 0;
  const LIQUIDATIONS = 200 * 20;

  const query = async (sql: string, store: string) => {
    const r = await runCli(['query', '--store', store, '--format', 'json', sql]);
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as Record<string, string>[];
  };
  const ROWS = 'SELECT id, CAST(notional_usd AS VARCHAR) AS usd, epoch_ms(event_time) AS t FROM liquidations ORDER BY id';
  const importArgs = (store: string, extra: string[] = []) => ['store', 'import', '--store', store, '--config', config, '--chain', 'ethereum', '--from-block', String(from), '--to-block', String(to), ...extra];

  beforeAll(async () => {
    await anvil.start();
    const d = await deployEmitters(anvil);
    const pool = AAVE_V3_POOLS.ethereum!;
    const wbtc = tokenAddress('ethereum', 'WBTC');
    const usdc = tokenAddress('ethereum', 'USDC');
    const feedOf = (token: string) => CHAINS.ethereum!.tokens[token]!.feedProxy!;
    await anvil.rpc('anvil_setCode', [pool, await anvil.rpc<string>('eth_getCode', [d.emitter, 'latest'])]);
    for (const token of [wbtc, usdc]) await anvil.rpc('anvil_setCode', [feedOf(token), await anvil.rpc<string>('eth_getCode', [d.aggregator, 'latest'])]);
    await anvil.send({ to: feedOf(wbtc), data: priceUpdateData(6_234_567_890_123n) });
    await anvil.send({ to: feedOf(usdc), data: priceUpdateData(100_000_000n) });
    from = (await anvil.blockNumber()) + 1;
    for (let r = 0; r < 200; r++) await anvil.send({ to: pool, data: burstData({ emitter: pool, aggregator: '', collateral: wbtc, debt: usdc }, 140, r) });
    to = await anvil.blockNumber();
    await anvil.mine(70); // past anvil's finalized block (head - 64)
    const venues = onlyVenues({ 'aave-v3': { enabled: true, discover: false } });
    // Small commits, so a kill lands between commits.
    writeFileSync(config, stringify({ venues, evm: { chains: { ethereum: { url: anvil.wsUrl } } }, store: { flushRows: 300 } }));
    writeFileSync(noUrl, stringify({ venues }));
    const r = await runCli(importArgs(reference), { LIQSTREAM_LOG_LEVEL: 'error' });
    expect(r.code).toBe(0);
  }, 180_000);

  afterAll(async () => {
    await anvil.stop();
  });

  it('prints progress on stderr and what it read and stored on stdout; the store holds every liquidation once', async () => {
    const store = join(dir, 'plain');
    const r = await runCli(importArgs(store), { LIQSTREAM_LOG_LEVEL: 'error' });
    expect(r.code).toBe(0);
    const blocks = (to - from + 1).toLocaleString('en-US');
    expect(r.stderr).toMatch(new RegExp(`^ethereum: blocks ${blocks} of ${blocks} \\(100\\.0%\\), 4,00\\d logs, \\d+ blocks/s$`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^read aave-v3 on ethereum blocks ${from}-${to}: 4,00\\d logs in [\\d,]+ frames \\([\\d,]+ requests, 0 ranges halved\\); refused: 0 frames, 0 entries`, 'm'));
    expect(r.stdout).toMatch(/^stored: liquidations 4,000 new of 4,000, .*onchain 4,000 new of 4,000/m);
    const rows = await query(ROWS, store);
    expect(rows.length).toBe(LIQUIDATIONS);
    expect(rows).toEqual(await query(ROWS, reference));
  });

  it('kill -9 mid-import, then the import again: every row once, equal to an uninterrupted import', async () => {
    const killed = join(dir, 'killed');
    // Killed once its first commit is in place (small commits: store.flushRows 300).
    const child = spawn(process.execPath, [CLI, ...importArgs(killed)], { stdio: 'ignore', env: { ...process.env, LIQSTREAM_LOG_LEVEL: 'silent' } });
    const exited = new Promise((r) => child.on('exit', r));
    const committed = () => {
      try {
        return (readdirSync(killed, { recursive: true }) as string[]).some((f) => f.startsWith('table=liquidations') && f.endsWith('.parquet'));
      } catch {
        return false;
      }
    };
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && !committed()) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGKILL');
    await exited;
    const [partial] = await query('SELECT count(*) AS n FROM liquidations', killed);
    console.info(`killed after ${partial!.n} of ${LIQUIDATIONS} rows`);
    expect(Number(partial!.n)).toBeGreaterThan(0);
    expect(Number(partial!.n)).toBeLessThan(LIQUIDATIONS);
    const r = await runCli(importArgs(killed), { LIQSTREAM_LOG_LEVEL: 'error' });
    expect(r.code).toBe(0);
    expect(await query(ROWS, killed)).toEqual(await query(ROWS, reference));
    expect(readdirSync(join(killed, '_staging'))).toEqual([]);
  }, 180_000);

  it('--record: `liqstream replay --store` of the recording stores the same rows; an existing file or a missing folder is refused first', async () => {
    const rec = join(dir, 'rec');
    mkdirSync(rec);
    const file = join(rec, 'import.ndjson.gz');
    const r = await runCli(importArgs(join(dir, 'recorded'), ['--record', file]), { LIQSTREAM_LOG_LEVEL: 'error' });
    expect(r.code).toBe(0);
    const replayed = join(dir, 'replayed');
    const rp = await runCli(['replay', file, '--store', replayed, '--report', join(dir, 'report.json')], { LIQSTREAM_LOG_LEVEL: 'error' });
    expect(rp.code).toBe(0);
    expect(await query(ROWS, replayed)).toEqual(await query(ROWS, reference));
    const again = await runCli(importArgs(join(dir, 'never'), ['--record', file]));
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`--record ${file} exists: a recording is never replaced`);
    const nowhere = await runCli(importArgs(join(dir, 'never'), ['--record', join(dir, 'missing', 'x.ndjson')]));
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toContain(`--record: the folder ${join(dir, 'missing')} does not exist`);
    const other = join(dir, 'other');
    mkdirSync(other);
    writeFileSync(join(other, 'metadata.json'), JSON.stringify({ venues: { 'aave-v3': { evm: { chains: {} } } } }));
    const clash = await runCli(importArgs(join(dir, 'never'), ['--record', join(other, 'x.ndjson')]));
    expect(clash.code).toBe(2);
    expect(clash.stderr).toContain(`--record: ${join(other, 'metadata.json')} already holds other metadata for aave-v3: record into another folder`);
    expect(existsSync(join(dir, 'never'))).toBe(false);
    expect(existsSync(join(other, 'x.ndjson'))).toBe(false);
  });

  it('refuses what it cannot do, exit 2 with a message naming the problem, and writes nothing', async () => {
    const store = join(dir, 'refused');
    const cases: [string[], RegExp][] = [
      [['--chain', 'ethereum'], /--chain needs --from-block/],
      [['--chain', 'ethereum', '--from-block', '1e30'], /--from-block must be a block number \(decimal digits, 0 to 1000000000000\), not "1e30"/],
      [['--chain', 'ethereum', '--from-block', '0x10'], /--from-block must be a block number/],
      [['--chain', 'ethereum', '--from-block=-5'], /--from-block must be a block number/],
      [['--chain', 'ethereum', '--from-block', '99999999999999999999'], /--from-block must be a block number/],
      [['--chain', 'ethereum', '--from-block', '1', '--to-block', 'latest'], /--to-block must be a block number/],
      [['--chain', 'ethereum', '--from-block', '20', '--to-block', '10'], /--from-block 20 is after --to-block 10/],
      [['--chain', 'ethereum', '--from-block', '1', '--to-block', '999999999'], /--to-block 999999999 is beyond the chain's tip: ethereum is at block \d+/],
      [['--chain', 'ethereum', '--from-block', '1', '--to-block', String(to + 70)], new RegExp(`--to-block ${to + 70} is past ethereum's finalized block ${to + 6}`)],
      [['--chain', 'dogechain', '--from-block', '1'], /unknown chain dogechain: no enabled on-chain venue runs on it/],
      [['--chain', '__proto__', '--from-block', '1'], /--chain must be a chain name/],
      [['--from-block', '1'], /--from-block, --to-block and --record go with --chain/],
      [['--chain', 'ethereum', '--from-block', '1', 'some.ndjson'], /give either recordings or --chain, not both/],
      [[], /nothing to import/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(['store', 'import', '--store', store, '--config', config, ...args]);
      expect({ args, code: r.code, stderr: r.stderr }).toMatchObject({ code: 2, stderr: expect.stringMatching(message) });
    }
    const r = await runCli(['store', 'import', '--store', store, '--config', noUrl, '--chain', 'ethereum', '--from-block', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no RPC URL configured for ethereum (evm.chains.ethereum.url, or venues.<id>.chains.ethereum.url) for aave-v3');
    expect(existsSync(join(store, 'table=liquidations'))).toBe(false);
  });
});
