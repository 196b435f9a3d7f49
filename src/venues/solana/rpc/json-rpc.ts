import type { SolanaCall } from '../schema.js';

/**
 * The frame the venue records for one received message: `{"rpc":<message>,"call":<request>,"chain":"<chain>"}`, the
 * message's text exactly as received when it is JSON (else as a JSON string, which every parser rejects). `call`
 * (what an HTTP answer answers) is written by the connection; `chain` last, so no message text can name another
 * chain (JSON.parse keeps the last of duplicate keys).
 */
export function solanaFrame(chain: string, text: string, isJson: boolean, call?: SolanaCall, accounts?: { text: string; isJson: boolean; call: { method: 'getMultipleAccounts'; accounts: string[] } }): string {
  const asked = call ? `,"call":${JSON.stringify(call)}` : '';
  // A liquidation's transaction carries the answer of its price accounts (docs/venues/solana.md).
  const priced = accounts ? `,"accounts":{"rpc":${accounts.isJson ? accounts.text : JSON.stringify(accounts.text)},"call":${JSON.stringify(accounts.call)}}` : '';
  return `{"rpc":${isJson ? text : JSON.stringify(text)}${asked}${priced},"chain":${JSON.stringify(chain)}}`;
}

/** `text` parsed, or `isJson: false` (a message that is not JSON is still recorded: the parser refuses and counts it). */
export function readJson(text: string): { json: unknown; isJson: boolean } {
  try {
    return { json: JSON.parse(text) as unknown, isJson: true };
  } catch {
    return { json: undefined, isJson: false };
  }
}

export const request = (id: number, method: string, params: unknown[]): string => JSON.stringify({ jsonrpc: '2.0', id, method, params });

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A logsNotification's signature, whether the transaction failed, and its log lines; undefined for any other message. */
export function logsNotice(json: unknown): { signature: string; failed: boolean; logs: string[]; slot: number | undefined } | undefined {
  if (!isRecord(json) || json.method !== 'logsNotification' || !isRecord(json.params) || !isRecord(json.params.result)) return undefined;
  const { context, value } = json.params.result;
  if (!isRecord(value) || typeof value.signature !== 'string' || value.signature.length > 88) return undefined;
  const logs = Array.isArray(value.logs) ? value.logs.filter((l): l is string => typeof l === 'string') : [];
  const slot = isRecord(context) && typeof context.slot === 'number' ? context.slot : undefined;
  return { signature: value.signature, failed: value.err !== null && value.err !== undefined, logs, slot };
}

/** A JSON-RPC error's message, when `json` is one answering a request with an id below `below` (a subscribe refusal). */
export function subscribeRefusal(json: unknown, below: number): string | undefined {
  // Any error but `null` (beside a result, some servers write `"error": null`): an object's message, a string, or none.
  if (!isRecord(json) || json.error === undefined || json.error === null || typeof json.id !== 'number' || json.id >= below) return undefined;
  const { error } = json;
  if (isRecord(error) && typeof error.message === 'string') return error.message.slice(0, 500);
  return typeof error === 'string' ? error.slice(0, 500) : 'error without a message';
}
