import { Ajv } from 'ajv';
import { z } from 'zod';

/**
 * A zod schema compiled once more, by Ajv, into a plain predicate for hot paths (every frame,
 * every bus message). zod stays the single definition: the predicate is generated from its JSON
 * Schema, and zod is still what explains a rejection. Ajv's generated check costs about a fifth
 * of `safeParse` and allocates nothing, which is what lets parsing keep pace with `JSON.parse`.
 *
 * Only schemas JSON Schema can express exactly may be compiled: `toJSONSchema` throws on
 * transforms and other unrepresentable parts, so a schema that cannot be compiled faithfully
 * fails at module load rather than validating differently.
 */
export interface CompiledValidator<S extends z.ZodType> {
  /** True when `safeParse` would succeed. The value is not copied: unknown keys stay. */
  is(value: unknown): value is z.output<S>;
  /** zod's account of why `value` is invalid, path by path. */
  explain(value: unknown): string;
}

const ajv = new Ajv({ strict: true });

/**
 * Ajv counts string length in code points (walking the whole string), zod in UTF-16 units. The one
 * length rule our schemas use, min(1), means "not empty" in both and is checked as such; any other
 * length rule is refused rather than checked differently from zod.
 */
function withoutLengthCounting(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutLengthCounting);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = withoutLengthCounting(v);
  if (out.type === 'string' && ('minLength' in out || 'maxLength' in out)) {
    const { minLength, maxLength, ...rest } = out;
    if (maxLength !== undefined || minLength !== 1) throw new Error('compileValidator: only min(1) is supported on strings');
    return { ...rest, not: { const: '' } };
  }
  return out;
}

export function compileValidator<S extends z.ZodType>(schema: S): CompiledValidator<S> {
  const { $schema: _draft, ...jsonSchema } = z.toJSONSchema(schema, { io: 'input', target: 'draft-7', unrepresentable: 'throw' });
  const check = ajv.compile(withoutLengthCounting(jsonSchema) as object);
  return {
    is: (value: unknown): value is z.output<S> => check(value),
    explain: (value: unknown) => {
      const result = schema.safeParse(value);
      return result.success ? 'valid' : describeIssues(result.error);
    },
  };
}

export const describeIssues = (error: z.ZodError): string =>
  error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
