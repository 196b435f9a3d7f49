// Preloaded with `node --import`: appends to $MODULE_TRACE the URL of every module the process loads, by ESM import
// (resolve hook, which runs off-thread: hence a file) or by require (CommonJS cache at exit, as file paths).
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const file = process.env.MODULE_TRACE;
const hook = `
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(${JSON.stringify(file)}, 'esm ' + r.url + '\\n');
  return r;
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`);
const require = createRequire(import.meta.url);
process.on('exit', () => {
  for (const k of Object.keys(require.cache)) appendFileSync(file, `cjs ${k}\n`);
});
