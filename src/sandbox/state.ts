import { resourceMissing } from "./errors.js";
import type { StateWriter } from "./persist.js";
import {
  type Environment,
  isEnvironment,
  type SandboxState,
  type StoredLog,
  type StoredSource,
} from "./types.js";

/** The sandbox's single source of truth plus its persistence; handlers mutate `state` then call commit(). */
export class SandboxStore {
  constructor(
    readonly state: SandboxState,
    private readonly writer: StateWriter | null,
    readonly now: () => Date,
  ) {}

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

  /** Persists a snapshot of the current state; resolves once it is on disk (immediately when in memory). */
  commit(): Promise<void> {
    return this.writer ? this.writer.write(this.state) : Promise.resolve();
  }

  flush(): Promise<void> {
    return this.writer ? this.writer.flush() : Promise.resolve();
  }
}

export function requireEnvironment(value: string): Environment {
  if (!isEnvironment(value)) throw resourceMissing(`Environment "${value}" does not exist`);
  return value;
}
