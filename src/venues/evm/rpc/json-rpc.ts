/**
 * JSON-RPC messages of an EVM node as the connector reads them (pure; never throws). What the parser reads is
 * the frame, not this: this only tells the connector what each message means for its own state (which request
 * it answers, the heads it must track).
 */

export interface BlockHeader {
  number: number;
  hash: string;
  parentHash: string;
}

export interface RpcError {
  code: number | undefined;
  message: string;
}

export type RpcMessage =
  | { kind: 'response'; id: number; result: unknown }
  | { kind: 'error'; id: number | undefined; error: RpcError }
  | { kind: 'head'; header: BlockHeader }
  | { kind: 'log'; blockNumber: number }
  | { kind: 'other' };

const HEX_QUANTITY = /^0x[0-9a-fA-F]{1,16}$/;
const HASH = /^0x[0-9a-fA-F]{64}$/;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A hex quantity as a safe integer (block numbers), or undefined. */
export function quantity(v: unknown): number | undefined {
  if (typeof v !== 'string' || !HEX_QUANTITY.test(v)) return undefined;
  const n = Number.parseInt(v.slice(2), 16);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** A block object (newHeads result, eth_getBlockByNumber result) as a header, or undefined. */
export function blockHeader(v: unknown): BlockHeader | undefined {
  if (!isRecord(v)) return undefined;
  const number = quantity(v.number);
  const { hash, parentHash } = v;
  if (number === undefined || typeof hash !== 'string' || !HASH.test(hash) || typeof parentHash !== 'string' || !HASH.test(parentHash)) return undefined;
  return { number, hash: hash.toLowerCase(), parentHash: parentHash.toLowerCase() };
}

/** `json` (the message already parsed) as what it means to the connector. */
export function classify(json: unknown): RpcMessage {
  if (!isRecord(json)) return { kind: 'other' };
  const id = typeof json.id === 'number' && Number.isSafeInteger(json.id) ? json.id : undefined;
  // `"error": null` beside a result is no error (some servers write both members).
  if (json.error !== undefined && json.error !== null) {
    const e = isRecord(json.error) ? json.error : {};
    const message = typeof e.message === 'string' ? e.message.slice(0, 500) : typeof json.error === 'string' ? json.error.slice(0, 500) : 'error without a message';
    return { kind: 'error', id, error: { code: typeof e.code === 'number' ? e.code : undefined, message } };
  }
  if (id !== undefined && 'result' in json) return { kind: 'response', id, result: json.result };
  if (json.method === 'eth_subscription' && isRecord(json.params)) {
    const result = json.params.result;
    const header = blockHeader(result);
    if (header) return { kind: 'head', header };
    const blockNumber = isRecord(result) ? quantity(result.blockNumber) : undefined;
    if (blockNumber !== undefined) return { kind: 'log', blockNumber };
  }
  return { kind: 'other' };
}

/**
 * The frame the venue records for one received message: `{"rpc":<message>,"chain":"<chain>"}`, the message's text
 * exactly as received when it is JSON. `chain` comes last on purpose: JSON.parse keeps the last of duplicate keys,
 * so no message text can name another chain. Text that is not JSON travels as a JSON string (the frame stays one
 * object naming its chain; every parser rejects a string `rpc`, so it is counted and dead-lettered).
 */
export function rpcFrame(chain: string, text: string, isJson: boolean, call?: { to: string; data: string }): string {
  // `call`: the eth_call this message answers (docs/venues/evm.md), written by the connector, before `chain`.
  const asked = call ? `,"call":${JSON.stringify({ to: call.to, data: call.data })}` : '';
  return `{"rpc":${isJson ? text : JSON.stringify(text)}${asked},"chain":${JSON.stringify(chain)}}`;
}

/** The request text: ids are numbers the connector matches responses by. */
export const request = (id: number, method: string, params: unknown[]): string => JSON.stringify({ jsonrpc: '2.0', id, method, params });

export const toHex = (n: number): string => `0x${n.toString(16)}`;

/** topic0 of Chainlink's AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt). */
export const ANSWER_UPDATED_TOPIC = '0x0559884fd3a460db3073b7fc896cc77986f16e378210ded43186175bf646fc5f';
