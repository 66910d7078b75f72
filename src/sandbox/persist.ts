import { randomBytes } from "node:crypto";
import { type FileHandle, open, readFile, rename, rm, truncate } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { z } from "zod";
import { lineBytes, logLine } from "./retention.js";
import { ACTION_ORDER, ENVIRONMENTS, type SandboxState, type StoredLog } from "./types.js";

// On disk the state is two files:
//  - FILE, a snapshot of everything but the logs ({version: 2, next_seq, sources}), rewritten whole when a
//    source changes (it is small: a few kilobytes a source), by temp file + fsync + rename;
//  - FILE.logs.jsonl, the logs, one JSON object a line, oldest first: a rehearsal appends its one line and
//    fsyncs, so it costs the size of that log, not of everything ever rehearsed. The retention rule
//    (retention.ts) is applied again when the file is read, and now and then the file is compacted to the
//    logs still kept (temp file + fsync + rename), once the dropped ones outweigh them.
// A crash can leave, at worst, a stray temp file or a last line cut short; neither was ever acknowledged,
// and loading ignores both. Version 1 files (the logs inside the snapshot) are read and rewritten as version 2.

/** The state file exists but cannot be used. It is never replaced silently: the user's data may be in it. */
export class SandboxStateError extends Error {
  readonly path: string;

  constructor(path: string, problem: string, remedy = "Fix or move the file, then start again.") {
    super(`Sandbox state file ${path} is unusable: ${problem}. ${remedy}`);
    this.name = "SandboxStateError";
    this.path = path;
  }
}

const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), "expected an ISO-8601 date-time");
const jsonObject = z.record(z.string(), z.unknown());

const settingsSchema = z.looseObject({
  endpoint: z.string(),
  enforce_verification: z.boolean(),
  event_type_path: z.string().nullable(),
  idempotency_key_path: z.string().nullable(),
  timestamp_path: z.string().nullable(),
  preprocess_script: z.object({ language: z.literal("javascript"), source: z.string() }).nullable(),
});

const mappingSchema = z.object({
  event_type: z.string(),
  action_type: z.enum(ACTION_ORDER),
  action_parameters: jsonObject.nullable(),
  active: z.boolean(),
  is_deleted: z.boolean(),
  created_at: isoDate,
  updated_at: isoDate,
  pending_commit: z.boolean(),
});

const environmentSchema = z.object({
  settings: settingsSchema,
  mappings: z.array(mappingSchema),
  updated_at: isoDate,
});

const sourceSchema = z.object({
  key: z.string().min(1),
  name: z.string(),
  description: z.string().nullable(),
  custom_image_url: z.string().nullable(),
  created_at: isoDate,
  updated_at: isoDate,
  environments: z.object(
    Object.fromEntries(ENVIRONMENTS.map((env) => [env, environmentSchema])) as Record<
      (typeof ENVIRONMENTS)[number],
      typeof environmentSchema
    >,
  ),
});

const actionSchema = z.object({
  id: z.string(),
  action_type: z.enum(ACTION_ORDER),
  action_status: z.enum(["success", "error", "skipped"]),
  action_parameters: jsonObject.nullable(),
  action_payload: jsonObject.nullable(),
  action_result: jsonObject.nullable(),
  inserted_at: isoDate,
});

const logSchema = z.object({
  id: z.string(),
  seq: z.number().int().nonnegative(),
  source_key: z.string(),
  environment: z.enum(ENVIRONMENTS),
  event: z.string(),
  data: jsonObject.nullable(),
  inserted_at: isoDate,
  preprocess_output: jsonObject.nullable(),
  source: z.string().nullable(),
  verification_status: z.string().nullable(),
  idempotency_key: z.string().nullable(),
  idempotent: z.boolean(),
  // Added after the first release of this format: files written before it have none.
  replay_of: z.string().nullable().default(null),
  actions: z.array(actionSchema),
});

