import { connect, type Socket } from 'node:net';

/**
 * Hostile /api/stream clients, written at the byte level (a WebSocket library would refuse to send
 * them): a complete upgrade handshake followed by one frame a client must never send.
 */

/** One WebSocket frame: FIN set, `opcode`, masked with a zero key unless `masked` is false. */
export function frame(opcode: number, payload: Buffer, masked = true): Buffer {
  const len = payload.length;
  const header = len < 126 ? Buffer.from([0x80 | opcode, (masked ? 0x80 : 0) | len]) : Buffer.from([0x80 | opcode, (masked ? 0x80 : 0) | 126, len >> 8, len & 0xff]);
  // A zero mask key leaves the payload as it is: the bytes on the wire are the bytes meant.
  return Buffer.concat([header, masked ? Buffer.alloc(4) : Buffer.alloc(0), payload]);
}

/** The three messages that each ended the process (issue 18 §1), by the reason they are counted under. */
export const HOSTILE_FRAMES = {
  /** A 2,000-byte text message, over the 1 KiB cap: RangeError "Max payload size exceeded". */
  unsupported_message_length: frame(0x1, Buffer.alloc(2_000, 0x61)),
  /** A text frame that is not UTF-8: "Invalid WebSocket frame: invalid UTF-8 sequence". */
  invalid_utf8: frame(0x1, Buffer.from([0xff, 0xfe, 0x41])),
  /** An unmasked client frame after the upgrade (`81 02 68 69`): "MASK must be set". */
  expected_mask: Buffer.from([0x81, 0x02, 0x68, 0x69]),
} as const;
export type HostileKind = keyof typeof HOSTILE_FRAMES;

export const upgradeRequest = (path = '/api/stream') =>
  `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`;

/**
 * Opens /api/stream, waits for 101, sends `bytes` (or sends them in the same write as the request,
 * `inHead`, so they reach the server as the upgrade's head) and resolves with the status line once
 * the server has closed the connection (within `timeoutMs`, else `closed` is false).
 */
export function hostileClient(url: string, bytes: Buffer, options: { inHead?: boolean; timeoutMs?: number } = {}): Promise<{ status: string; closed: boolean }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    let received = '';
    let sent = false;
    let timer: NodeJS.Timeout | undefined;
    // `timeoutMs` runs from the moment the bytes are sent: a loaded server may take a while to answer 101.
    const send = (data: Buffer | string) => {
      sent = true;
      socket.write(data);
      timer = setTimeout(() => done(false), options.timeoutMs ?? 5_000);
    };
    const socket: Socket = connect(Number(port), hostname, () => (options.inHead ? send(Buffer.concat([Buffer.from(upgradeRequest()), bytes])) : socket.write(upgradeRequest())));
    const guard = setTimeout(() => done(false), 30_000);
    const done = (closed: boolean) => {
      clearTimeout(timer);
      clearTimeout(guard);
      socket.destroy();
      resolve({ status: received.split('\r\n')[0] ?? '', closed });
    };
    socket.on('data', (d) => {
      received += d.toString('latin1');
      if (!sent && received.includes('\r\n\r\n')) send(bytes);
    });
    socket.on('error', () => done(true)); // reset by the server: closed too
    socket.on('close', () => done(true));
  });
}

/**
 * Random frames for the fuzz case: any FIN/RSV/opcode byte, masked or not, a length of 7, 16 or 64
 * bits that may disagree with the payload (up to 2^64 - 1 declared), and 0–2,000 random payload bytes.
 */
export function randomFrames(rng: { next(): number; int(n: number): number }): Buffer {
  const parts: Buffer[] = [];
  for (let f = 1 + rng.int(3); f > 0; f--) {
    const payload = Buffer.from(Array.from({ length: rng.int(4) === 0 ? rng.int(2_000) : rng.int(130) }, () => rng.int(256)));
    const masked = rng.int(4) !== 0;
    const lengthKind = rng.int(3);
    const declared = rng.int(5) === 0 ? rng.int(70_000) : payload.length;
    let header: Buffer;
    if (lengthKind === 0 && declared < 126) header = Buffer.from([rng.int(256), (masked ? 0x80 : 0) | declared]);
    else if (lengthKind === 1 || declared < 65_536) header = Buffer.from([rng.int(256), (masked ? 0x80 : 0) | 126, (declared >> 8) & 0xff, declared & 0xff]);
    else {
      header = Buffer.alloc(10);
      header[0] = rng.int(256);
      header[1] = (masked ? 0x80 : 0) | 127;
      for (let i = 2; i < 10; i++) header[i] = rng.int(4) === 0 ? 0xff : rng.int(256);
    }
    parts.push(header, masked ? Buffer.from([rng.int(256), rng.int(256), rng.int(256), rng.int(256)]) : Buffer.alloc(0), payload);
  }
  return Buffer.concat(parts);
}
