/**
 * Pieces for fast paths that build events straight from a frame's text (no entry objects in between): what a
 * market's name stands for, found where the frame writes it, and the occurrence numbering of a frame's ids.
 */

interface Slot<T> {
  key: string;
  value: T;
  next: Slot<T> | undefined;
}

/** A hash of `text`'s characters from `start` to `end`. */
function spanHash(text: string, start: number, end: number): number {
  let h = end - start;
  for (let i = start; i < end; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
  return h;
}

/**
 * Values by name, looked up by the span of a frame that writes the name, without slicing it out: a parser that
 * sees the same few markets in every frame makes their strings (and what it works out from them) once, and each
 * later frame costs a hash of the span's characters and one comparison. Bounded: past `max` names nothing more is
 * kept, so garbage names cannot grow it (a name not kept is worked out again each time, still exact).
 */
export class SpanMap<T> {
  private readonly byHash = new Map<number, Slot<T>>();
  private count = 0;

  constructor(private readonly max = 4_096) {}

  /** The value kept for the name written at `text[start, end)`. */
  get(text: string, start: number, end: number): T | undefined {
    for (let slot = this.byHash.get(spanHash(text, start, end)); slot !== undefined; slot = slot.next)
      if (slot.key.length === end - start && text.startsWith(slot.key, start)) return slot.value;
    return undefined;
  }

  /** Keeps `value` for `key`, a name `get` missed. */
  set(key: string, value: T): void {
    if (this.count >= this.max) return;
    const h = spanHash(key, 0, key.length);
    this.byHash.set(h, { key, value, next: this.byHash.get(h) });
    this.count++;
  }

  clear(): void {
    this.byHash.clear();
    this.count = 0;
  }
}

/**
 * `frameIds` (venue.ts) for ids made whole, the venue's prefix included: one per parser, `reset` at each frame.
 * The frame's second identical id gets `#1`, the third `#2`; the first id is kept on its own and the map made
 * only for a frame's second entry (most frames hold one).
 */
export class OccurrenceIds {
  private first: string | undefined;
  private seen: Map<string, number> | undefined;

  reset(): void {
    this.first = undefined;
    this.seen = undefined;
  }

  id(id: string): string {
    if (this.first === undefined) {
      this.first = id;
      return id;
    }
    this.seen ??= new Map([[this.first, 1]]);
    const n = this.seen.get(id) ?? 0;
    this.seen.set(id, n + 1);
    return n > 0 ? `${id}#${n}` : id;
  }
}
