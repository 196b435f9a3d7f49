import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { readTimeText } from '../schema/time-text.js';

/**
 * What every endpoint of the metrics port (/metrics, health, the page, /api) does alike: JSON
 * answers, one rule for query strings and one for methods (docs/api.md, "Requests").
 */

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

/**
 * The request's URL, or undefined when WHATWG URL cannot parse it. The http parser accepts targets
 * such as `http://[` that URL rejects; a throw here ran in the server's listener, an uncaught
 * exception that ended the process from one request.
 */
export function requestUrl(req: IncomingMessage): URL | undefined {
  try {
    return new URL(req.url ?? '/', 'http://localhost');
  } catch {
    return undefined;
  }
}

/** GET and HEAD (HEAD answers GET's headers; node drops the body). */
export const READ_METHODS = 'GET, HEAD';

/** 405 with `Allow` when the method is not GET or HEAD; true: the request was answered. */
export function refusedMethod(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method === 'GET' || req.method === 'HEAD') return false;
  json(res, 405, { error: `method ${String(req.method).slice(0, 20)} not allowed; use GET` }, { allow: READ_METHODS });
  return true;
}

/** Parameter names are echoed in errors: cut short, so a 100 KB name does not come back. */
const clip = (text: string) => (text.length > 40 ? `${JSON.stringify(text.slice(0, 40)).slice(0, -1)}…"` : JSON.stringify(text));

/**
 * The query as `schema` reads it, or the error to answer with 400. Every endpoint refuses what it
 * does not know: a parameter it does not take (a misspelt `limt=` silently meaning "default") and a
 * parameter given twice (`?a=1&a=2`: which one?), each named.
 */
export function readQuery<S extends z.ZodObject>(url: URL, schema: S): { data: z.infer<S> } | { error: string } {
  const known = new Set(Object.keys(schema.shape));
  const seen = new Set<string>();
  for (const key of url.searchParams.keys()) {
    if (!known.has(key)) return { error: `unknown parameter ${clip(key)}${known.size ? ` (takes ${[...known].join(', ')})` : ' (takes none)'}` };
    if (seen.has(key)) return { error: `${clip(key)}: given more than once` };
    seen.add(key);
  }
  const parsed = schema.safeParse(Object.fromEntries(url.searchParams));
  if (!parsed.success) return { error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
  return { data: parsed.data };
}

/** A query of no parameters, for the endpoints that take none. */
export const NoQuery = z.strictObject({});

/** A `from`/`to` parameter read as the CLI reads --from/--to (readTimeText): ISO 8601 or 13-digit ms; seconds are refused. */
export const TimeParam = z.string().transform((text, ctx) => {
  const t = readTimeText(text);
  if ('error' in t) {
    ctx.addIssue({ code: 'custom', message: t.error });
    return z.NEVER;
  }
  return t.ms;
});

/** USD as a plain decimal: `Number()` would also read 0x10, 1e3, ' 1 ' and '' (as 0). */
export const MinUsdParam = z
  .string()
  .regex(/^\d{1,15}(\.\d{1,8})?$/, 'expected a decimal number of USD such as 1000 or 2500.5')
  .transform(Number)
  .default(0);
