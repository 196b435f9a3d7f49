import { describe, expect, it } from 'vitest';
import { classify } from '../../src/venues/evm/rpc/json-rpc.js';
import { subscribeRefusal } from '../../src/venues/solana/rpc/json-rpc.js';

// What counts as a JSON-RPC error in an answer, for the EVM and Solana connections: a refused subscription drops the
// connection, so a success answer read as a refusal reconnected for ever (a review found `"error": null`).
describe('JSON-RPC answers: error or not', () => {
  it('"error": null beside a result is a success answer', () => {
    expect(classify({ jsonrpc: '2.0', id: 1, result: '0xabc', error: null })).toEqual({ kind: 'response', id: 1, result: '0xabc' });
    expect(subscribeRefusal({ jsonrpc: '2.0', id: 1, result: 7, error: null }, 100)).toBeUndefined();
  });

  it('an error of any other shape is one, its message kept where it has one', () => {
    expect(classify({ jsonrpc: '2.0', id: 2, error: { code: -32602, message: 'filter too wide' } })).toEqual({ kind: 'error', id: 2, error: { code: -32602, message: 'filter too wide' } });
    expect(classify({ jsonrpc: '2.0', id: 2, error: 'too many subscriptions' })).toEqual({ kind: 'error', id: 2, error: { code: undefined, message: 'too many subscriptions' } });
    expect(classify({ jsonrpc: '2.0', id: 2, error: 42 })).toEqual({ kind: 'error', id: 2, error: { code: undefined, message: 'error without a message' } });
    expect(subscribeRefusal({ jsonrpc: '2.0', id: 1, error: { code: -32602, message: 'Invalid params: mentions' } }, 100)).toBe('Invalid params: mentions');
    expect(subscribeRefusal({ jsonrpc: '2.0', id: 1, error: 'too many subscriptions' }, 100)).toBe('too many subscriptions');
    expect(subscribeRefusal({ jsonrpc: '2.0', id: 1, error: false }, 100)).toBe('error without a message');
    // Not a subscribe's: an id at or over the bound.
    expect(subscribeRefusal({ jsonrpc: '2.0', id: 100, error: 'x' }, 100)).toBeUndefined();
  });
});
