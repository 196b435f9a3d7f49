import type { EventAbi } from './abi.js';
import type { RpcHead, RpcLog } from './schema.js';
import { loadViem } from './viem.js';

/**
 * Logs and heads as a node sends them, ABI-encoded with viem (encodeEventTopics for the indexed arguments,
 * encodeAbiParameters for the data): what the simulator writes and tests feed the parsers. Loads viem.
 */
export interface LogPlace {
  address: string;
  block: number;
  blockHash: string;
  logIndex: number;
  txHash: string;
}

const hex = (n: number): string => `0x${n.toString(16)}`;

const selectors = new WeakMap<EventAbi, string>();

export function encodeLog(abi: EventAbi, args: Record<string, unknown>, at: LogPlace): RpcLog {
  const { encodeEventTopics, encodeAbiParameters } = loadViem();
  const nonIndexed = abi.inputs.filter((i) => !i.indexed);
  // topic0 once per event (encodeEventTopics, which hashes the signature on every call); every indexed argument is a
  // static type here, so its topic is its ABI word.
  let topic0 = selectors.get(abi);
  if (!topic0) selectors.set(abi, (topic0 = (encodeEventTopics({ abi: [abi], eventName: abi.name } as never) as string[])[0]!));
  const topics = [topic0, ...abi.inputs.filter((i) => i.indexed).map((i) => encodeAbiParameters([{ type: i.type }], [args[i.name] as never]))];
  const data = encodeAbiParameters(
    nonIndexed.map(({ indexed: _, ...param }) => param), // a tuple keeps its components
    nonIndexed.map((i) => args[i.name]),
  );
  return { address: at.address, topics, data, blockNumber: hex(at.block), blockHash: at.blockHash, transactionHash: at.txHash, logIndex: hex(at.logIndex), removed: false };
}

export const head = (number: number, hash: string, parentHash: string, timestampSeconds: number): RpcHead => ({ number: hex(number), hash, parentHash, timestamp: hex(timestampSeconds) });

/** A deterministic 32-byte hash from a label (simulated block and transaction hashes): keccak256 of its text. */
export function fakeHash(label: string): string {
  const { keccak256, stringToHex } = loadViem();
  return keccak256(stringToHex(label));
}

/** The frames a connector records (docs/notes contract): a log or head notification, an eth_getLogs response. */
export const logFrame = (chain: string, log: RpcLog): string => JSON.stringify({ chain, rpc: { jsonrpc: '2.0', method: 'eth_subscription', params: { subscription: '0x1', result: log } } });
export const headFrame = (chain: string, h: RpcHead): string => JSON.stringify({ chain, rpc: { jsonrpc: '2.0', method: 'eth_subscription', params: { subscription: '0x2', result: h } } });
export const getLogsFrame = (chain: string, logs: unknown[], id = 1): string => JSON.stringify({ chain, rpc: { jsonrpc: '2.0', id, result: logs } });
