import { unavailable } from "../errors.js";
import type { IdSource } from "../ids.js";
import { resolvePath } from "../paths.js";
import type { SandboxStore } from "../state.js";
import { type Environment, isPlainObject, type StoredLog, type StoredSource } from "../types.js";
import { type MappingError, runMappings } from "./actions.js";
import { runPreprocessScript } from "./script.js";

export interface RehearseOptions {
  vars: Record<string, string>;
  scriptTimeoutMs: number;
  ids: IdSource;
}

export interface RehearseResponse {
  log_id: string;
  status: "ok" | "error";
  action_logs_count: number;
  successful_action_logs_count: number;
  failed_action_logs_count: number;
  errors: MappingError[] | null;
}

const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;
const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
/** Event name logged when the pipeline stops before the event type is known (SourceLog.event is required). */
export const UNKNOWN_EVENT = "unknown";

/**
 * The execution a replay of `key` repeats: within the window, the same key value and event type (the caller
 * passes only this source's logs in this environment), and one that Knock recorded, i.e. that executed
 * and succeeded. A replay is not an execution, and a rejected or failed run is never recorded.
 */
function precedingExecution(
  logs: readonly StoredLog[],
  key: string,
  eventType: string,
  now: string,
): StoredLog | undefined {
  const since = Date.parse(now) - IDEMPOTENCY_WINDOW_MS;
  let latest: StoredLog | undefined;
  for (const seen of logs) {
    if (seen.idempotency_key !== key || seen.event !== eventType || seen.idempotent) continue;
    if (Date.parse(seen.inserted_at) < since || !succeeded(seen)) continue;
    if (!latest || seen.seq > latest.seq) latest = seen;
  }
  return latest;
}

function succeeded(log: StoredLog): boolean {
  return log.actions.every((action) => action.action_status !== "error");
}

/**
 * Why verification rejected the event, in the script's own words when it gave any: a script that returns
 * `{verified: false, reason: "signature mismatch"}` (the catalog's convention) is quoted.
 */
function verificationFailure(output: Record<string, unknown> | null): string {
  const reason = output?.reason ?? output?.error;
  if (typeof reason === "string" && reason.trim() !== "") {
    return `the event was rejected: ${reason.trim().slice(0, 300)} (verification is enforced and the preprocess script returned verified: false)`;
  }
  return "the event was rejected: verification is enforced and the preprocess script did not return verified: true";
}

function lowerCaseHeaders(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isPlainObject(headers)) return out;
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || value === null) continue;
    out[name.toLowerCase()] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return out;
}

/**
 * Sends one payload through the source's pipeline in `environment` (Knock's documented pipeline; the README's sandbox section sums it up):
 * preprocess script → verification → event type → idempotency → mappings, then logs the event as a rehearsal.
 * Every outcome, including a rejection, writes a log so it shows in logs, events and status.
 */
export async function rehearse(
  store: SandboxStore,
  source: StoredSource,
  environment: Environment,
  payload: Record<string, unknown>,
  options: RehearseOptions,
): Promise<RehearseResponse> {
  const { settings } = source.environments[environment];
  const body = payload.body;
  const headers = lowerCaseHeaders(payload.headers);
  const rawBody = body === undefined ? "" : JSON.stringify(body);

  let preprocessOutput: Record<string, unknown> | null = null;
  let scriptError: string | null = null;
  if (settings.preprocess_script) {
    const result = await runPreprocessScript(
      settings.preprocess_script.source,
      { vars: options.vars, body, rawBody, headers },
      { timeoutMs: options.scriptTimeoutMs, lane: source.key },
    );
    // Not run at all, so nothing is logged: the caller may simply try again later.
    if (!result.ok && result.busy) {
      throw unavailable(
        `The sandbox is busy running other preprocess scripts (${result.error}); nothing was logged. Retry in ${Math.ceil(result.retryAfterMs / 1000)} s.`,
        result.retryAfterMs,
      );
    }
    if (result.ok) preprocessOutput = result.output;
    else scriptError = result.error;
  }

  // Decided in the store's turn, so the idempotency check sees every earlier rehearsal as written (or
  // refused), and no other log lands between the check and this one.
  const { log, rejection, errors } = await store.addLog((seq) =>
    recordRun(store, source, environment, { body, headers, preprocessOutput, scriptError }, seq, options),
  );

  const failed = log.actions.filter((action) => action.action_status === "error").length;
  const successful = log.actions.filter((action) => action.action_status === "success").length;
  return {
    log_id: log.id,
    status: rejection || failed > 0 ? "error" : "ok",
    action_logs_count: log.actions.length,
    successful_action_logs_count: successful,
    failed_action_logs_count: failed,
    errors: errors.length > 0 ? errors : null,
  };
}

