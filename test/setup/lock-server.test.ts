import { once } from 'node:events';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterAll, expect, it } from 'vitest';
import { lockServer } from './lock-server.js';
import { until } from '../support/until.js';

const server = await lockServer();
afterAll(() => server.close());

/** A client of the lock, and whether it has been granted it (one byte). */
async function client(): Promise<{ socket: Socket; granted: () => boolean }> {
  const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
  let granted = false;
  socket.on('data', () => void (granted = true));
  await once(socket, 'connect');
  return { socket, granted: () => granted };
}

it('grants one holder at a time, in the order they came; closing or dying passes it on, and a waiter that left is skipped', async () => {
  const a = await client();
  await until(() => a.granted(), 'the first holder', 5_000);
  const b = await client();
  const c = await client();
  const d = await client();
  await new Promise((r) => setTimeout(r, 100));
  expect([b.granted(), c.granted(), d.granted()]).toEqual([false, false, false]);
  a.socket.end(); // as questdb-lock.ts's afterAll
  await until(() => b.granted(), 'the second holder', 5_000);
  c.socket.destroy(); // a waiting worker that died
  b.socket.destroy(); // a holding worker that died
  await until(() => d.granted(), 'the fourth, past the third that left', 5_000);
  expect(c.granted()).toBe(false);
  d.socket.end();
});