const snapshotSchema = z.discriminatedUnion("version", [
  z.object({
    version: z.literal(1),
    next_seq: z.number().int().nonnegative(),
    sources: z.array(sourceSchema),
    logs: z.array(logSchema),
  }),
  z.object({
    version: z.literal(2),
    next_seq: z.number().int().nonnegative(),
    sources: z.array(sourceSchema),
  }),
]);

/** The log file beside a state file. */
export function logsPathFor(path: string): string {
  return `${path}.logs.jsonl`;
}

export interface LoadedState {
  state: SandboxState;
  /** The snapshot's format: a version 1 file is to be rewritten as version 2, its logs first. */
  version: 1 | 2;
  /** Bytes of the log file that hold whole lines (what appends continue from). */
  logFileBytes: number;
  /** The log file ends in a line a crash cut short, to be cut off before anything is appended. */
  tornTail: boolean;
}

/** Reads the state file and its log file; null when the state file does not exist (first start). */
export async function loadState(path: string): Promise<LoadedState | null> {
  const text = await readText(path);
  if (text === null) return null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SandboxStateError(path, `it is not valid JSON (${(error as Error).message})`);
  }
  const parsed = snapshotSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join(".") : "(root)";
    throw new SandboxStateError(
      path,
      `it is not a sandbox state: at ${where}: ${issue?.message ?? "invalid"}`,
    );
  }
  const snapshot = parsed.data;
  const keys = new Set<string>();
  for (const source of snapshot.sources) {
    if (keys.has(source.key)) throw new SandboxStateError(path, `source key "${source.key}" appears twice`);
    keys.add(source.key);
  }
  const sources = snapshot.sources as SandboxState["sources"];
  // A version 1 snapshot holds the logs; a log file beside it is left over from an interrupted upgrade.
  if (snapshot.version === 1) {
    const logs = snapshot.logs as StoredLog[];
    return {
      state: { version: 1, next_seq: nextSeq(snapshot.next_seq, logs), sources, logs },
      version: 1,
      logFileBytes: 0,
      tornTail: false,
    };
  }
  const { logs, wholeBytes, totalBytes } = await readLogFile(logsPathFor(path));
  return {
    state: { version: 1, next_seq: nextSeq(snapshot.next_seq, logs), sources, logs },
    version: 2,
    logFileBytes: wholeBytes,
    tornTail: wholeBytes !== totalBytes,
  };
}

async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new SandboxStateError(path, `cannot be read (${(error as Error).message})`);
  }
}

/** A rehearsal appends without rewriting the snapshot, so its seq may be past the snapshot's next_seq. */
function nextSeq(stored: number, logs: readonly StoredLog[]): number {
  return logs.reduce((next, log) => Math.max(next, log.seq + 1), stored);
}

async function readLogFile(
  path: string,
): Promise<{ logs: StoredLog[]; wholeBytes: number; totalBytes: number }> {
  const text = (await readText(path)) ?? "";
  const totalBytes = Buffer.byteLength(text, "utf8");
  const end = text.lastIndexOf("\n") + 1;
  const logs: StoredLog[] = [];
  let start = 0;
  for (let line = 1; start < end; line++) {
    const stop = text.indexOf("\n", start);
    const parsed = parseLogLine(text.slice(start, stop));
    if (!parsed.success)
      throw new SandboxStateError(path, `line ${line} is not a sandbox log: ${parsed.problem}`);
    logs.push(parsed.log);
    start = stop + 1;
  }
  return { logs, wholeBytes: Buffer.byteLength(text.slice(0, end), "utf8"), totalBytes };
}

function parseLogLine(line: string): { success: true; log: StoredLog } | { success: false; problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (error) {
    return { success: false, problem: `not valid JSON (${(error as Error).message})` };
  }
  const parsed = logSchema.safeParse(json);
  if (parsed.success) return { success: true, log: parsed.data as StoredLog };
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.join(".") : "(root)";
  return { success: false, problem: `at ${where}: ${issue?.message ?? "invalid"}` };
}

/** Compact the log file once the lines of dropped logs outweigh the kept ones, and this much at least. */
const COMPACT_AFTER_BYTES = 4 * 1024 * 1024;

