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

  it('a port above 65535 is refused with the config (before, reachable() rejected with it and a stop with it)', () => {
    expect(() => new KafkaBus({ brokers: ['127.0.0.1:99999'] })).toThrow('port above 65535');
    expect(() => new KafkaBus({ brokers: ['127.0.0.1:65535'] })).not.toThrow();
  });
});
