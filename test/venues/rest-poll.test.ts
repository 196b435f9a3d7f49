import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import type { RawFrame } from '../../src/schema/events.js';
import { startRestPoll } from '../../src/venues/rest-poll.js';
import type { Poller } from '../../src/venues/venue.js';
import { until } from '../support/until.js';

let poller: Poller | undefined;
afterEach(async () => {
  await poller?.stop();
  poller = undefined;
});

/** A stand-in for fetch answering from `answer(url)`, recording every URL asked for. */
function fakeFetch(answer: (url: string) => Response) {
  const urls: string[] = [];
  const impl = (async (url: string) => {
    urls.push(url);
    return answer(url);
  }) as unknown as typeof fetch;
  return { urls, impl };
}

const sink = (frames: RawFrame[]) => ({ handleFrame: (f: RawFrame) => void frames.push(f), gap: () => {} });
const log = createLogger('silent');

describe('startRestPoll', () => {
  it('hands every answer on as a frame of the venue, and pages while nextPage says so', async () => {
    const rows = Array.from({ length: 250 }, (_, i) => i);
    const { urls, impl } = fakeFetch((url) => {
      const offset = Number(new URL(url).searchParams.get('offset'));
      return new Response(JSON.stringify(rows.slice(offset, offset + 100)));
    });
    const frames: RawFrame[] = [];
    poller = startRestPoll({ venue: 'gate-usdt', url: (p) => `http://local/list?limit=100&offset=${p * 100}`, nextPage: (text) => (JSON.parse(text) as unknown[]).length === 100, sink: sink(frames), log, intervalMs: 60_000, fetchImpl: impl });
    await until(() => frames.length === 3, 'three pages');
    expect(urls).toEqual(['http://local/list?limit=100&offset=0', 'http://local/list?limit=100&offset=100', 'http://local/list?limit=100&offset=200']);
    expect(frames.map((f) => [f.venue, (JSON.parse(f.frame) as number[]).length])).toEqual([['gate-usdt', 100], ['gate-usdt', 100], ['gate-usdt', 50]]);
  });

  it('a next-page rule that never says no ends the sweep after 50 pages', async () => {
    const { urls, impl } = fakeFetch(() => new Response('[1]'));
    const frames: RawFrame[] = [];
    poller = startRestPoll({ venue: 'gate-usdt', url: (p) => `http://local/list?page=${p}`, nextPage: () => true, sink: sink(frames), log, intervalMs: 60_000, fetchImpl: impl });
    await until(() => frames.length === 50, 'fifty pages');
    await new Promise((r) => setTimeout(r, 100));
    expect(urls).toHaveLength(50);
    expect(urls.at(-1)).toBe('http://local/list?page=49');
  });

  it('a refused answer is not a frame, and is tried again before the next sweep', async () => {
    let calls = 0;
    const { impl } = fakeFetch(() => (++calls === 1 ? new Response('busy', { status: 503 }) : new Response('{"status":"ok"}')));
    const frames: RawFrame[] = [];
    // intervalMs bounds the retry delay too (min(5 s, interval)), so the retry comes quickly here.
    poller = startRestPoll({ venue: 'htx-linear', url: 'http://local/oi', sink: sink(frames), log, intervalMs: 50, fetchImpl: impl });
    await until(() => frames.length >= 1, 'the answer after the refusal');
    expect(frames[0]).toMatchObject({ venue: 'htx-linear', frame: '{"status":"ok"}' });
    expect(calls).toBeGreaterThanOrEqual(2);
  });

  it('stops: no request after stop() returns', async () => {
    const { urls, impl } = fakeFetch(() => new Response('[]'));
    poller = startRestPoll({ venue: 'gate-btc', url: 'http://local/x', sink: sink([]), log, intervalMs: 20, fetchImpl: impl });
    await until(() => urls.length >= 2, 'two sweeps');
    await poller.stop();
    poller = undefined;
    const seen = urls.length;
    await new Promise((r) => setTimeout(r, 100));
    expect(urls.length).toBe(seen);
  });

  it('a request the venue never answers fails after requestTimeoutMs, and the sweep goes on to the next URL', async () => {
    const urls: string[] = [];
    // Like fetch: a hung request settles only when its signal aborts.
    const impl = ((url: string, init: { signal: AbortSignal }) => {
      urls.push(url);
      if (url.endsWith('/hung')) return new Promise((_, reject) => init.signal.addEventListener('abort', () => reject(init.signal.reason)));
      return Promise.resolve(new Response('{"ok":true}'));
    }) as unknown as typeof fetch;
    const frames: RawFrame[] = [];
    poller = startRestPoll({ venue: 'deribit', url: ['http://local/hung', 'http://local/ok'], sink: sink(frames), log, intervalMs: 60_000, requestTimeoutMs: 200, fetchImpl: impl });
    await until(() => frames.length === 1, 'the second URL answered after the first timed out', 3_000);
    expect(urls).toEqual(['http://local/hung', 'http://local/ok']);
    expect(frames[0]).toMatchObject({ venue: 'deribit', frame: '{"ok":true}' });
  });
});