/**
 * Writes the state file and the log file (see the top of this file) one write after another, in the order
 * asked: a later write never lands before an earlier one, so a log is never on disk before its source.
 */
export class StateWriter {
  private chain: Promise<void> = Promise.resolve();
  private handle: FileHandle | null = null;
  /** The log file's size as written so far (whole lines only). */
  private diskBytes: number;
  /** A write failed and left the file behind memory: nothing is appended until a rewrite succeeds. */
  private broken = false;
  /** The log file's size once every queued write is done. */
  private logFileBytes: number;
  readonly logsPath: string;

  constructor(
    readonly path: string,
    logFileBytes = 0,
  ) {
    this.logsPath = logsPathFor(path);
    this.logFileBytes = logFileBytes;
    this.diskBytes = logFileBytes;
  }

  /** Rewrites the snapshot: the sources and next_seq, no logs. */
  writeSources(state: SandboxState): Promise<void> {
    const text = `${JSON.stringify({ version: 2, next_seq: state.next_seq, sources: state.sources })}\n`;
    return this.enqueue(() => writeAtomically(this.path, text));
  }

  /**
   * Appends one log's line (from logLine), or, when the file has grown to more than twice what is kept,
   * writes the kept logs anew instead (`kept`, oldest first, includes this log; `keptBytes` their size).
   */
  appendLog(line: string, kept: readonly StoredLog[], keptBytes: number): Promise<void> {
    const bytes = lineBytes(line);
    const garbage = this.logFileBytes + bytes - keptBytes;
    if (this.broken || garbage > Math.max(keptBytes, COMPACT_AFTER_BYTES)) return this.rewriteLogs(kept);
    this.logFileBytes += bytes;
    return this.enqueue(async () => {
      if (this.broken) throw new Error(`${this.logsPath} could not be repaired after a failed write`);
      try {
        this.handle ??= await open(this.logsPath, "a", 0o600);
        await this.handle.write(`${line}\n`);
        await this.handle.datasync();
        this.diskBytes += bytes;
      } catch (error) {
        // Part of the line may be on disk: cut it off, or append nothing more until the file is rewritten.
        this.logFileBytes -= bytes;
        try {
          await this.handle?.truncate(this.diskBytes);
        } catch {
          this.broken = true;
        }
        throw error;
      }
    });
  }

  /** Writes the log file anew with exactly `logs` (copied now: later additions are appended after it). */
  rewriteLogs(logs: readonly StoredLog[]): Promise<void> {
    const text = logs.map((log) => `${logLine(log)}\n`).join("");
    const bytes = Buffer.byteLength(text, "utf8");
    this.logFileBytes = bytes;
    return this.enqueue(async () => {
      await this.closeHandle();
      try {
        await writeAtomically(this.logsPath, text);
      } catch (error) {
        // The previous file is intact but lacks what this rewrite held: the next log tries again.
        this.broken = true;
        throw error;
      }
      this.diskBytes = bytes;
      this.broken = false;
    });
  }

  /** Cuts a last line that a crash left unfinished, before anything is appended after it. */
  truncateLogs(bytes: number): Promise<void> {
    this.logFileBytes = bytes;
    return this.enqueue(async () => {
      await this.closeHandle();
      await truncate(this.logsPath, bytes);
      this.diskBytes = bytes;
    });
  }

  /** Waits for every queued write, then releases the log file. */
  close(): Promise<void> {
    return this.enqueue(() => this.closeHandle());
  }

  private enqueue(write: () => Promise<void>): Promise<void> {
    const result = this.chain.then(write);
    this.chain = result.catch(() => undefined);
    return result;
  }

  private async closeHandle(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    await handle?.close();
  }
}

/** A temp file beside the state file (so the rename is atomic); random enough that no two writers collide. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(12).toString("hex")}.tmp`);
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const temp = tempPathFor(path);
  try {
    const handle = await open(temp, "w", 0o600);
    try {
      await handle.writeFile(text, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    // What failed is the news, not the cleanup (which fails too when the directory is gone).
    await rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
}
