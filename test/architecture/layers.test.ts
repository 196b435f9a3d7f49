import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// The structure's rules, checked on the code as it is (docs/architecture.md, "Layers"):
// state is pure (no metrics library in aggregate/ or cascade/), outputs are sinks, and only the app
// layer (cli/, service/) reads the configuration. A rule broken here is a design decision to revisit,
// not a test to loosen.
const root = join(import.meta.dirname, '../..');
const src = join(root, 'src');
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));

interface Import {
  spec: string;
  /** The repository path it resolves to, for relative imports. */
  target?: string;
  typeOnly: boolean;
}
function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const out: Import[] = [];
  for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+'([^']+)'/gm)) out.push(imp(file, m[3]!, !!m[2]));
  for (const m of text.matchAll(/import\('([^']+)'\)/g)) out.push(imp(file, m[1]!, false));
  return out;
}
function imp(file: string, spec: string, typeOnly: boolean): Import {
  const target = spec.startsWith('.') ? relative(root, resolve(dirname(file), spec)).replace(/\.js$/, '.ts') : undefined;
  return { spec, target, typeOnly };
}
const graph = new Map(files(src).map((f) => [relative(root, f), importsOf(f)]));
const under = (path: string, ...folders: string[]) => folders.some((f) => path.startsWith(`src/${f}/`));

describe('layers', () => {
  it('the finds are real: the scan sees the imports it checks', () => {
    expect(graph.get('src/service/service.ts')!.some((i) => i.target === 'src/config/schema.ts')).toBe(true);
    expect(graph.get('src/sinks/prometheus/aggregator-metrics.ts')!.some((i) => i.spec === 'prom-client')).toBe(true);
  });

  it('state holds no metrics: nothing in aggregate/ or cascade/ imports prom-client or src/metrics', () => {
    const offenders = [...graph]
      .filter(([path]) => under(path, 'aggregate', 'cascade'))
      .flatMap(([path, imports]) => imports.filter((i) => i.spec === 'prom-client' || i.target?.startsWith('src/metrics/')).map((i) => `${path} -> ${i.spec}`));
    expect(offenders).toEqual([]);
  });

  it('only the app layer (cli/, service/) imports the configuration', () => {
    const offenders = [...graph]
      .filter(([path]) => !under(path, 'cli', 'service', 'config'))
      .flatMap(([path, imports]) => imports.filter((i) => i.target?.startsWith('src/config/')).map((i) => `${path} -> ${i.spec}`));
    expect(offenders).toEqual([]);
  });

  it('no import circle among runtime imports', () => {
    const edges = new Map([...graph].map(([path, imports]) => [path, imports.filter((i) => !i.typeOnly && i.target && graph.has(i.target)).map((i) => i.target!)]));
    const circles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (node: string): void => {
      state.set(node, 'open');
      stack.push(node);
      for (const next of edges.get(node) ?? []) {
        if (state.get(next) === 'open') circles.push([...stack.slice(stack.indexOf(next)), next].join(' -> '));
        else if (!state.has(next)) visit(next);
      }
      stack.pop();
      state.set(node, 'done');
    };
    for (const node of edges.keys()) if (!state.has(node)) visit(node);
    expect(circles).toEqual([]);
  });
});
