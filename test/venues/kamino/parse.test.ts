import { describe, expect, it } from 'vitest';
import { KAMINO_PROTOCOL, LIQUIDATION_DISCRIMINATORS, RESERVE_DISCRIMINATOR } from '../../../src/venues/kamino/parse.js';
import { KLEND_PROGRAM_ID } from '../../../src/venues/kamino/plan.js';
import { base58Decode, base58Encode, isAddress, isSignature } from '../../../src/venues/solana/base58.js';
import { solanaParser } from '../../../src/venues/solana/parser.js';
import type { LiquidationEvent, NormalizedEvent } from '../../../src/schema/events.js';
import { accountsAnswer, FARTCOIN, frame, reserveOf, sig, transactionResult, txFrame, USDC, WSOL, type PricedAccount, type TxSpec } from '../../support/solana-txs.js';

const parser = () => solanaParser('kamino', KAMINO_PROTOCOL, ['solana']);
const prices = (slot: number): PricedAccount[] => [
  { address: reserveOf(WSOL).reserve, mint: WSOL, usd: 182.25, slot },
  { address: reserveOf(USDC).reserve, mint: USDC, usd: 1, slot },
  { address: reserveOf(FARTCOIN).reserve, mint: FARTCOIN, usd: 0.75, slot },
];
const liquidations = (events: NormalizedEvent[] | undefined) => (events ?? []).filter((e): e is LiquidationEvent => e.type === 'liquidation');

describe('KLend facts', () => {
  it('the program id is KLend2g3… (klend lib.rs declare_id!, mainnet), a 32-byte address', () => {
    expect(KLEND_PROGRAM_ID).toBe('KLend2g3cP87fffoy8q1mQqGKjrxjC8boSyAYavgmjD');
    expect(isAddress(KLEND_PROGRAM_ID)).toBe(true);
  });

  it('the liquidation discriminators are the bytes of Kamino’s IDL-generated SDK (klend-sdk instructions/*.ts DISCRIMINATOR)', () => {
    // klend-sdk src/@codegen/klend/instructions/liquidateObligationAndRedeemReserveCollateral(V2).ts
    const sdk = {
      liquidate_obligation_and_redeem_reserve_collateral: [177, 71, 154, 188, 226, 133, 74, 55],
      liquidate_obligation_and_redeem_reserve_collateral_v2: [162, 161, 35, 143, 30, 187, 185, 103],
    };
    expect(Object.fromEntries([...LIQUIDATION_DISCRIMINATORS].map(([hex, name]) => [name, [...Buffer.from(hex, 'hex')]]))).toEqual(sdk);
    // klend-sdk src/@codegen/klend/accounts/Reserve.ts discriminator
    expect([...Buffer.from(RESERVE_DISCRIMINATOR, 'hex')]).toEqual([43, 242, 204, 202, 26, 247, 59, 127]);
  });

  it('base58 round-trips, keeps leading zero bytes, and refuses what is not base58', () => {
    expect(base58Encode(new Uint8Array(32))).toBe('11111111111111111111111111111111');
    expect([...base58Decode('11111111111111111111111111111111')!]).toEqual(new Array(32).fill(0));
    // The wrapped SOL mint is 0x069b8857feab8184fb687f634618c035dac439dc1aeb3b5598a0f00000000001.
    expect(Buffer.from(base58Decode(WSOL)!).toString('hex')).toBe('069b8857feab8184fb687f634618c035dac439dc1aeb3b5598a0f00000000001');
    expect(base58Decode('0OIl')).toBeUndefined();
    expect(base58Decode('1'.repeat(5_000))).toBeUndefined();
    expect(isSignature(sig('x'))).toBe(true);
    expect(isSignature(KLEND_PROGRAM_ID)).toBe(false);
  });
});

