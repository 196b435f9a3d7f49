import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { redactingOptions, redactUrl, redactUrlsIn } from '../../src/log.js';

describe('redactUrl', () => {
  it.each([
    ['wss://user:hunter2@feed.example/ws', 'wss://REDACTED@feed.example/ws'],
    ['wss://feed.example/ws?token=abc123&coin=BTC', 'wss://feed.example/ws?token=REDACTED&coin=BTC'],
    ['https://x.example/v1?api_key=k1&apiKey=k2&X-Signature=s&Secret=t&password=p', 'https://x.example/v1?api_key=REDACTED&apiKey=REDACTED&X-Signature=REDACTED&Secret=REDACTED&password=REDACTED'],
    ['https://node.example/2f6c9e1a7b4d8c0e5f3a9b2d7c1e6f40/ws', 'https://node.example/REDACTED/ws'],
  ])('%s → %s', (input, output) => {
    expect(redactUrl(input)).toBe(output);
  });

  it('leaves URLs without credentials, and non-URLs, exactly as they were', () => {
    for (const text of ['wss://fstream.binance.com/ws/!forceOrder@arr', 'wss://api.hyperliquid.xyz/ws', 'https://a.example/path?coin=BTC&keyword=x', '127.0.0.1:9092', 'not a url'])
      expect(redactUrl(text)).toBe(text);
  });

  it('finds URLs inside free text', () => {
    expect(redactUrlsIn('Failed to parse URL from wss://h.example/ws?token=abc: bad')).toBe('Failed to parse URL from wss://h.example/ws?token=REDACTED: bad');
  });
});

describe('the logger options', () => {
  const capture = () => {
    let text = '';
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => ((text += chunk.toString()), done()) });
    return { log: pino({ level: 'debug', ...redactingOptions }, sink), text: () => text };
  };

  it('censor config secrets at any depth and URL credentials in fields, errors and messages', () => {
    const { log, text } = capture();
    const config = { bus: { kafka: { sasl: { mechanism: 'plain', username: 'u', password: 'sasl-secret' }, ssl: { keyPassphrase: 'key-secret' } } } };
    log.debug({ config }, 'configuration');
    log.info({ url: 'wss://h.example/ws?token=url-secret' }, 'connected');
    log.warn({ err: new Error('cannot reach wss://me:userinfo-secret@h.example/') }, 'failed');
    log.error('fell over at https://h.example/?apikey=msg-secret');
    const out = text();
    for (const secret of ['sasl-secret', 'key-secret', 'url-secret', 'userinfo-secret', 'msg-secret']) expect(out).not.toContain(secret);
    // Still useful: everything else is there.
    expect(out).toContain('"username":"u"');
    expect(out).toContain('"password":"REDACTED"');
    expect(out).toContain('wss://h.example/ws?token=REDACTED');
    expect(out).toContain('cannot reach wss://REDACTED@h.example/');
    expect(out).toContain('"type":"Error"');
    expect(out.split('\n').filter(Boolean)).toHaveLength(4);
  });
});
