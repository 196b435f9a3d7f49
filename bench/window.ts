import type { RawFrame } from '../src/schema/events.js';
import { simulateOct10 } from '../src/simulate/oct10.js';

/** A window of the simulated 10 October, every venue's frames in receive-time order (as recorded). */
export interface SimulatedWindow {
  label: string;
  frames: RawFrame[];
}

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
