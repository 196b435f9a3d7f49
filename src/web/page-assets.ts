import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerResponse } from 'node:http';

/**
 * The live page's files, served from the package itself (no CDN: the page works offline):
 * `/` is src/web/page/index.html, `/page/page.css` its style, `/page/*.js` the page's TypeScript
 * (src/web/page/*.ts) compiled by tsc to dist/page, and `/page/uPlot.*` the chart library from
 * node_modules/uplot. Only these names are served: a path is looked up, never joined from the URL.
 */

const TYPES: Record<string, string> = { html: 'text/html; charset=utf-8', css: 'text/css; charset=utf-8', js: 'text/javascript; charset=utf-8' };

/**
 * Scripts and styles from this origin only. Inline styles are allowed (share bars, the chart's own
 * layout); inline scripts are not, so markup that got into the page could not run.
 */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The package root: from src/web (tests, tsx) or dist/src/web (the built CLI), the directory with src/web/page. */
function packageRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, '../..'), join(here, '../../..')];
  return candidates.find((dir) => existsSync(join(dir, 'src/web/page/index.html'))) ?? candidates[0]!;
}

/** URL path -> file on disk, for every file the page may load. */
function assetFiles(): Map<string, string> {
  const root = packageRoot();
  const page = join(root, 'src/web/page');
  const compiled = join(root, 'dist/page');
  const uplot = dirname(createRequire(import.meta.url).resolve('uplot'));
  const files = new Map<string, string>([
    ['/', join(page, 'index.html')],
    ['/page/page.css', join(page, 'page.css')],
    ['/page/uPlot.iife.min.js', join(uplot, 'uPlot.iife.min.js')],
    ['/page/uPlot.min.css', join(uplot, 'uPlot.min.css')],
  ]);
  if (existsSync(compiled)) for (const name of readdirSync(compiled)) if (name.endsWith('.js')) files.set(`/page/${name}`, join(compiled, name));
  return files;
}

let cache: Map<string, { type: string; body: Buffer }> | undefined;

/** Loads the files once (they are a few hundred KB); a missing one is left out, so it answers 404. */
function assets(): Map<string, { type: string; body: Buffer }> {
  if (cache) return cache;
  cache = new Map();
  for (const [path, file] of assetFiles()) {
    if (!existsSync(file)) continue;
    cache.set(path, { type: TYPES[file.slice(file.lastIndexOf('.') + 1)] ?? 'application/octet-stream', body: readFileSync(file) });
  }
  return cache;
}

/** True when `path` is one of the page's files. */
export const isPageAsset = (path: string): boolean => path === '/' || path.startsWith('/page/');

/** Answers a page file; false when there is no such file (the caller answers 404). */
export function servePageAsset(path: string, res: ServerResponse): boolean {
  const asset = assets().get(path);
  if (!asset) return false;
  res.writeHead(200, {
    'content-type': asset.type,
    'content-length': asset.body.length,
    // The page follows its server's version: revalidated, not cached across an upgrade.
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    ...(path === '/' ? { 'content-security-policy': CSP } : {}),
  });
  res.end(asset.body);
  return true;
}
