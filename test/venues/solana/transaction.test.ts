import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KAMINO_PROTOCOL } from '../../../src/venues/kamino/parse.js';
import { base58Decode, base58Encode } from '../../../src/venues/solana/base58.js';
import { liquidationsIn } from '../../../src/venues/solana/parser.js';
import { Transaction } from '../../../src/venues/solana/schema.js';
import { balanceChanges } from '../../../src/venues/solana/transaction.js';
import { FARTCOIN, key, sig, transactionResult, USDC, WSOL, type LiquidationSpec } from '../../support/solana-txs.js';

const U64_MAX = 2n ** 64n - 1n;
const MINTS = [WSOL, USDC, FARTCOIN];

describe('Solana transaction reading: properties', () => {
  it('base58 round-trips any bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 96 }), (b) => {
        expect([...base58Decode(base58Encode(b))!]).toEqual([...b]);
      }),
    );
  });

  it('base58 decoding of any text equals a BigInt reading of it: the bytes, or undefined outside the alphabet', () => {
    const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
    const reference = (text: string): number[] | undefined => {
      let value = 0n;
      for (const c of text) {
        const d = ALPHABET.indexOf(c);
        if (d < 0) return undefined;
        value = value * 58n + BigInt(d);
      }
      const bytes: number[] = [];
      for (; value > 0n; value >>= 8n) bytes.unshift(Number(value & 0xffn));
      return [...(/^1*/.exec(text)![0])].map(() => 0).concat(bytes);
    };
    // Mostly the alphabet (with runs of '1', the zero digit), sometimes a character outside it (0, O, I, l, é, a surrogate).
    const char = fc.oneof({ weight: 20, arbitrary: fc.constantFrom(...ALPHABET) }, { weight: 4, arbitrary: fc.constant('1') }, { weight: 1, arbitrary: fc.constantFrom('0', 'O', 'I', 'l', 'é', '\ud83d', '😀', ' ') });
    fc.assert(
      fc.property(fc.array(char, { maxLength: 120 }).map((cs) => cs.join('')), (text) => {
        const got = base58Decode(text);
        expect(got === undefined ? undefined : [...got]).toEqual(reference(text));
      }),
      { numRuns: 2_000 },
    );
  });

  it('balance changes: each account’s post − pre exactly, in base units (u64 range), opened and closed accounts counting 0 on the missing side', () => {
    const entry = fc.record({ account: fc.nat(15), mint: fc.constantFrom(...MINTS), pre: fc.option(fc.bigInt({ min: 0n, max: U64_MAX })), post: fc.option(fc.bigInt({ min: 0n, max: U64_MAX })) });
    fc.assert(
      fc.property(fc.uniqueArray(entry, { selector: (e) => e.account, maxLength: 16 }), (entries) => {
        const keys = Array.from({ length: 16 }, (_, i) => key(`acct ${i}`));
        const balance = (e: (typeof entries)[number], amount: bigint) => ({ accountIndex: e.account, mint: e.mint, owner: key('owner'), programId: 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA', uiTokenAmount: { amount: amount.toString(), decimals: 6, uiAmount: null, uiAmountString: '' } });
        const tx = Transaction.parse({
          slot: 1,
          blockTime: null,
          meta: { err: null, preTokenBalances: entries.flatMap((e) => (e.pre === null ? [] : [balance(e, e.pre)])), postTokenBalances: entries.flatMap((e) => (e.post === null ? [] : [balance(e, e.post)])), innerInstructions: [] },
          transaction: { signatures: [sig('p')], message: { accountKeys: keys.map((pubkey) => ({ pubkey })), instructions: [] } },
        });
        const got = new Map(balanceChanges(tx).map((c) => [c.account, c.delta]));
        const want = new Map(entries.filter((e) => e.pre !== null || e.post !== null).map((e) => [keys[e.account]!, (e.post ?? 0n) - (e.pre ?? 0n)]));
        expect(got).toEqual(want);
      }),
    );
  });

  it('liquidations: any amounts up to u64, v1 or v2, outer or called by a bot program, among other instructions: each read exactly, in order', () => {
    const liquidation = fc.record({
      debtMint: fc.constantFrom(...MINTS),
      collateralMint: fc.constantFrom(...MINTS),
      repaid: fc.bigInt({ min: 1n, max: U64_MAX }),
      seized: fc.bigInt({ min: 1n, max: U64_MAX }),
      protocolFee: fc.bigInt({ min: 0n, max: U64_MAX }),
      v2: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(liquidation, { minLength: 1, maxLength: 5 }), fc.boolean(), fc.array(fc.constantFrom('refresh_reserve', 'refresh_obligation', 'deposit_reserve_liquidity'), { maxLength: 3 }), (ls, viaCpi, others) => {
        const result = transactionResult({ signature: sig('prop'), slot: 5, blockTime: 1, liquidations: ls as LiquidationSpec[], viaCpi, others });
        const found = liquidationsIn(KAMINO_PROTOCOL, Transaction.parse(result));
        expect(found.map((f) => (typeof f.read === 'string' ? f.read : [f.read.collateral.mint, f.read.collateral.amount, f.read.debt.mint, f.read.debt.amount, f.read.inferred]))).toEqual(
          ls.map((l) => [l.collateralMint, l.seized, l.debtMint, l.repaid, undefined]),
        );
        expect(found.map((f) => f.name.endsWith('_v2'))).toEqual(ls.map((l) => l.v2));
      }),
    );
  });
});
