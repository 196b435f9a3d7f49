import { Ajv } from 'ajv';
import { z } from 'zod';

/**
 * A zod schema compiled once more, by Ajv, into a plain predicate for hot paths (every frame,
 * every bus message). zod stays the single definition: the predicate is generated from its JSON
 * Schema, and zod is still what explains a rejection. Ajv's generated check costs about a fifth
 * of `safeParse` and allocates nothing, which is what lets parsing keep pace with `JSON.parse`.
 *
 * Only schemas JSON Schema can express exactly may be compiled. `toJSONSchema` throws on some
 * unrepresentable parts but silently drops others (refinements, trim), so `assertExpressible`
 * refuses those first: a schema that cannot be compiled faithfully fails at module load rather
 * than validating differently.
 */
export interface CompiledValidator<S extends z.ZodType> {
  /** True when `safeParse` would succeed. The value is not copied: unknown keys stay. */
  is(value: unknown): value is z.output<S>;
  /** zod's account of why `value` is invalid, path by path. */
  explain(value: unknown): string;
}

/** Made at the first compile: its meta-schemas cost ≈ 10 ms, which a command that validates nothing need not pay. */
let ajv: Ajv | undefined;

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

// Refinements and overwrites (trim, toLowerCase) vanish from the JSON Schema; defaults, catches and
// transforms make `is` promise an output type that the input does not have.
const REFUSED_TYPES = new Set(['default', 'prefault', 'catch', 'transform', 'pipe', 'custom', 'lazy', 'promise', 'success']);
// What toJSONSchema cannot represent (it throws on them, unrepresentable: 'throw'): refused here at load, since
// the JSON Schema itself is made only when the validator is first used.
const UNREPRESENTABLE_TYPES = new Set(['bigint', 'symbol', 'undefined', 'void', 'date', 'map', 'set', 'nan', 'function']);
const REFUSED_CHECKS = new Set(['custom', 'overwrite']);
/** String length rules: Ajv and zod count differently (withoutLengthCounting), so only min(1), "not empty", is taken. */
const LENGTH_CHECKS = new Set(['min_length', 'max_length', 'length_equals']);

interface Def {
  type: string;
  checks?: { _zod: { def: { check: string } } }[];
  [k: string]: unknown;
}
const isSchema = (v: unknown): v is { _zod: { def: Def } } =>
  typeof v === 'object' && v !== null && '_zod' in v && typeof (v as { _zod: { def?: { type?: unknown } } })._zod.def?.type === 'string';

function assertExpressible(schema: { _zod: { def: Def } }, path: string, seen = new Set<object>()): void {
  if (seen.has(schema)) return;
  seen.add(schema);
  const def = schema._zod.def;
  if (REFUSED_TYPES.has(def.type) || UNREPRESENTABLE_TYPES.has(def.type))
    throw new Error(`compileValidator: ${path || '(root)'} is a zod ${def.type}, which JSON Schema cannot check as zod does`);
  for (const c of def.checks ?? []) {
    const check = c._zod.def as { check: string; minimum?: unknown; value?: unknown; pattern?: unknown };
    if (REFUSED_CHECKS.has(check.check)) throw new Error(`compileValidator: ${path || '(root)'} has a check that JSON Schema drops (${check.check})`);
    if (def.type === 'string' && LENGTH_CHECKS.has(check.check) && !(check.check === 'min_length' && check.minimum === 1))
      throw new Error(`compileValidator: ${path || '(root)'}: only min(1) is supported on strings`);
    // Ajv checks multipleOf by division, zod by its own rounding: they differ for a fractional divisor (0.3 of 0.1).
    if (check.check === 'multiple_of' && !Number.isInteger(check.value))
      throw new Error(`compileValidator: ${path || '(root)'}: only an integer divisor is supported in multipleOf`);
    // JSON Schema's pattern has no flags (Ajv adds `u` to all): /…/i would check a different language. A pattern
    // without `u` is read by Ajv with it, which differs only on characters outside the BMP met by `.`, `\S` or a
    // negated class: the compiled patterns (ids, hashes, addresses, market names) are ASCII classes, where both agree.
    if (check.pattern instanceof RegExp && check.pattern.flags.replace('u', '') !== '')
      throw new Error(`compileValidator: ${path || '(root)'}: a pattern with flags (/${check.pattern.source}/${check.pattern.flags}) that JSON Schema cannot state`);
  }
  // Child schemas sit in different places per type (shape, element, options, innerType, ...).
  for (const [key, value] of Object.entries(def)) {
    if (key === 'checks') continue;
    const children = isSchema(value) ? [value] : Array.isArray(value) ? value : typeof value === 'object' && value !== null ? Object.values(value) : [];
    children.forEach((child, i) => {
      if (isSchema(child)) assertExpressible(child, `${path}.${key === 'shape' ? Object.keys(value as object)[i] : key}`, seen);
    });
  }
}

