import { randomBytes } from "node:crypto";
import { open, readFile, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { z } from "zod";
import { ACTION_ORDER, ENVIRONMENTS, type SandboxState } from "./types.js";

/** The state file exists but cannot be used. It is never replaced silently: the user's data may be in it. */
export class SandboxStateError extends Error {
  readonly path: string;

  constructor(path: string, problem: string) {
    super(`Sandbox state file ${path} is unusable: ${problem}. Fix or move the file, then start again.`);
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

const stateSchema = z.object({
  version: z.literal(1),
  next_seq: z.number().int().nonnegative(),
  sources: z.array(sourceSchema),
  logs: z.array(logSchema),
});

/** Reads the state file; null when it does not exist (first start). */
export async function loadState(path: string): Promise<SandboxState | null> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new SandboxStateError(path, `cannot be read (${(error as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SandboxStateError(path, `it is not valid JSON (${(error as Error).message})`);
  }
  const parsed = stateSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join(".") : "(root)";
    throw new SandboxStateError(
      path,
      `it is not a sandbox state: at ${where}: ${issue?.message ?? "invalid"}`,
    );
  }
  const state = parsed.data as SandboxState;
  const keys = new Set<string>();
  for (const source of state.sources) {
    if (keys.has(source.key)) throw new SandboxStateError(path, `source key "${source.key}" appears twice`);
    keys.add(source.key);
  }
  return state;
}

/**
 * Writes snapshots one after another (a later write never lands before an earlier one). Each write goes to a
 * fresh temp file in the same directory, is fsynced, then renamed over the state file: rename is atomic on one
 * filesystem, so a crash mid-write leaves the previous state intact plus, at worst, a stray temp file that
 * loading never looks at.
 */
export class StateWriter {
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly path: string) {}

  write(state: SandboxState): Promise<void> {
    const text = `${JSON.stringify(state)}\n`;
    const result = this.chain.then(() => writeAtomically(this.path, text));
    this.chain = result.catch(() => undefined);
    return result;
  }

  flush(): Promise<void> {
    return this.chain;
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
    await rm(temp, { force: true });
    throw error;
  }
}
