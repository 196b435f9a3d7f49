import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compileEveryValidator, compileValidator } from '../../src/schema/validator.js';

/**
 * compileValidator defers Ajv's code generation to first use, and some refusals come only from it: this
 * file compiles every validator the modules make, so such a schema fails here rather than at a first frame.
 */
describe('every compiled validator', () => {
  it('compiles: the venue modules, the pipeline, the recording reader and the fill check', async () => {
    await import('../../src/venues/registry.js');
    await import('../../src/pipeline/consume.js');
    await import('../../src/pipeline/detection.js');
    // These two make theirs on first use.
    const { asFill } = await import('../../src/venues/hyperliquid/fill.js');
    asFill({});
    const { readRecording } = await import('../../src/replay/recording.js');
    const file = join(mkdtempSync(join(tmpdir(), 'validators-')), 'r.ndjson');
    writeFileSync(file, '{"recv":1,"venue":"okx","frame":"{}"}\n');
    for await (const item of readRecording(file)) expect(item.ok).toBe(true);
    expect(() => compileEveryValidator()).not.toThrow();
  });

  it('a schema Ajv refuses only when generating code (pattern, format, tuple) loads, and compileEveryValidator names it', () => {
    for (const [schema, refusal] of [
      [z.object({ a: z.string().regex(/^\_$/) }), /Invalid escape/],
      [z.object({ a: z.email() }), /unknown format "email"/],
      [z.tuple([z.string()]).rest(z.number()), /strict mode: "items" is 1-tuple/],
    ] as const) {
      compileValidator(schema);
      expect(() => compileEveryValidator()).toThrow(refusal);
    }
  });

  it('in a process, such a validator answers as zod does instead of throwing (it runs inside parsers); toJSONSchema refusals too', () => {
    const email = z.object({ a: z.email() });
    const byZod = compileValidator(email);
    for (const value of [{ a: 'risk@example.com' }, { a: 'not an address' }, {}, null]) expect(byZod.is(value)).toBe(email.safeParse(value).success);
    // Refused by toJSONSchema, past assertExpressible (a literal's values are not schemas): found by the tests all the same.
    const undef = z.object({ a: z.literal(undefined) });
    const literal = compileValidator(undef);
    expect(() => compileEveryValidator()).toThrow(/undefined/i);
    for (const value of [{}, { a: 1 }]) expect(literal.is(value)).toBe(undef.safeParse(value).success);
  });
});