/**
 * Every validator's compile step. Ajv refuses some schemas only when it generates code (a pattern the `u`
 * flag rejects, a `format` it has no checker for, a tuple strict mode refuses); deferred, that refusal would
 * surface at a first frame, inside a parser that must never throw, so the tests compile them all.
 */
const compiles: (() => unknown)[] = [];

/** Compiles every validator made so far; throws Ajv's refusals, all of them. */
export function compileEveryValidator(): void {
  const refusals: string[] = [];
  for (const compile of compiles) {
    try {
      compile();
    } catch (err) {
      refusals.push((err as Error).message);
    }
  }
  if (refusals.length > 0) throw new Error(`compileValidator: Ajv refuses ${refusals.join('; ')}`);
}

export function compileValidator<S extends z.ZodType>(schema: S): CompiledValidator<S> {
  assertExpressible(schema as unknown as { _zod: { def: Def } }, '');
  const byTag = discriminatedOptions(schema);
  if (byTag) {
    // A discriminated union compiles to JSON Schema's oneOf, which Ajv checks by trying every option (and must,
    // to see that no second one matches). The tags are disjoint, so at most the option its tag names can match:
    // checking that one alone is the same answer (the bus's NormalizedEvent: one option of five, ~2× faster).
    const [key, options] = byTag;
    return {
      is: (value: unknown): value is z.output<S> => {
        if (typeof value !== 'object' || value === null) return false;
        const option = options.get((value as Record<string, unknown>)[key]);
        return option !== undefined && option.is(value);
      },
      explain: (value: unknown) => {
        const result = schema.safeParse(value);
        return result.success ? 'valid' : describeIssues(result.error);
      },
    };
  }
  // The JSON Schema and Ajv's code generation on first use: a command that never meets a venue's frames should
  // not pay for every venue's validators at start-up (toJSONSchema alone was ≈ 12 ms of a replay's start). What
  // assertExpressible sees is refused here, at load. What it cannot see (a literal's values, a divisor zod will not
  // write, a format Ajv does not know) is refused by toJSONSchema or Ajv at the first compile: compileEveryValidator
  // finds those in the tests, and in a process such a validator answers by zod instead (the same answers, slower),
  // since `is` runs inside parsers that must never throw.
  let check: ((value: unknown) => boolean) | undefined;
  const compile = () => {
    const { $schema: _draft, ...jsonSchema } = z.toJSONSchema(schema, { io: 'input', target: 'draft-7', unrepresentable: 'throw' });
    return (ajv ??= new Ajv({ strict: true })).compile(withoutLengthCounting(jsonSchema) as object);
  };
  const compiledOrZod = (): ((value: unknown) => boolean) => {
    try {
      return compile();
    } catch {
      return (value) => schema.safeParse(value).success;
    }
  };
  // A fresh compile each time, not the cached check: a fallback another test file's `is` set must not hide a refusal.
  compiles.push(compile);
  return {
    is: (value: unknown): value is z.output<S> => (check ??= compiledOrZod())(value),
    explain: (value: unknown) => {
      const result = schema.safeParse(value);
      return result.success ? 'valid' : describeIssues(result.error);
    },
  };
}

/**
 * A zod discriminated union's options by tag value (each compiled on its own), or undefined when the schema is
 * none, or when a tag value names two options (then only the whole oneOf says what zod says).
 */
function discriminatedOptions(schema: z.ZodType): [string, Map<unknown, CompiledValidator<z.ZodType>>] | undefined {
  const def = (schema as unknown as { _zod: { def: { type: string; discriminator?: unknown; options?: z.ZodType[] } } })._zod.def;
  if (def.type !== 'union' || typeof def.discriminator !== 'string' || !def.options) return undefined;
  const key = def.discriminator;
  const options = new Map<unknown, CompiledValidator<z.ZodType>>();
  for (const option of def.options) {
    const tags = (option as unknown as { _zod: { propValues?: Record<string, Set<unknown>> } })._zod.propValues?.[key];
    if (!tags || tags.size === 0) return undefined;
    const compiled = compileValidator(option);
    for (const tag of tags) {
      if (options.has(tag)) return undefined;
      options.set(tag, compiled);
    }
  }
  return [key, options];
}

export const describeIssues = (error: z.ZodError): string =>
  error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
