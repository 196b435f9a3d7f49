import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importChainRange } from '../../../src/cli/chain-import.js';
import { loadConfig } from '../../../src/config/load.js';
import { StoreReader } from '../../../src/sinks/store/reader.js';
import { EULER_FACTORY } from '../../../src/venues/euler-v2/plan.js';
import { CHAINS, tokenAddress } from '../../../src/venues/evm/chains.js';
import { Anvil, type Receipt } from '../../support/anvil.js';
import { onlyVenues } from '../../support/config-file.js';
import { contractCall as call, deployContract } from '../../support/evm-chain.js';
import { freePort } from '../../support/free-port.js';
import { tempDir } from '../../support/recording.js';

// The history import reads a finished range without subscriptions (requests-only mode). A vault its factory
// creates inside the range is adopted by a live connection (asked its calls, watched, read back from its creation
// block): the import must do the same, or the vault's liquidations are silently left out of the store.
const WETH = tokenAddress('ethereum', 'WETH');
const WBTC = tokenAddress('ethereum', 'WBTC');
const USDC = tokenAddress('ethereum', 'USDC');
const PRICE: Record<string, bigint> = { [WETH]: 400_000_000_000n, [WBTC]: 6_000_000_000_000n, [USDC]: 100_000_000n };

describe('history import: vaults created over the look-back and inside the range (Euler factory), without start-up discovery', () => {
  let anvil: Anvil;
  const euler = EULER_FACTORY.ethereum!;
  let from = 0;
  let to = 0;
  const created = (r: Receipt) => `0x${r.logs[0]!.topics[1]!.slice(26)}`;
  // Euler only, no start-up discovery (no httpUrl): what the import finds, it finds itself.
  const configFor = (evm: Record<string, number>) =>
    loadConfig({
      env: {},
      overrides: {
        connection: { backoff: { initialMs: 20, maxMs: 200 } },
        venues: onlyVenues({ 'euler-v2': { enabled: true, discover: false } }),
        evm: { chains: { ethereum: { url: anvil.wsUrl } }, lookbackBlocks: 1_000, ...evm },
      },
    });

  beforeAll(async () => {
    anvil = await new Anvil({ port: await freePort() }).start();
    const deploy = (name: string, args: unknown[] = []) => deployContract(anvil, name, args);
    const code = async (a: string) => anvil.rpc<string>('eth_getCode', [a, 'latest']);
    await anvil.rpc('anvil_setCode', [euler, await code(await deploy('MockEulerFactory'))]);
    const aggregator = await code(await deploy('MockAggregator', [8, 1n]));
    for (const [token, price] of Object.entries(PRICE)) {
      const feed = CHAINS.ethereum!.tokens[token]!.feedProxy!;
      await anvil.rpc('anvil_setCode', [feed, aggregator]);
      await anvil.send({ to: feed, data: call('MockAggregator', 'update', [price]) });
    }
    // The collateral vault is created before the range (within the look-back), the liability vault inside it.
    const collateral = created(await anvil.send({ to: euler, data: call('MockEulerFactory', 'createProxy', [WBTC, 2n * 10n ** 18n]) }));
    await anvil.mine(10);
    from = (await anvil.blockNumber()) + 1;
    const liability = created(await anvil.send({ to: euler, data: call('MockEulerFactory', 'createProxy', [USDC, 10n ** 18n]) }));
    // Liquidated at once (the next block), and again 100 blocks later (a later window of the import).
    await anvil.send({ to: liability, data: call('MockEVault', 'liquidate', ['0x0000000000000000000000000000000000001234', collateral, 120_000_000_000n, 100_000_000n]) });
    await anvil.mine(100);
    await anvil.send({ to: liability, data: call('MockEVault', 'liquidate', ['0x0000000000000000000000000000000000001234', collateral, 60_000_000_000n, 50_000_000n]) });
    to = await anvil.blockNumber();
    await anvil.mine(70); // anvil's finalized block is its head - 64
  }, 120_000);

  afterAll(async () => {
    await anvil?.stop();
  });

  it('stores the liquidations of vaults created before (look-back) and in the range, valued at the share rate, as live adopts them', async () => {
    const config = configFor({ requestTimeoutMs: 10_000 });
    const store = tempDir();
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: 'warn' }, { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) });
    const r = await importChainRange({ config, chain: 'ethereum', from, to, store, log });
    // Older vaults would need start-up discovery: said at start.
    expect(lines.map((l) => [l.venue, l.msg])).toEqual([['euler-v2', 'no start-up discovery (discover with venues.euler-v2.chains.ethereum.httpUrl): contracts created before the look-back are not imported']]);
    expect(r.badEntries).toBe(0);
    expect([r.adopted, r.overCap]).toEqual([2, 0]);
    const reader = await StoreReader.open(store, { existing: true });
    try {
      const q = await reader.query("SELECT symbol, qty, notional_usd FROM liquidations WHERE venue = 'euler-v2' ORDER BY qty DESC");
      // 1e8 and 5e7 shares at 2 WBTC a share: 2 and 1 WBTC at $60,000.
      expect(q.rows.map((x) => [String(x.symbol), Number(x.qty), Number(x.notional_usd)])).toEqual([
        ['WBTC/USDC', 2, 120_000],
        ['WBTC/USDC', 1, 60_000],
      ]);
    } finally {
      reader.close();
    }
  }, 120_000);

  it('a node that freezes mid-range (SIGSTOP): the import fails in bounded time naming the step, keeps what it stored; thawed, a rerun stores every row once', async () => {
    const config = configFor({ requestTimeoutMs: 500, pingIntervalMs: 200, silenceTimeoutMs: 1_000, maxRangeBlocks: 50 });
    const store = tempDir();
    const log = pino({ level: 'silent' });
    let windows = 0;
    const started = Date.now();
    try {
      await expect(
        importChainRange({ config, chain: 'ethereum', from, to, store, log, connectTimeoutMs: 2_000, progressEveryMs: 0, progress: () => void (++windows === 1 && anvil.freeze()) }),
      ).rejects.toThrow(/could not be read|cannot reach/);
    } finally {
      anvil.thaw();
    }
    expect(Date.now() - started).toBeLessThan(30_000);
    const count = async () => {
      const reader = await StoreReader.open(store, { existing: true });
      try {
        return Number((await reader.query("SELECT count(*) AS n FROM liquidations WHERE venue = 'euler-v2'")).rows[0]!.n);
      } finally {
        reader.close();
      }
    };
    expect(await count()).toBe(1); // the first window's liquidation, committed
    const r = await importChainRange({ config, chain: 'ethereum', from, to, store, log });
    expect(r.stored.written.liquidations ?? 0).toBe(1);
    expect(await count()).toBe(2);
  }, 120_000);
});
