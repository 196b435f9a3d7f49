import { readFileSync } from 'node:fs';
import { parse as parseYaml, YAMLError } from 'yaml';
import { redactUrlsIn } from '../log.js';
import { Config } from './schema.js';

export class ConfigError extends Error {}

type Tree = Record<string, unknown>;

const isTree = (v: unknown): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v);

function merge(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isTree(v) && isTree(out[k]) ? merge(out[k] as Tree, v) : v;
  return out;
}

const SECRET_LEAF = /(password|passphrase)$/i;

/**
 * A copy of `config` with every password and passphrase replaced, and every URL stripped of its
 * credentials by the log's own rule (a venue's `url: wss://user:pass@host/?apikey=…`), for printing.
 */
export function maskSecrets<T>(config: T): T {
  const mask = (v: unknown, key = ''): unknown =>
    SECRET_LEAF.test(key) && v !== undefined
      ? '***'
      : typeof v === 'string'
        ? redactUrlsIn(v)
        : Array.isArray(v)
          ? v.map((x) => mask(x))
          : isTree(v)
            ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mask(x, k)]))
            : v;
  return mask(config) as T;
}

/** LIQSTREAM_BUS__KAFKA__BROKERS='[a:9092]' → { bus: { kafka: { brokers: ['a:9092'] } } }; values are YAML scalars. */
export function envOverrides(env: NodeJS.ProcessEnv): Tree {
  const out: Tree = {};
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('LIQSTREAM_') || raw === undefined || name === 'LIQSTREAM_LOG_LEVEL') continue;
    const path = name
      .slice('LIQSTREAM_'.length)
      .split('__')
      .map((seg) => seg.toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()));
    let node = out;
    for (const seg of path.slice(0, -1)) node = (node[seg] = isTree(node[seg]) ? node[seg] : {}) as Tree;
    const leaf = path[path.length - 1]!;
    // A secret is taken verbatim: as YAML, a password such as 0123, true or "a: b" would change type or value.
    node[leaf] = SECRET_LEAF.test(leaf) ? raw : (parseYaml(raw) as unknown);
  }
  return out;
}

/** The venue keys use dashes, which environment names cannot: LIQSTREAM_VENUES__BINANCE_USDM__ENABLED. */
function fixVenueKeys(tree: Tree): Tree {
  const venues = tree.venues;
  if (!isTree(venues)) return tree;
  const fixed: Tree = {};
  for (const [k, v] of Object.entries(venues)) fixed[k.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase()] = v;
  return { ...tree, venues: fixed };
}

function readYaml(path: string): Tree {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    if (!(err instanceof YAMLError)) throw err;
    // The parser's message quotes the line after a colon; the file, line and column lead instead.
    const at = err.linePos?.[0];
    const what = err.message.split(' at line ')[0]!.trim();
    throw new ConfigError(`config file ${path}${at ? `:${at.line}:${at.col}` : ''}: invalid YAML: ${what}`);
  }
  if (doc == null) return {};
  if (!isTree(doc)) throw new ConfigError(`config file ${path} must be a YAML mapping`);
  return doc;
}

/**
 * defaults (the schema's, stated nowhere else) ← file ← env ← flags, then validated. An invalid value
 * fails here, naming the field, e.g. `config error: metrics.port: Too big: expected number to be <=65535`.
 * `liqstream config` prints the result, defaults included.
 */
export function loadConfig(options: { file?: string; env?: NodeJS.ProcessEnv; overrides?: Tree } = {}): Config {
  let tree: Tree = options.file ? readYaml(options.file) : {};
  tree = merge(tree, fixVenueKeys(envOverrides(options.env ?? process.env)));
  if (options.overrides) tree = merge(tree, options.overrides);
  const result = Config.safeParse(tree);
  if (!result.success) {
    // An unknown key is named with its full path (bus.kafka.sasll), one line each, rather than as its parent's issue.
    const lines = result.error.issues.flatMap((i) =>
      i.code === 'unrecognized_keys'
        ? i.keys.map((k) => `${[...i.path, k].join('.')}: unknown key`)
        : [`${i.path.join('.') || '(root)'}: ${i.message}`],
    );
    throw new ConfigError(`config error: ${lines.join('; ')}`);
  }
  return result.data;
}
