import { z } from "zod";
import type { KnockClient } from "../knock/client.js";
import { RehearseResult } from "../knock/schemas.js";
import { InputError } from "../shared/errors.js";
import { defineTool } from "./define-tool.js";
import { Environment, jsonBytes, SourceKey } from "./params.js";

const MAX_PAYLOAD_BYTES = 1_000_000;

type Rehearsal = z.output<typeof RehearseResult>;
type Json = Record<string, unknown>;

export default defineTool({
  name: "rehearse_source_event",
  title: "Rehearse a source event",
  description:
    "Run a test payload through a source's pipeline (script, verification, event type, idempotency, " +
    "mappings); writes a rehearsal log, never in production.\n" +
    "Use it to check a mapping or script; get_source_provider has example payloads.\n" +
    'Example: {"key": "stripe", "payload": {"body": {"type": "invoice.paid"}}}.\n' +
    "When it fails or runs nothing, `explanation` says why; list_source_logs with id = log_id shows the log.",
  input: z.strictObject({
    key: SourceKey,
    environment: Environment,
    payload: z
      .record(z.string(), z.unknown())
      .refine(
        (p) => jsonBytes(p) <= MAX_PAYLOAD_BYTES,
        `payload is larger than ${MAX_PAYLOAD_BYTES} bytes of JSON`,
      )
      .describe(
        'The event: {"body": {...}, "headers": {...}}; mappings read body.*, headers.*, preprocess.*.',
      ),
  }),
  output: RehearseResult.extend({ explanation: z.string().optional() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  links: (result, { key, environment }, defaultEnvironment) =>
    result.log_id
      ? [{ environment: environment ?? defaultEnvironment, source: key, logId: result.log_id }]
      : [],
  handler: async ({ key, environment, payload }, { client, defaultEnvironment, signal }) => {
    const env = environment ?? defaultEnvironment;
    if (env === "production") {
      throw new InputError(
        'Rehearsal cannot run in the production environment, so nothing was sent. Pass another environment, e.g. "development".',
      );
    }
    const result = await client.rehearseSource(key, env, payload, signal);
    if (result.status === "ok" && (result.action_logs_count ?? 0) > 0) return result;
    let explanation: string | null;
    try {
      explanation = await explain(client, key, env, result, signal);
    } catch (error) {
      // The rehearsal itself succeeded: a failed look at its log leaves the result as Knock gave it.
      if (signal.aborted) throw error;
      explanation = null;
    }
    return explanation ? { ...result, explanation } : result;
  },
});

/**
 * Why a rehearsal failed or ran no action, from its log (read back as list_source_logs would) and, for an
 * event no mapping took, the source's mappings, both through the client, so it works against Knock as
 * against the sandbox. It reads the `reason` a script returned (in the log's preprocess_output), each
 * action's `action_result.error`, and the `idempotent` label and `replay_of` that the sandbox puts on a
 * replay (Knock's spec documents neither), and says less when a field is not there.
 */
async function explain(
  client: KnockClient,
  key: string,
  environment: string,
  result: Rehearsal,
  signal: AbortSignal,
): Promise<string | null> {
  const log = result.log_id
    ? ((
        await client.listSourceLogs(key, { environment, id: result.log_id, include: ["actions"] }, signal)
      ).entries.find((entry) => entry.id === result.log_id) as Json | undefined)
    : undefined;
  const errors = result.errors ?? [];
  const stop = errors.find((e) => ["verification", "preprocess_script", "event_type_path"].includes(e.field));
  if (stop?.field === "verification") {
    const output = isJson(log?.preprocess_output) ? log.preprocess_output : {};
    const reason = text(output.reason) ?? text(output.error);
    return reason
      ? `Rejected by verification (enforced): the preprocess script returned verified: false, reason "${reason}". No actions ran.`
      : `Rejected by verification (enforced): ${stop.message}. No actions ran.`;
  }
  if (stop) return `Stopped at ${stop.field}: ${stop.message}. No actions ran.`;

  const actions = Array.isArray(log?.actions) ? (log.actions as Json[]) : [];
  const failed = actions.filter((action) => action.action_status === "error");
  if (failed.length > 0 || (result.failed_action_logs_count ?? 0) > 0) {
    const why = failed.map(
      (a) =>
        `${String(a.action_type)}: ${text(isJson(a.action_result) ? a.action_result.error : null) ?? "failed"}`,
    );
    const detail = why.length > 0 ? why : errors.map((e) => `${e.field}: ${e.message}`);
    return `${result.failed_action_logs_count ?? failed.length} of ${result.action_logs_count ?? actions.length} actions failed: ${detail.join("; ")}.`;
  }
  if ((result.action_logs_count ?? actions.length) > 0 || !log) return null;

  if (log.idempotent === true) {
    const of = text(log.replay_of) ? `of log ${text(log.replay_of)} ` : "";
    return `An idempotent replay ${of}(same idempotency key and event type within 24 hours): no actions ran.`;
  }
  const event = String(log.event);
  const source = await client.getSource(key, environment, signal);
  const mappings = source.environment_settings?.[environment]?.mappings ?? [];
  const live = mappings.filter((m) => m.active !== false && m.is_deleted !== true);
  if (live.some((m) => m.event_type === event)) {
    return `No action ran, though event type "${event}" has active mappings: likely an idempotent replay (same idempotency key and event type within 24 hours).`;
  }
  const types = [...new Set(live.map((m) => String(m.event_type)))];
  const listed =
    types.length > 0
      ? `mapped event types: ${types.slice(0, 10).join(", ")}${types.length > 10 ? ", …" : ""}`
      : "the source has no active mappings";
  return `No active mapping for event type "${event}" in ${environment}; ${listed}.`;
}

function isJson(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | null {
  return typeof value === "string" && value.trim() !== "" ? value.trim().slice(0, 300) : null;
}
