import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';

/**
 * One file of the project at a time (test/setup/questdb-lock.ts): a connection is granted the lock with one byte,
 * in the order they came, and gives it back by closing (a worker that dies closes it too).
 */
export async function lockServer(): Promise<Server> {
  const waiting: Socket[] = [];
  let holder: Socket | undefined;
  const grant = () => {
    while (!holder && waiting.length > 0) {
      const next = waiting.shift()!;
      if (next.destroyed) continue;
      holder = next;
      next.write('1');
    }
  };
  const server = createServer((socket) => {
    socket.on('error', () => {});
    socket.on('close', () => {
      if (holder === socket) holder = undefined;
      else if (waiting.includes(socket)) waiting.splice(waiting.indexOf(socket), 1);
      grant();
    });
    waiting.push(socket);
    grant();
  });
  server.unref();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}
