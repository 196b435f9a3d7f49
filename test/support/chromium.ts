import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { tempDir } from './recording.js';
import { requireTool } from './tools.js';
import { until } from './until.js';

const run = promisify(execFile);


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
  const { stdout } = await run(requireTool('chromium'), [...FLAGS, `--user-data-dir=${tempDir('chromium-')}`, ...args], { maxBuffer: 64 * 2 ** 20, timeout: 60_000 });
  return stdout;
}

/**
 * A page kept open in headless Chromium and driven over the DevTools protocol, for pages that change
 * in real time (a --dump-dom snapshot is taken on virtual time, whenever Chromium decides).
 */
export async function openPage(url: string): Promise<{ evaluate<T>(expression: string): Promise<T>; screenshot(path: string): Promise<void>; close(): Promise<void> }> {
  const binary = requireTool('chromium');
  const { spawn } = await import('node:child_process');
  const { writeFileSync } = await import('node:fs');
  const { default: WebSocket } = await import('ws');
  const child = spawn(binary, [...FLAGS, `--user-data-dir=${tempDir('chromium-')}`, '--remote-debugging-port=0', '--window-size=1280,900', url], { stdio: ['ignore', 'ignore', 'pipe'] });
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
  const evaluate = async <T>(expression: string) => ((await send('Runtime.evaluate', { expression, returnByValue: true })) as { result: { value: T } }).result.value;
  // The page target exists before the URL is committed: on a loaded host its first document was still
  // about:blank, whose readyState is already 'complete', and a report test counted 0 of 5 charts there.
  // Callers get the page once the document *at url* has loaded.
  const want = new URL(url).href;
  await until(async () => (await evaluate<string>('location.href + " " + document.readyState')) === `${want} complete`, `${want} to load in chromium`, 30_000);
  return {
    evaluate,
    screenshot: async (path: string) => writeFileSync(path, Buffer.from(((await send('Page.captureScreenshot', { format: 'png' })) as { data: string }).data, 'base64')),
    close: async () => {
      ws.close();
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    },
  };
}
