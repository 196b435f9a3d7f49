import { pino } from 'pino';
import { encodeDeployData, encodeFunctionData } from 'viem';
import { redactingOptions } from '../../src/log.js';
import type { ManagedSocketHooks } from '../../src/connection/managed-socket.js';
import { EvmChainConnection, type ChainWatch } from '../../src/venues/evm/rpc/chain-connection.js';
import { EvmSettings } from '../../src/venues/evm/rpc/settings.js';
import { loadArtifacts } from '../fixtures/evm/compile.js';
import type { Anvil, RpcLog } from './anvil.js';

/** The test contracts deployed on a node: the liquidation emitter, one mock aggregator, two tokens. */
export interface Deployed {
  emitter: string;
  aggregator: string;
  collateral: string;
  debt: string;
}

const artifacts = loadArtifacts();
const abi = (name: string) => artifacts[name]!.abi as never;

/** The calldata of `functionName(args)` on the test contract `name` (test/fixtures/evm). */
export const contractCall = (name: string, functionName: string, args: unknown[] = []): string => encodeFunctionData({ abi: abi(name), functionName, args } as never);

/** Deploys the test contract `name` with its constructor `args`; its address. */
export const deployContract = (anvil: Anvil, name: string, args: unknown[] = []): Promise<string> =>
  anvil.deploy(encodeDeployData({ abi: abi(name), bytecode: artifacts[name]!.bytecode, args } as never));

export async function deployEmitters(anvil: Anvil): Promise<Deployed> {
  const deploy = (name: string, args: unknown[] = []) => deployContract(anvil, name, args);
  const emitter = await deploy('LiquidationEmitter');
  const aggregator = await deploy('MockAggregator', [8, 6_000_000_000_000n]);
  const collateral = await deploy('MockToken', ['WBTC', 8]);
  const debt = await deploy('MockToken', ['USDC', 6]);
  return { emitter, aggregator, collateral, debt };
}

/** The calldata of `burst(n, seed, collateral, debt)`: n liquidations of the seven kinds in one transaction. */
export const burstData = (d: Deployed, n: number, seed: number): string =>
  contractCall('LiquidationEmitter', 'burst', [BigInt(n), BigInt(seed), d.collateral, d.debt]);

export const priceUpdateData = (answer: bigint): string => contractCall('MockAggregator', 'update', [answer]);

/** What a connection handed on: every frame, every gap, and the log lines. */
export class Capture {
  readonly frames: { frame: string; recv: number }[] = [];
  readonly gaps: { from: number; to: number; reason: string }[] = [];
  readonly lines: Record<string, unknown>[] = [];
  ups = 0;
  reconnects = 0;
  readonly log = pino({ level: 'debug', ...redactingOptions }, { write: (line: string) => void this.lines.push(JSON.parse(line) as Record<string, unknown>) });
  readonly hooks: ManagedSocketHooks = {
    onFrame: (frame, recv) => void this.frames.push({ frame, recv }),
    onGap: (from, to, reason) => void this.gaps.push({ from, to, reason }),
    onUp: (up) => void (up && (this.ups += 1)),
    onReconnect: () => void (this.reconnects += 1),
    onSubscribeError: () => {},
  };

  /** The messages as the parser reads them (frames that are not JSON are skipped here). */
  messages(): { rpc: Record<string, unknown>; chain: string }[] {
    return this.frames.flatMap(({ frame }) => {
      try {
        return [JSON.parse(frame) as { rpc: Record<string, unknown>; chain: string }];
      } catch {
        return [];
      }
    });
  }

  /** Every log the frames carry: from subscription notifications and eth_getLogs answers, with where each came from. */
  logs(): { log: RpcLog; via: 'subscription' | 'getLogs' }[] {
    const out: { log: RpcLog; via: 'subscription' | 'getLogs' }[] = [];
    for (const { rpc } of this.messages()) {
      const params = rpc.params as { result?: Record<string, unknown> } | undefined;
      if (rpc.method === 'eth_subscription' && params?.result && 'logIndex' in params.result) out.push({ log: params.result as unknown as RpcLog, via: 'subscription' });
      else if (Array.isArray(rpc.result)) for (const log of rpc.result as RpcLog[]) out.push({ log, via: 'getLogs' });
    }
    return out;
  }

  /** Block hashes recorded as heads (newHeads) or header answers (eth_getBlockByNumber), by number (the last one seen). */
  heads(): Map<number, string> {
    const out = new Map<number, string>();
    for (const { rpc } of this.messages()) {
      const params = rpc.params as { result?: Record<string, unknown> } | undefined;
      const block = (rpc.method === 'eth_subscription' ? params?.result : rpc.result) as Record<string, unknown> | undefined;
      if (block && typeof block === 'object' && 'parentHash' in block) out.set(Number(block.number), block.hash as string);
    }
    return out;
  }
}

export const logKey = (l: RpcLog): string => `${l.blockHash.toLowerCase()}:${Number(l.logIndex)}`;

/** Settings for tests: short timeouts, so an outage and a frozen node are noticed in about a second. */
export const testSettings = (url: string, overrides: Partial<EvmSettings> = {}): EvmSettings =>
  EvmSettings.parse({ chains: { anvil: { url } }, pingIntervalMs: 250, silenceTimeoutMs: 2_000, requestTimeoutMs: 5_000, lookbackBlocks: 1_000, ...overrides });

export function openConnection(url: string, watch: ChainWatch, capture: Capture, overrides: Partial<EvmSettings> = {}): EvmChainConnection {
  const connection = new EvmChainConnection('test-evm', watch, url, testSettings(url, overrides), capture.hooks, capture.log, {
    backoff: { initialMs: 50, maxMs: 300 },
    stableAfterMs: 1_000,
  });
  connection.start();
  return connection;
}
