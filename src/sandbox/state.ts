import { resourceMissing } from "./errors.js";
import type { StateWriter } from "./persist.js";
import { DEFAULT_LOG_LIMITS, type LogLimits, lineBytes, logLine, RetainedLogs } from "./retention.js";
import {
  type Environment,
  isEnvironment,
  type SandboxState,
  type StoredLog,
  type StoredSource,
} from "./types.js";

/**
 * The sandbox's single source of truth plus its persistence: handlers change sources in `state` then call
 * saveSources(); a log goes in through addLog(), which keeps the logs within their limits.
 */
export class SandboxStore {
  readonly #logs: RetainedLogs;

  constructor(
    readonly state: SandboxState,
    private readonly writer: StateWriter | null,
    readonly now: () => Date,
    limits: LogLimits = DEFAULT_LOG_LIMITS,
  ) {
    this.#logs = new RetainedLogs(state.logs, limits);
  }

  nowIso(): string {
    return this.now().toISOString();
  }

  findSource(key: string): StoredSource | undefined {
    return this.state.sources.find((source) => source.key === key);
  }

  requireSource(key: string): StoredSource {
    const source = this.findSource(key);
    if (!source) throw resourceMissing(`Source "${key}" does not exist`);
    return source;
  }

  logsOf(sourceKey: string, environment?: Environment): StoredLog[] {
    return this.state.logs.filter(
      (log) => log.source_key === sourceKey && (environment === undefined || log.environment === environment),
    );
  }

  nextSeq(): number {
    const seq = this.state.next_seq;
    this.state.next_seq += 1;
    return seq;
  }

  /** Persists the sources; resolves once they are on disk (at once when in memory). */
  saveSources(): Promise<void> {
    return this.writer ? this.writer.writeSources(this.state) : Promise.resolve();
  }

  /**
   * Adds a log, dropping the oldest beyond the limits (retention.ts), and persists it; resolves once it is on
   * disk. The log is listed at once, before the write completes.
   */
  addLog(log: StoredLog): Promise<void> {
    const line = logLine(log);
    this.#logs.add(log, lineBytes(line));
    return this.writer ? this.writer.appendLog(line, this.state.logs, this.#logs.bytes) : Promise.resolve();
  }

  /** Writes every log anew (a fresh or upgraded state file). */
  saveLogs(): Promise<void> {
    return this.writer ? this.writer.rewriteLogs(this.state.logs) : Promise.resolve();
  }

  flush(): Promise<void> {
    return this.writer ? this.writer.flush() : Promise.resolve();
  }

  /** Waits for every write and releases the files. */
  close(): Promise<void> {
    return this.writer ? this.writer.close() : Promise.resolve();
  }
}

export function requireEnvironment(value: string): Environment {
  if (!isEnvironment(value)) throw resourceMissing(`Environment "${value}" does not exist`);
  return value;
}
