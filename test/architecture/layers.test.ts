import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import madge from 'madge';
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
/**
 * Import circles among runtime imports (static and dynamic; `import type` erases at build), by madge,
 * the tool the issue names. The graph is returned too, so a scan that silently saw nothing fails.
 */
async function circles(dir: string): Promise<{ graph: Record<string, string[]>; circles: string[][] }> {
  const result = await madge(dir, { fileExtensions: ['ts'], tsConfig: join(root, 'tsconfig.json'), detectiveOptions: { ts: { skipTypeImports: true } } });
  return { graph: result.obj(), circles: result.circular() };
}
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

  it('no import circle among runtime imports (madge)', async () => {
    const found = await circles(src);
    // The scan sees the graph it checks: every file, and an edge made by a dynamic import.
    expect(Object.keys(found.graph)).toHaveLength(graph.size);
    expect(found.graph['cli/main.ts']).toContain('cli/store-commands.ts');
    expect(found.circles).toEqual([]);
  });

  it('the circle check finds a circle, and ignores one made of type-only imports', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'liqstream-circle-'));
    try {
      writeFileSync(join(dir, 'a.ts'), "import { b } from './b.js';\nimport type { D } from './d.js';\nexport const a = (): number => b + 1;\nexport type A = D;\n");
      writeFileSync(join(dir, 'b.ts'), "export const b = 1;\nexport const c = async () => (await import('./c.js')).c;\n");
      writeFileSync(join(dir, 'c.ts'), "import { a } from './a.js';\nexport const c = a();\n");
      writeFileSync(join(dir, 'd.ts'), "import type { A } from './a.js';\nexport type D = A | number;\n");
      expect((await circles(dir)).circles).toEqual([['a.ts', 'b.ts', 'c.ts']]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
