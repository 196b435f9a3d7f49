import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = new URL('../../src', import.meta.url).pathname;
/** The one module allowed to construct WebSockets (it attaches their 'error' listeners first). */
const GUARD = 'connection/guarded-socket.ts';
/** The live page's browser script: its `new WebSocket` runs in the reader's browser, not in Node. */
const BROWSER = 'web/page/app.ts';

const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));

/** Names a file binds to values of the `ws` package (type-only imports bind nothing at run time). */
function wsValueBindings(text: string): string[] {
  const names: string[] = [];
  for (const m of text.matchAll(/import\s+(type\s+)?([^;]*?)\s+from\s+['"]ws['"]/g)) {
    if (m[1]) continue;
    const clause = m[2]!;
    const def = /^([A-Za-z_$][\w$]*)/.exec(clause);
    if (def) names.push(def[1]!);
    const ns = /\*\s+as\s+([A-Za-z_$][\w$]*)/.exec(clause);
    if (ns) names.push(ns[1]!);
    for (const spec of /\{([^}]*)\}/.exec(clause)?.[1]?.split(',') ?? []) {
      const s = spec.trim();
      if (!s || s.startsWith('type ')) continue;
      names.push(/\bas\s+([\w$]+)$/.exec(s)?.[1] ?? s);
    }
  }
  for (const m of text.matchAll(/(?:const|let|var)\s+([^=]+?)\s*=\s*(?:await\s+import|require)\(\s*['"]ws['"]\s*\)/g)) names.push(...m[1]!.replace(/[{}]/g, '').split(/[,:\s]+/).filter(Boolean));
  return names;
}

/** Every way a file outside the guard creates a WebSocket or a WebSocketServer. */
function bypasses(file: string, text: string): string[] {
  const found: string[] = [];
  const rel = relative(SRC, file);
  if (rel === GUARD) return found;
  const constructed = rel === BROWSER ? [] : [...text.matchAll(/new\s+(WebSocket(?:Server)?|WebSocket\.Server)\s*\(/g)].map((m) => m[1]!);
  for (const name of wsValueBindings(text)) {
    for (const m of text.matchAll(new RegExp(`new\\s+${name.replace(/\$/g, '\\$')}(\\.\\w+)?\\s*\\(`, 'g'))) constructed.push(`${name}${m[1] ?? ''}`);
    if (/^(WebSocketServer|Server|createWebSocketStream)$/.test(name)) found.push(`${rel}: imports ${name} from ws`);
  }
  if (/(?:await\s+import|require)\(\s*['"]ws['"]\s*\)/.test(text)) found.push(`${rel}: loads ws dynamically`);
  if (rel === BROWSER && /from\s+['"]ws['"]/.test(text)) found.push(`${rel}: the browser page imports ws`);
  for (const c of new Set(constructed)) found.push(`${rel}: new ${c}(…)`);
  return found;
}

describe('every WebSocket goes through src/connection/guarded-socket.ts (issue 18 §1)', () => {
  it('finds no `new WebSocket` / `new WebSocketServer` (or ws value import that builds one) outside the guard', () => {
    const found = sources(SRC).flatMap((f) => bypasses(f, readFileSync(f, 'utf8')));
    expect(found).toEqual([]);
  });

  it('catches the ways a bypass could be written', () => {
    const at = join(SRC, 'x/y.ts');
    expect(bypasses(at, `import WebSocket from 'ws';\nconst s = new WebSocket(url);`)).toEqual(['x/y.ts: new WebSocket(…)']);
    expect(bypasses(at, `import { WebSocketServer } from 'ws';\nnew WebSocketServer({ noServer: true });`)).toEqual(['x/y.ts: imports WebSocketServer from ws', 'x/y.ts: new WebSocketServer(…)']);
    expect(bypasses(at, `import Ws from "ws";\nnew Ws.Server({ port: 1 });`)).toEqual(['x/y.ts: new Ws.Server(…)']);
    expect(bypasses(at, `import { WebSocket as Sock } from 'ws';\nnew Sock(u);`)).toEqual(['x/y.ts: new Sock(…)']);
    expect(bypasses(at, `const { WebSocketServer } = await import('ws');`)).toEqual(['x/y.ts: imports WebSocketServer from ws', 'x/y.ts: loads ws dynamically']);
    expect(bypasses(at, `new WebSocket('ws://x');`)).toEqual(['x/y.ts: new WebSocket(…)']); // the global one too
    // Types and constants are fine: they construct nothing.
    expect(bypasses(at, `import WebSocket from 'ws';\nif (ws.readyState === WebSocket.OPEN) f(ws as WebSocket);`)).toEqual([]);
    expect(bypasses(at, `import type { WebSocket } from 'ws';`)).toEqual([]);
    expect(bypasses(join(SRC, GUARD), `import { WebSocketServer } from 'ws'; new WebSocketServer({});`)).toEqual([]);
  });
});
