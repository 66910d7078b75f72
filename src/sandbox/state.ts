import { resourceMissing, stateNotSaved } from "./errors.js";
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
 * The sandbox's single source of truth plus its persistence. `state` is what is written (or, in memory only,
 * what was made): a change is made on a copy through changeSources() or addLog(), written, and only then
 * becomes the state, so a change that could not be written is not made and readers never see it meanwhile.
 * Changes take turns: each one starts from the state the one before it left, written or refused, so a
 * refused change can never take another's with it.
 */
export class SandboxStore {
  #logs: RetainedLogs;
  #turn: Promise<unknown> = Promise.resolve();

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

  /**
   * Changes the sources: `change` gets a copy of them to change (or throws, and nothing changes), the copy is
   * written, then it is the state. Resolves with what `change` returned, as it is in the state now; rejects
   * with a 507 if the write failed, the state as it was.
   */
  changeSources<T>(change: (sources: StoredSource[]) => T): Promise<T> {
    return this.#take(async () => {
      const sources = structuredClone(this.state.sources);
      const result = change(sources);
      if (this.writer) {
        const { writer } = this;
        await saved(writer.path, () => writer.writeSources({ ...this.state, sources }));
      }
      this.state.sources = sources;
      return result;
    });
  }

  /**
   * Adds the log `build` makes from the next seq (in this store's turn, so what it reads of the state is
   * final: no other change lands between its reading and its log), drops the oldest beyond the limits
   * (retention.ts), writes it, then lists it. Resolves with what `build` returned; rejects with a 507 if the
   * write failed, the state (logs, next_seq, what retention counts) as it was.
   */
  addLog<T extends { log: StoredLog }>(build: (seq: number) => T): Promise<T> {
    return this.#take(async () => {
      const built = build(this.state.next_seq);
      const line = logLine(built.log);
      const logs = this.#logs.copy();
      logs.add(built.log, lineBytes(line));
      if (this.writer) {
        const { writer } = this;
        await saved(writer.logsPath, () => writer.appendLog(line, logs.list, logs.bytes));
      }
      this.#logs = logs;
      this.state.logs = logs.list;
      this.state.next_seq = built.log.seq + 1;
      return built;
    });
  }

  /** Writes the whole state anew (a fresh or upgraded state file), before any request is served. */
  async writeAll(): Promise<void> {
    // Logs first: until the version 2 snapshot is written, a restart reads the logs from where they were.
    await this.writer?.rewriteLogs(this.state.logs);
    await this.writer?.writeSources(this.state);
  }

  /** Waits for every change and write, and releases the files. */
  async close(): Promise<void> {
    await this.#turn;
    await this.writer?.close();
  }

  #take<T>(change: () => Promise<T>): Promise<T> {
    const result = this.#turn.then(change);
    this.#turn = result.catch(() => undefined);
    return result;
  }
}

/** Runs a write; its failure is answered as the change refused (a 507 naming the file), not as a crash. */
async function saved(file: string, write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (error) {
    throw stateNotSaved(file, error);
  }
}

export function requireEnvironment(value: string): Environment {
  if (!isEnvironment(value)) throw resourceMissing(`Environment "${value}" does not exist`);
  return value;
}
