// The backstop behind the prelude's buffer count (script-prelude-buffers.ts): while scripts run, the process's
// RSS is sampled, and past the RSS at the start of the oldest running job plus an allowance per running job the
// busy workers are stopped (which one allocated cannot be told from here). It catches memory the count misses;
// in normal operation the count refuses long before.

import { memoryUsage } from "node:process";

const SAMPLE_EVERY_MS = 50;

export class MemoryGuard<W> {
  readonly #startRss = new Map<W, number>();
  #timer: NodeJS.Timeout | undefined;

  constructor(
    /** What one running job may add: its buffer bound plus its worker's heap. */
    readonly allowanceBytes: number,
    readonly onExceeded: (busy: W[]) => void,
  ) {}

  started(worker: W): void {
    this.#startRss.set(worker, memoryUsage.rss());
    this.#timer ??= setInterval(() => this.#sample(), SAMPLE_EVERY_MS).unref();
  }

  stopped(worker: W): void {
    this.#startRss.delete(worker);
    if (this.#startRss.size === 0 && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  #sample(): void {
    const base = Math.min(...this.#startRss.values());
    if (memoryUsage.rss() > base + this.#startRss.size * this.allowanceBytes) {
      this.onExceeded([...this.#startRss.keys()]);
    }
  }
}
