import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, inject } from 'vitest';

/**
 * The QuestDB project's files share the server's tables, and one of them freezes and kills the server: they run
 * one at a time, yet beside the other projects' files. `fileParallelism: false` would instead put them after every
 * other file, alone on one worker (a serial tail of about 50 s). Each file holds the lock of
 * test/setup/global-questdb.ts from before its first hook to after its last; a worker that dies releases it with
 * its socket.
 */
let held: Socket | undefined;
beforeAll(async () => {
  const socket = connect(inject('questdbLock'), '127.0.0.1');
  socket.on('error', () => {});
  // Closed before the grant (the run is ending): fail now rather than at the hook's timeout. A close after the
  // grant (afterAll below) is no error.
  const closed = once(socket, 'close').then(() => Promise.reject(new Error('the QuestDB lock closed before it was granted')));
  closed.catch(() => {});
  await Promise.race([once(socket, 'data'), closed]);
  held = socket;
}, 600_000);
afterAll(() => {
  held?.end();
});
