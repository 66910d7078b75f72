import type { StoredLog } from "./types.js";

// Logs do not grow without bound: the newest `perSourceEnvironment` logs of each source in each environment
// and, over all of them, the newest that fit in `totalBytes` of JSON. The oldest go first; the log just added
// always stays, however large. The same rule runs when a log is added and when the log file is read back, so a
// restart keeps exactly what was kept. A dropped log is gone: it is no longer listed, and an idempotency key it
// recorded can no longer be replayed. These limits are the sandbox's own; Knock's retention is by time
// (docs: manage-your-account/data-retention).

export interface LogLimits {
  perSourceEnvironment: number;
  totalBytes: number;
}

export const DEFAULT_LOG_LIMITS: Readonly<LogLimits> = Object.freeze({
  perSourceEnvironment: 1000,
  totalBytes: 32 * 1024 * 1024,
});

/** The size a log is counted at: its JSON, as one line of the log file. */
export function logLine(log: StoredLog): string {
  return JSON.stringify(log);
}

export function lineBytes(line: string): number {
  return Buffer.byteLength(line, "utf8") + 1;
}

/** Keeps `list` (oldest first, the array the store lists from) within the limits as logs are added. */
export class RetainedLogs {
  #list: StoredLog[];
  // A log's size never changes, so copies share what they know of sizes.
  #sizes = new WeakMap<StoredLog, number>();
  readonly #counts = new Map<string, number>();
  #bytes = 0;

  constructor(
    list: StoredLog[],
    readonly limits: LogLimits,
  ) {
    this.#list = list;
    const existing = list.splice(0, list.length);
    for (const log of existing) this.add(log, lineBytes(logLine(log)));
  }

  /** The kept logs, oldest first. */
  get list(): StoredLog[] {
    return this.#list;
  }

  /** A copy to add to while this one stays as it is: a log counts only once it is written. */
  copy(): RetainedLogs {
    const copy = new RetainedLogs([], this.limits);
    copy.#list = this.#list.slice();
    copy.#sizes = this.#sizes;
    for (const [key, count] of this.#counts) copy.#counts.set(key, count);
    copy.#bytes = this.#bytes;
    return copy;
  }

  /** Total size of the kept logs, as counted by `add`. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Adds `log` (counted as `bytes`) and drops the oldest logs beyond the limits; returns how many went. */
  add(log: StoredLog, bytes: number): number {
    this.#list.push(log);
    this.#sizes.set(log, bytes);
    this.#bytes += bytes;
    const key = keyOf(log);
    const count = (this.#counts.get(key) ?? 0) + 1;
    this.#counts.set(key, count);

    let dropped = 0;
    if (count > this.limits.perSourceEnvironment) {
      const oldest = this.#list.findIndex((seen) => keyOf(seen) === key);
      this.#remove(oldest);
      dropped++;
    }
    while (this.#bytes > this.limits.totalBytes && this.#list.length > 1) {
      this.#remove(0);
      dropped++;
    }
    return dropped;
  }

  #remove(index: number): void {
    const [log] = this.#list.splice(index, 1);
    if (!log) return;
    this.#bytes -= this.#sizes.get(log) ?? 0;
    const key = keyOf(log);
    const count = (this.#counts.get(key) ?? 1) - 1;
    if (count === 0) this.#counts.delete(key);
    else this.#counts.set(key, count);
  }
}

function keyOf(log: StoredLog): string {
  return `${log.environment}\u0000${log.source_key}`;
}
