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
  // A promise only when there is a wait: at speed max a replay does not await once per frame.
  return (recv: number): Promise<void> | undefined => {
    if (speed === 'max') return undefined;
    if (!origin) {
      origin = { recv, wall: now() };
      return undefined;
    }
    const due = origin.wall + (recv - origin.recv) / speed;
    const wait = due - now();
    return wait > 1 ? sleep(wait) : undefined;
  };
}
