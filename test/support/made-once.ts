import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A maker that died leaves its lock: broken after this long (longer than any maker takes). */
const STALE_LOCK_MS = 600_000;

/**
 * `<dir>/<key>`, made once across the processes of a test run (both vitest processes of `npm test`, every worker):
 * the first caller runs `make(work, done)` in a folder of its own, which is then renamed to `done`; the others wait
 * for it. A maker that throws leaves nothing in place, and the next caller (or waiter) makes it again.
 */
export async function madeOnce(dir: string, key: string, make: (work: string, done: string) => Promise<void>): Promise<string> {
  const done = join(dir, key);
  const lock = `${done}.lock`;
  mkdirSync(dir, { recursive: true });
  for (let waited = 0; !existsSync(done); waited += 200) {
    let mine = false;
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      mine = true;
    } catch {
      const held = statSync(lock, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > STALE_LOCK_MS) rmSync(lock, { force: true });
    }
    if (mine) {
      try {
        if (!existsSync(done)) {
          const work = join(dir, `${key}.tmp-${process.pid}`);
          rmSync(work, { recursive: true, force: true });
          mkdirSync(work);
          await make(work, done);
          renameSync(work, done);
        }
      } finally {
        rmSync(lock, { force: true });
      }
      break;
    }
    if (waited > STALE_LOCK_MS) throw new Error(`timed out waiting for another test process to make ${done}`);
    await sleep(200);
  }
  return done;
}
