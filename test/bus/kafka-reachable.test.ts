import { createServer, type Server } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { KafkaBus } from '../../src/bus/kafka-bus.js';
import { freePort } from '../support/free-port.js';

const servers: Server[] = [];
afterAll(() => Promise.all(servers.map((s) => new Promise((r) => s.close(r)))));

/** A port that accepts connections (and answers nothing: no Kafka request is made). */
async function listening(): Promise<number> {
  const server = createServer((socket) => socket.on('error', () => {}));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

describe('KafkaBus.reachable (asked by a stop before it gives spilled records one more attempt)', () => {
  it('true when any broker accepts a connection, false when every one refuses; no connection left open', async () => {
    const open = await listening();
    const closed = await freePort();
    expect(await new KafkaBus({ brokers: [`127.0.0.1:${closed}`, `127.0.0.1:${open}`] }).reachable(1_000)).toBe(true);
    expect(await new KafkaBus({ brokers: [`127.0.0.1:${closed}`] }).reachable(1_000)).toBe(false);
    expect(await new KafkaBus({ brokers: [`localhost:${closed}`, `127.0.0.1:${closed}`] }).reachable(1_000)).toBe(false);
    await new Promise((r) => setTimeout(r, 100)); // the server sees the client's close
    expect(await new Promise((r) => servers[0]!.getConnections((_e, n) => r(n)))).toBe(0);
  });

  it('ports out of 1–65535 and bracketed hosts are refused with the config (a port above made reachable(), and a stop, reject)', () => {
    for (const broker of ['127.0.0.1:99999', '127.0.0.1:65536', 'kafka:0', 'kafka:00000'])
      expect(() => new KafkaBus({ brokers: [broker] }), broker).toThrow('port out of range (1–65535)');
    // kafkajs would connect to "[1.2.3.4]" while the probe took 1.2.3.4; "[]" would probe localhost.
    for (const broker of ['[1.2.3.4]:9092', '[]:9092']) expect(() => new KafkaBus({ brokers: [broker] }), broker).toThrow('expected host:port');
    // A port that is no number: one message, not a second about its range.
    expect(() => new KafkaBus({ brokers: ['h:٩٠٩٢'] })).toThrow(/^(?![\s\S]*out of range)[\s\S]*expected host:port/);
    for (const broker of ['127.0.0.1:65535', 'kafka-1:1', 'kafka-1.example.com:9092']) expect(() => new KafkaBus({ brokers: [broker] }), broker).not.toThrow();
  });
});
