import { z } from "zod";
import { RehearseResult } from "../knock/schemas.js";
import { InputError } from "../shared/errors.js";
import { defineTool } from "./define-tool.js";
import { Environment, jsonBytes, SourceKey } from "./params.js";

const MAX_PAYLOAD_BYTES = 1_000_000;

export default defineTool({
  name: "rehearse_source_event",
  title: "Rehearse a source event",
  description:
    "Run a test payload through a source's pipeline (script, verification, event type, idempotency, " +
    "mappings) and see the actions it runs. Writes a rehearsal log; never in production.\n" +
    "Use it to check a mapping or script; get_source_provider has example payloads.\n" +
    'Example: {"key": "stripe", "payload": {"body": {"type": "invoice.paid"}, "headers": {}}}.\n' +
    'Then: list_source_logs with id = log_id and include ["actions"].',
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
        'The event as sent: {"body": {...}, "headers": {"name": "value"}}; mappings read body.*, headers.*, preprocess.*.',
      ),
  }),
  output: RehearseResult,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  handler: async ({ key, environment, payload }, { client, defaultEnvironment, signal }) => {
    const env = environment ?? defaultEnvironment;
    if (env === "production") {
      throw new InputError(
        'Rehearsal cannot run in the production environment, so nothing was sent. Pass another environment, e.g. "development".',
      );
    }
    return client.rehearseSource(key, env, payload, signal);
  },
});
