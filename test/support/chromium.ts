import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { tempDir } from './recording.js';

const run = promisify(execFile);

export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

/** Flags for a sandboxed machine with no network: no first-run, no background requests. */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--hide-scrollbars',
];

export async function chromium(args: string[]): Promise<string> {
  if (!CHROMIUM) throw new Error('chromium is not installed (Debian package "chromium"; .ci/run installs it)');
  const { stdout } = await run(CHROMIUM, [...FLAGS, `--user-data-dir=${tempDir('chromium-')}`, ...args], { maxBuffer: 64 * 2 ** 20, timeout: 60_000 });
  return stdout;
}