interface ScriptRun {
  body: unknown;
  headers: Record<string, string>;
  preprocessOutput: Record<string, unknown> | null;
  scriptError: string | null;
}

/** The log of one rehearsal after its script: verification, event type, idempotency, mappings. */
function recordRun(
  store: SandboxStore,
  source: StoredSource,
  environment: Environment,
  { body, headers, preprocessOutput, scriptError }: ScriptRun,
  seq: number,
  options: RehearseOptions,
): { log: StoredLog; rejection: MappingError | null; errors: MappingError[] } {
  const current = store.findSource(source.key) ?? source;
  const env = current.environments[environment];
  const enforced = env.settings.enforce_verification;
  const verified = preprocessOutput?.verified === true;
  const envelope: Record<string, unknown> = { body, headers, preprocess: preprocessOutput };
  const eventPath = env.settings.event_type_path;
  const resolvedEvent = eventPath ? resolvePath(envelope, eventPath) : undefined;
  const eventType =
    typeof resolvedEvent === "string" || typeof resolvedEvent === "number" ? String(resolvedEvent) : null;

  const now = store.nowIso();
  const log: StoredLog = {
    id: options.ids.id("log"),
    seq,
    source_key: current.key,
    environment,
    event: eventType ?? UNKNOWN_EVENT,
    data: isPlainObject(body) ? body : null,
    inserted_at: now,
    preprocess_output: preprocessOutput,
    source: "rehearsal",
    verification_status: `${enforced ? "enforced" : "unenforced"}:${verified ? "verified" : "unverified"}`,
    idempotency_key: null,
    idempotent: false,
    replay_of: null,
    actions: [],
  };

  const rejection = ((): MappingError | null => {
    if (scriptError !== null) return { field: "preprocess_script", message: scriptError };
    if (enforced && !verified)
      return { field: "verification", message: verificationFailure(preprocessOutput) };
    if (eventType === null) {
      return {
        field: "event_type_path",
        message: eventPath
          ? `path ${eventPath} resolved to nothing (or to a value that is not a string)`
          : "the source has no event_type_path configured",
      };
    }
    // Idempotency as Knock documents it (docs: integrations/sources/overview.mdx, "Source event idempotency";
    // custom.mdx): a key that is missing or not a string of 1-255 characters is dropped and the event is
    // processed normally, just not idempotently.
    const keyPath = env.settings.idempotency_key_path;
    const key = keyPath ? resolvePath(envelope, keyPath) : undefined;
    if (typeof key === "string" && key.length > 0 && key.length <= MAX_IDEMPOTENCY_KEY_LENGTH) {
      log.idempotency_key = key;
      const preceding = precedingExecution(store.logsOf(current.key, environment), key, eventType, now);
      if (preceding) {
        log.idempotent = true;
        log.replay_of = preceding.id;
      }
    }
    return null;
  })();

  let errors: MappingError[] = [];
  if (rejection) {
    errors = [rejection];
  } else if (!log.idempotent && eventType !== null) {
    const run = runMappings(env.mappings, eventType, envelope, now, options.ids);
    log.actions = run.actions;
    errors = run.errors;
  }
  return { log, rejection, errors };
}
