import { z } from "zod";
import { ENVIRONMENT_SLUG } from "../config.js";
import { ACTION_TYPES, Source } from "../knock/schemas.js";
import { defineTool } from "./define-tool.js";
import { Environment, jsonBytes, lengthBetween, ProviderKey, SourceKey } from "./params.js";

const MAX_BODY_BYTES = 1_000_000;

const Mapping = z.strictObject({
  event_type: lengthBetween("event_type", 1, 256).describe("Event type to match, e.g. invoice.paid."),
  action_type: z.enum(ACTION_TYPES),
  action_parameters: z
    .record(z.string(), z.unknown())
    .nullable()
    .optional()
    .describe(
      'Paths into {body, headers, preprocess}, e.g. {"key": "invoice-paid", "recipients": "body.customer"}; a workflow key is literal.',
    ),
  active: z.boolean().optional().describe("false skips the mapping. Default true."),
  is_deleted: z
    .boolean()
    .optional()
    .describe("true marks it deleted; a workflows_trigger one stays listed until committed."),
  // Accepted so that mappings read with get_source can be edited and sent back as they are.
  created_at: z.string().optional().describe("Read-only; ignored."),
  updated_at: z.string().optional().describe("Read-only; ignored."),
});

const Settings = z.looseObject({
  enforce_verification: z.boolean().optional().describe("Reject events the script does not verify."),
  event_type_path: z.string().nullable().optional().describe("Where the event type is, e.g. body.type."),
  idempotency_key_path: z
    .string()
    .nullable()
    .optional()
    .describe("Where a unique event id is, e.g. body.id."),
  timestamp_path: z.string().nullable().optional(),
  preprocess_script: z
    .strictObject({ language: z.literal("javascript"), source: lengthBetween("source", 0, 200_000) })
    .nullable()
    .optional()
    .describe("Defines main(ctx) returning {verified, ...values for preprocess.*}."),
});

export default defineTool({
  name: "upsert_source",
  title: "Create or update a source",
  description:
    "Create or update a source in an environment; only the fields given are sent.\n" +
    "To start from a template pass preconfigured_provider (create only). Given mappings replace the " +
    "environment's mappings.\n" +
    'Example: {"key": "stripe", "name": "Stripe", "preconfigured_provider": "stripe"}.',
  input: z
    .strictObject({
      key: SourceKey,
      environment: Environment,
      name: lengthBetween("name", 1, 256).describe("Display name."),
      description: lengthBetween("description", 0, 2000)
        .nullable()
        .optional()
        .describe("What the source receives; null clears it."),
      custom_image_url: lengthBetween("custom_image_url", 0, 2048)
        .nullable()
        .optional()
        .describe("URL of an image for the source."),
      preconfigured_provider: ProviderKey.optional(),
      environment_settings: z
        .record(
          z
            .string()
            .refine((v) => ENVIRONMENT_SLUG.test(v), "environment_settings keys must be environment slugs"),
          z.strictObject({ settings: Settings.optional(), mappings: z.array(Mapping).optional() }),
        )
        .optional()
        .describe("Keyed by environment slug, e.g. development."),
    })
    .refine(
      (args) => jsonBytes(args) <= MAX_BODY_BYTES,
      `the source is larger than ${MAX_BODY_BYTES} bytes of JSON`,
    ),
  output: Source.extend({ note: z.string().optional() }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  changesCatalog: true,
  handler: async (
    { key, environment, environment_settings, ...source },
    { client, defaultEnvironment, signal },
  ) => {
    // Settings for exactly one environment say which environment is meant when none is passed.
    const named = Object.keys(environment_settings ?? {});
    const env = environment ?? (named.length === 1 ? named[0] : undefined) ?? defaultEnvironment;
    // Knock ignores preconfigured_provider on an existing source ("When creating a source, bootstraps
    // configuration from a preconfigured provider template. Ignored when updating an existing source.":
    // SourceRequest in the mAPI spec and knock-mgmt-node src/resources/data-sources.ts), and its answer
    // does not say which happened. Its created_at/updated_at are no sure sign (nothing documents how an
    // update moves them, and a create and an update can fall in the same instant), so one GET first: an
    // extra call only when a template is given.
    const template = source.preconfigured_provider;
    const existed = template !== undefined && (await client.sourceExists(key, env, signal));
    const saved = await client.upsertSource(
      key,
      env,
      { ...source, environment_settings: withoutReadOnly(environment_settings) },
      signal,
    );
    if (!existed) return saved;
    return {
      ...saved,
      note:
        `Source "${key}" already existed, so Knock did not apply the "${template}" template ` +
        "(preconfigured_provider is used only when a source is created); the other fields given were saved. " +
        "To use the template, read it with get_source_provider and pass its settings and mappings in environment_settings.",
    };
  },
});

type EnvironmentSettingsInput = Record<
  string,
  { settings?: unknown; mappings?: Array<Record<string, unknown>> }
>;

/** The mappings' timestamps are Knock's to set; they are dropped rather than sent back. */
function withoutReadOnly(
  settings: EnvironmentSettingsInput | undefined,
): EnvironmentSettingsInput | undefined {
  if (!settings) return undefined;
  return Object.fromEntries(
    Object.entries(settings).map(([env, value]) => [
      env,
      value.mappings
        ? {
            ...value,
            mappings: value.mappings.map(({ created_at: _c, updated_at: _u, ...mapping }) => mapping),
          }
        : value,
    ]),
  );
}
