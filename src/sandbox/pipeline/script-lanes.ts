// The preprocess-script queue: one lane per source, served round-robin, with a bound per lane and in all.
// Why lanes: with one FIFO, a flood of runaway scripts on one source made a good rehearsal on another wait for
// every runaway ahead of it (30 of them: 15 s). Round-robin gives the other source the next free worker, and the
// per-lane bound keeps one source from filling the whole queue.

export type Admission = "queued" | "lane-full" | "full";

export class Lanes<T> {
  // A Map iterates in insertion order: the lane served last is moved to the end.
  readonly #lanes = new Map<string, T[]>();
  #size = 0;

  constructor(
    readonly maxPerLane: number,
    readonly maxTotal: number,
  ) {}

  get size(): number {
    return this.#size;
  }

  add(lane: string, item: T): Admission {
    const queue = this.#lanes.get(lane) ?? [];
    if (queue.length >= this.maxPerLane) return "lane-full";
    if (this.#size >= this.maxTotal) return "full";
    queue.push(item);
    this.#lanes.set(lane, queue);
    this.#size++;
    return "queued";
  }

  /** Puts back an item that was taken but not run, first in its lane and past the bounds. */
  putBack(lane: string, item: T): void {
    const queue = this.#lanes.get(lane);
    if (queue) queue.unshift(item);
    else this.#lanes.set(lane, [item]);
    this.#size++;
  }

  /** The next item, from the lane after the one served last. */
  take(): T | undefined {
    for (const [lane, queue] of this.#lanes) {
      const item = queue.shift();
      this.#lanes.delete(lane);
      if (queue.length > 0) this.#lanes.set(lane, queue);
      if (item !== undefined) {
        this.#size--;
        return item;
      }
    }
    return undefined;
  }

  remove(lane: string, item: T): boolean {
    const queue = this.#lanes.get(lane);
    const at = queue ? queue.indexOf(item) : -1;
    if (!queue || at < 0) return false;
    queue.splice(at, 1);
    if (queue.length === 0) this.#lanes.delete(lane);
    this.#size--;
    return true;
  }
}
