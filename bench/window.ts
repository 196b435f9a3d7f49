import type { RawFrame } from '../src/schema/events.js';
import { simulateOct10 } from '../src/simulate/oct10.js';

/** A window of the simulated 10 October, every venue's frames in receive-time order (as recorded). */
export interface SimulatedWindow {
  label: string;
  frames: RawFrame[];
}

/**
 * The cascade's two hours, the venue tables' window: 170k frames and 1.35M liquidations, runs of seconds, so the
 * end-to-end figure is the rate the pipeline keeps. Until issue 22's fifth pass the target row took two minutes
 * (SHORT_MIX_WINDOW): 4,582 frames, runs of 0.07–0.2 s after a single warm-up run, where the JIT's warm-up and a
 * run's fixed costs weighed, and runs of one process ranged 2× (113k–221k/s). That window is still reported.
 */
export const MIX_WINDOW = '20:30-22:30';
export const SHORT_MIX_WINDOW = '21:10-21:12';

/** `hh:mm` → minutes since midnight. */
export const minuteOfDay = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
};

const hhmm = (minute: number) => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

/**
 * The cascade's window by default (20:30–22:30 UTC), the minutes of the day [from, to) otherwise. Frames
 * come straight from the simulator (`liqstream simulate oct-10` writes the same frames to a file).
 */
export function simulatedWindow(fromMinute: number, toMinute: number): SimulatedWindow {
  const frames: RawFrame[] = [];
  const gen = simulateOct10({ seed: 20251010, accounts: 1_600_000, fromMinute, toMinute });
  for (let step = gen.next(); !step.done; step = gen.next()) for (const f of step.value) frames.push(f);
  return { label: `simulated 10 Oct ${hhmm(fromMinute)}–${hhmm(toMinute)} UTC`, frames };
}
