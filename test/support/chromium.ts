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

/**
 * A page kept open in headless Chromium and driven over the DevTools protocol, for pages that change
 * in real time (a --dump-dom snapshot is taken on virtual time, whenever Chromium decides).
 */
export async function openPage(url: string): Promise<{ evaluate<T>(expression: string): Promise<T>; screenshot(path: string): Promise<void>; close(): Promise<void> }> {
  if (!CHROMIUM) throw new Error('chromium is not installed (Debian package "chromium"; .ci/run installs it)');
  const { spawn } = await import('node:child_process');
  const { writeFileSync } = await import('node:fs');
  const { default: WebSocket } = await import('ws');
  const child = spawn(CHROMIUM, [...FLAGS, `--user-data-dir=${tempDir('chromium-')}`, '--remote-debugging-port=0', '--window-size=1280,900', url], { stdio: ['ignore', 'ignore', 'pipe'] });
  const browserWs = await new Promise<string>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`chromium did not start:\n${text}`)), 30_000);
    child.stderr!.on('data', (d: Buffer) => {
      text += d.toString();
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
  });
  const { port } = new URL(browserWs);
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { type: string; webSocketDebuggerUrl: string }[];
  const ws = new WebSocket(targets.find((t) => t.type === 'page')!.webSocketDebuggerUrl);
  await new Promise((r) => ws.once('open', r));
  let id = 0;
  const pending = new Map<number, (result: { result?: unknown; error?: { message: string } }) => void>();
  ws.on('message', (d) => {
    const msg = JSON.parse(d.toString()) as { id?: number; result?: unknown; error?: { message: string } };
    if (msg.id !== undefined) pending.get(msg.id)?.(msg);
  });
  const send = (method: string, params: Record<string, unknown>) =>
    new Promise<unknown>((resolve, reject) => {
      const n = ++id;
      pending.set(n, (m) => (m.error ? reject(new Error(m.error.message)) : resolve(m.result)));
      ws.send(JSON.stringify({ id: n, method, params }));
    });
  return {
    evaluate: async <T>(expression: string) => ((await send('Runtime.evaluate', { expression, returnByValue: true })) as { result: { value: T } }).result.value,
    screenshot: async (path: string) => writeFileSync(path, Buffer.from(((await send('Page.captureScreenshot', { format: 'png' })) as { data: string }).data, 'base64')),
    close: async () => {
      ws.close();
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    },
  };
}
