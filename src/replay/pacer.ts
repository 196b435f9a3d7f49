import { setTimeout as sleep } from 'node:timers/promises';

export type Speed = number | 'max';

export function parseSpeed(text: string): Speed {
  if (text === 'max') return 'max';
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--speed must be "max" or a positive number, got "${text}"`);
  return n;
}

/**
 * Paces a replay: at speed N, a frame received t ms after the first is released t/N ms after the
 * replay started. Pacing only changes when frames are handed on, never what they contain, and all
 * windows run on event time, so results do not depend on the speed.
 */
export function createPacer(speed: Speed, now: () => number = () => performance.now()) {
  let origin: { recv: number; wall: number } | undefined;
  return async (recv: number): Promise<void> => {
    if (speed === 'max') return;
    if (!origin) {
      origin = { recv, wall: now() };
      return;
    }
    const due = origin.wall + (recv - origin.recv) / speed;
    const wait = due - now();
    if (wait > 1) await sleep(wait);
  };
}