describe('the Kamino parser', () => {
  const tx: TxSpec = {
    signature: sig('one'),
    slot: 370_000_000,
    blockTime: 1_760_120_000,
    others: ['refresh_reserve', 'refresh_reserve', 'refresh_obligation'],
    liquidations: [{ debtMint: USDC, collateralMint: WSOL, repaid: 12_345_678_901n, seized: 71_234_567_891n, protocolFee: 1_000_000n }],
  };

  it('a liquidation: exact amounts from its own transfers, USD at the reserves’ prices of its slot, every onchain field', () => {
    const p = parser();
    const r = p(txFrame(tx, prices(tx.slot)), 2);
    expect(r.ok && r.rejected).toBeFalsy();
    const [e] = liquidations(r.ok ? r.events : undefined);
    expect(e).toEqual({
      type: 'liquidation',
      id: `kamino:solana:${tx.signature}:3`,
      venue: 'kamino',
      symbol: 'WSOL/USDC',
      base: 'SOL',
      side: 'long',
      price: 182.25,
      qty: 71.234567891,
      notionalUsd: 71.234567891 * 182.25,
      eventTime: 1_760_120_000_000,
      receiveTime: 2,
      fidelity: 'complete',
      kind: 'liquidation',
      source: 'kamino:liquidate_obligation_and_redeem_reserve_collateral',
      onchain: {
        chain: 'solana',
        txHash: tx.signature,
        logIndex: 3,
        blockNumber: tx.slot,
        collateralAsset: 'WSOL',
        collateralToken: WSOL,
        collateralAmount: 71.234567891,
        collateralUsd: 71.234567891 * 182.25,
        debtAsset: 'USDC',
        debtToken: USDC,
        debtAmount: 12_345.678901,
        debtUsd: 12_345.678901,
        provisional: true,
      },
    });
  });

  it('a price refreshed after the liquidation’s slot values it ≈ (onchain.inferred), a later getSlot makes new events final', () => {
    const p = parser();
    p(frame({ jsonrpc: '2.0', id: 7, result: tx.slot + 100 }, { method: 'getSlot', commitment: 'finalized' }), 1);
    const [e] = liquidations((p(txFrame(tx, prices(tx.slot + 5)), 2) as { events: NormalizedEvent[] }).events);
    expect(e!.onchain!.inferred).toEqual(['collateral', 'debt']);
    expect(e!.onchain!.provisional).toBe(false);
  });

  it('several liquidations in one transaction (v1 and v2, called by a bot program) each count once; a replayed answer adds none', () => {
    const p = parser();
    const two: TxSpec = {
      ...tx,
      signature: sig('two'),
      viaCpi: true,
      liquidations: [
        { debtMint: USDC, collateralMint: FARTCOIN, repaid: 2_000_000n, seized: 2_800_000n },
        { debtMint: USDC, collateralMint: WSOL, repaid: 5_000_000n, seized: 29_000_000n, v2: true },
      ],
    };
    const events = liquidations((p(txFrame(two, prices(tx.slot)), 2) as { events: NormalizedEvent[] }).events);
    expect(events.map((e) => [e.symbol, e.qty, e.onchain!.debtAmount, e.source.endsWith('_v2')])).toEqual([
      ['FARTCOIN/USDC', 2.8, 2, false],
      ['WSOL/USDC', 0.029, 5, true],
    ]);
    expect(new Set(events.map((e) => e.id)).size).toBe(2);
    expect(p(txFrame(two, prices(tx.slot)), 3)).toEqual({ ok: true, events: [] });
  });

  it('a transaction with KLend instructions but no liquidation gives nothing; a failed one gives nothing', () => {
    const p = parser();
    expect(p(txFrame({ ...tx, liquidations: [] }, prices(tx.slot)), 2)).toEqual({ ok: true, events: [] });
    expect(p(txFrame({ ...tx, err: { InstructionError: [3, { Custom: 6016 }] } }, prices(tx.slot)), 2)).toEqual({ ok: true, events: [] });
  });

  it('without a price for its reserve, or with a reserve of another mint, the liquidation is refused, entry by entry', () => {
    const p = parser();
    const mixed: TxSpec = {
      ...tx,
      liquidations: [
        { debtMint: USDC, collateralMint: WSOL, repaid: 1n, seized: 1n },
        { debtMint: USDC, collateralMint: FARTCOIN, repaid: 1n, seized: 1n },
      ],
    };
    const r = p(txFrame(mixed, [{ address: reserveOf(USDC).reserve, mint: USDC, usd: 1, slot: tx.slot }, { address: reserveOf(FARTCOIN).reserve, mint: WSOL, usd: 1, slot: tx.slot }]), 2);
    expect(r.ok && r.events).toEqual([]);
    expect(r.ok && r.rejected!.map((x) => x.reason)).toEqual([
      expect.stringContaining(`no price for collateral account ${reserveOf(WSOL).reserve}`),
      expect.stringContaining(`prices ${WSOL}, not ${FARTCOIN}`),
    ]);
  });

  it('a node without inner instructions: the liquidator’s balance changes, labelled ≈ on both sides', () => {
    const p = parser();
    const result = transactionResult(tx) as { meta: Record<string, unknown> };
    result.meta.innerInstructions = null;
    const [e] = liquidations((p(frame({ jsonrpc: '2.0', id: 1, result }, { method: 'getTransaction', signature: tx.signature }, 'solana', accountsAnswer(prices(tx.slot), tx.slot)), 2) as { events: NormalizedEvent[] }).events);
    // Net of the protocol fee the liquidator paid back: what its account gained.
    expect([e!.onchain!.collateralAmount, e!.onchain!.debtAmount, e!.onchain!.inferred]).toEqual([71.233567891, 12_345.678901, ['collateral', 'debt']]);
  });

  it('retracts a provisional liquidation its finalized slot does not know, once; a finalized one is kept', () => {
    const p = parser();
    const other = { ...tx, signature: sig('kept') };
    p(txFrame(tx, prices(tx.slot)), 2);
    p(txFrame(other, prices(tx.slot)), 2);
    p(frame({ jsonrpc: '2.0', id: 8, result: tx.slot + 40 }, { method: 'getSlot', commitment: 'finalized' }), 3);
    const statuses = frame(
      { jsonrpc: '2.0', id: 9, result: { context: { slot: tx.slot + 41 }, value: [null, { slot: tx.slot, confirmations: null, err: null, confirmationStatus: 'finalized', status: { Ok: null } }] } },
      { method: 'getSignatureStatuses', signatures: [tx.signature, other.signature] },
    );
    const r = p(statuses, 4);
    expect(r.ok && r.events.map((e) => [e.type, e.type === 'retraction' ? e.id : ''])).toEqual([['retraction', `kamino:solana:${tx.signature}:3`]]);
    expect(p(statuses, 5)).toEqual({ ok: true, events: [] });
  });

  it('hostile frames are refused with a reason, never thrown', () => {
    const p = parser();
    const bad = [
      'not json',
      '[]',
      '{"rpc":{},"chain":"ethereum"}',
      frame({ jsonrpc: '2.0', id: 1, error: { code: -32005, message: 'rate limited' } }),
      frame({ jsonrpc: '2.0', id: 1, result: { slot: 'x' } }, { method: 'getTransaction', signature: tx.signature }),
      frame({ jsonrpc: '2.0', id: 1, result: transactionResult(tx) }, { method: 'getTransaction', signature: tx.signature }, 'solana', { rpc: { jsonrpc: '2.0', id: 1, result: { context: { slot: 1 }, value: [{ owner: KLEND_PROGRAM_ID, data: ['AAAA', 'base64'] }] } }, call: { method: 'getMultipleAccounts', accounts: [reserveOf(WSOL).reserve] } }),
      frame({ jsonrpc: '2.0', id: 1, result: transactionResult(tx) }, { method: 'getTransaction', signature: tx.signature }, 'solana', { rpc: { jsonrpc: '2.0', id: 1, error: { code: -32016, message: 'Minimum context slot has not been reached' } }, call: { method: 'getMultipleAccounts', accounts: [reserveOf(WSOL).reserve] } }),
      txFrame(tx, prices(tx.slot).map((p) => ({ ...p, mint: USDC }))),
      frame({ jsonrpc: '2.0', id: 1, result: 'x' }, { method: 'getSlot', commitment: 'finalized' }),
      frame({ method: 'somethingElse', params: {} }),
      frame({ jsonrpc: '2.0', id: 1, result: { ...transactionResult(tx), transaction: { signatures: [], message: {} } } }, { method: 'getTransaction', signature: tx.signature }),
    ];
    for (const f of bad) {
      const r = p(f, 1);
      expect(!r.ok || (r.rejected?.length ?? 0) > 0, f.slice(0, 80)).toBe(true);
    }
  });
});
