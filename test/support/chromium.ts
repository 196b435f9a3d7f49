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

export interface Page {
  evaluate<T>(expression: string): Promise<T>;
  /** A PNG of the viewport, or of the whole page (`fullPage`: as tall as its content). */
  screenshot(path: string, options?: { fullPage?: boolean }): Promise<void>;
  /** Uncaught exceptions and console errors of the page so far. */
  errors(): string[];
  close(): Promise<void>;
}
export interface Browser {
  /** A new tab at `url` with a viewport of width × height CSS pixels (`mobile`: a phone's viewport rules). */
  newPage(url: string, viewport?: { width: number; height: number; mobile?: boolean }): Promise<Page>;
  close(): Promise<void>;
}

/** A DevTools protocol connection: commands answered by id, events handed to `on`. */
async function devtools(url: string) {
  const { default: WebSocket } = await import('ws');
  const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 256 * 2 ** 20 });
  await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
  let id = 0;
  const pending = new Map<number, (result: { result?: unknown; error?: { message: string } }) => void>();
  const listeners: ((method: string, params: Record<string, unknown>) => void)[] = [];
  ws.on('message', (d) => {
    const msg = JSON.parse(d.toString()) as { id?: number; method?: string; params?: Record<string, unknown>; result?: unknown; error?: { message: string } };
    if (msg.id !== undefined) pending.get(msg.id)?.(msg);
    else if (msg.method) for (const l of listeners) l(msg.method, msg.params ?? {});
  });
  const send = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<unknown>((resolve, reject) => {
      const n = ++id;
      pending.set(n, (m) => (pending.delete(n), m.error ? reject(new Error(m.error.message)) : resolve(m.result)));
      ws.send(JSON.stringify({ id: n, method, params }));
    });
  return { send, on: (l: (method: string, params: Record<string, unknown>) => void) => listeners.push(l), close: () => ws.close() };
}

/**
 * One headless Chromium driven over the DevTools protocol, for pages that change in real time (a
 * --dump-dom snapshot is taken on virtual time, whenever Chromium decides). Start one per test file and
 * open several pages in it: a launch costs seconds on a loaded machine.
 */
export async function openBrowser(): Promise<Browser> {
  const binary = requireTool('chromium');
  const { spawn } = await import('node:child_process');
  const { writeFileSync } = await import('node:fs');
  const child = spawn(binary, [...FLAGS, `--user-data-dir=${tempDir('chromium-')}`, '--remote-debugging-port=0', '--window-size=1280,900', 'about:blank'], { stdio: ['ignore', 'ignore', 'pipe'] });
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
  const { host } = new URL(browserWs);
  const browser = await devtools(browserWs);
  return {
    async newPage(url, viewport = { width: 1280, height: 900 }) {
      const { targetId } = (await browser.send('Target.createTarget', { url: 'about:blank' })) as { targetId: string };
      const page = await devtools(`ws://${host}/devtools/page/${targetId}`);
      const errors: string[] = [];
      page.on((method, params) => {
        if (method === 'Runtime.exceptionThrown') errors.push(JSON.stringify((params.exceptionDetails as { exception?: { description?: string } }).exception?.description ?? params.exceptionDetails));
        if (method === 'Runtime.consoleAPICalled' && params.type === 'error') errors.push(JSON.stringify(params.args));
      });
      await page.send('Runtime.enable');
      await page.send('Emulation.setDeviceMetricsOverride', { width: viewport.width, height: viewport.height, deviceScaleFactor: 1, mobile: viewport.mobile ?? false });
      await page.send('Page.navigate', { url });
      const evaluate = async <T>(expression: string) => ((await page.send('Runtime.evaluate', { expression, returnByValue: true })) as { result: { value: T } }).result.value;
      // Callers get the page once the document *at url* has loaded (not the about:blank before it). Its fragment is
      // left out: the page may change it once loaded (a coin from a link that the server cannot show is dropped), and
      // a check that came after that waited for a URL that would never come back.
      const want = new URL(url);
      want.hash = '';
      await until(
        async () => (await evaluate<string>('location.href.split("#")[0] + " " + document.readyState')) === `${want.href} complete`,
        `${url} to load in chromium`,
        30_000,
      );
      return {
        evaluate,
        errors: () => [...errors],
        screenshot: async (path: string, options: { fullPage?: boolean } = {}) => {
          let clip: Record<string, number> | undefined;
          if (options.fullPage) {
            const { cssContentSize: size } = (await page.send('Page.getLayoutMetrics')) as { cssContentSize: { width: number; height: number } };
            clip = { x: 0, y: 0, width: viewport.width, height: Math.ceil(size.height), scale: 1 };
          }
          const shot = (await page.send('Page.captureScreenshot', { format: 'png', ...(clip ? { clip, captureBeyondViewport: true } : {}) })) as { data: string };
          writeFileSync(path, Buffer.from(shot.data, 'base64'));
        },
        close: async () => {
          page.close();
          await browser.send('Target.closeTarget', { targetId }).catch(() => {});
        },
      };
    },
    close: async () => {
      browser.close();
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        await new Promise((r) => child.once('exit', r));
      }
    },
  };
}

/** A browser of one page (`close` ends both). */
export async function openPage(url: string): Promise<Page> {
  const browser = await openBrowser();
  try {
    const page = await browser.newPage(url);
    return { ...page, close: async () => (await page.close(), await browser.close()) };
  } catch (err) {
    await browser.close();
    throw err;
  }
}
