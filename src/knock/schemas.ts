// zod schemas of the API objects, written by hand from the OpenAPI subset. They parse Knock's answers in
// the client and are the tools' output schemas. Objects are loose so that a field Knock adds later passes
// through instead of failing validation in the MCP client; timestamps are plain strings (see STACK-NOTES).
//
// Required is only what a reader cannot work without: the keys and ids things are addressed by, a list's
// `entries`, and a rehearsal's `status`. Every other field is optional, and nullable, however the spec
// marks it: Knock's spec and its reference page disagree on several (the page has `inactive_at` where the
// spec requires `active`; the spec requires what the page lists as optional), and a field missing from, or
// null in, a real answer must not turn a successful call into an error.
import { z } from "zod";

export const ACTION_TYPES = [
  "workflows_trigger",
  "users_identify",
  "users_delete",
  "objects_set",
  "objects_delete",
  "objects_subscribe",
  "objects_unsubscribe",
  "tenants_set",
  "tenants_delete",
  "audiences_add_member",
  "audiences_remove_member",
] as const;

const json = z.record(z.string(), z.unknown());

/** A field Knock may leave out or send as null. */
const maybe = <T extends z.ZodType>(schema: T) => schema.nullable().optional();

/** What `include` can add to a provider template (GET /v1/source_providers/{key}). */
export const PROVIDER_INCLUDES = [
  "branding",
  "default_action_mappings",
  "example_payloads",
  "preprocessing_script",
  "static_fields",
] as const;
export type ProviderInclude = (typeof PROVIDER_INCLUDES)[number];

export const PreprocessScript = z.looseObject({ language: z.string(), source: z.string() });

// Nested objects declare the fields a reader relies on and let the rest pass through: every field here
// costs context in every tools/list, and a loose object keeps whatever else Knock sends.
export const EnvironmentSettings = z.looseObject({
  settings: maybe(json),
  // Each mapping: event_type, action_type, action_parameters, active, is_deleted, created_at, updated_at.
  mappings: maybe(z.array(json)),
});

// description, custom_image_url, created_at and updated_at pass through undeclared: nothing here reads them.
export const Source = z.looseObject({
  key: z.string(),
  name: maybe(z.string()),
  environment_settings: maybe(z.record(z.string(), EnvironmentSettings)),
});
export const SourceSummary = Source;

export const SourcesResponse = z.looseObject({ entries: z.array(SourceSummary) });
/**
 * One page of GET /v1/sources. The spec shows `entries` only, but Knock's CLI pages this call and reads
 * `page_info` from it (knock-cli src/lib/api-v1.ts, listSources).
 */
export const SourcesPage = SourcesResponse.extend({
  page_info: maybe(z.looseObject({ after: maybe(z.string()) })),
});
export const WrappedSource = z.looseObject({ source: Source });

export const SourceStatus = z.looseObject({
  events_count: maybe(z.number()),
  last_event_received: maybe(z.string()),
  mappings_count: maybe(z.number()),
  // Each: resource_key (the workflow), action_type, event_type, active, is_deleted, status (updated|deleted).
  mappings_requiring_commit: maybe(z.array(json)),
});

export const RehearseResult = z.looseObject({
  log_id: maybe(z.string()),
  status: z.enum(["ok", "error"]),
  action_logs_count: maybe(z.number()),
  successful_action_logs_count: maybe(z.number()),
  failed_action_logs_count: maybe(z.number()),
  errors: maybe(z.array(z.looseObject({ field: z.string(), message: z.string() }))),
});

export const SourceEvent = z.looseObject({ event: z.string(), last_received_at: maybe(z.string()) });
export const SourceEventsResponse = z.looseObject({ entries: z.array(SourceEvent) });

export const SourceLogAction = z.looseObject({
  id: z.string(),
  action_type: maybe(z.string()),
  action_status: maybe(z.string()),
});

export const SourceLog = z.looseObject({
  id: z.string(),
  event: maybe(z.string()),
  inserted_at: maybe(z.string()),
  actions: maybe(z.array(SourceLogAction)),
});

export const PageInfo = z.looseObject({ after: maybe(z.string()), before: maybe(z.string()) });

export const SourceLogsResponse = z.looseObject({ entries: z.array(SourceLog), page_info: maybe(PageInfo) });

const providerFields = { name: maybe(z.string()), description: maybe(z.string()) };

export const ProviderSummary = z.looseObject({
  key: z.string(),
  version: maybe(z.string()),
  provider: maybe(z.looseObject(providerFields)),
});
export const ProvidersResponse = z.looseObject({ entries: z.array(ProviderSummary) });

export const Provider = z.looseObject({
  key: z.string(),
  version: maybe(z.string()),
  provider: maybe(z.looseObject(providerFields)),
  default_settings: maybe(
    z.looseObject({ event_type_path: maybe(z.string()), enforce_verification: maybe(z.boolean()) }),
  ),
  default_action_mappings: maybe(z.array(json)),
  example_payloads: maybe(z.record(z.string(), z.array(json))),
});

export type Source = z.infer<typeof Source>;
export type SourceSummary = z.infer<typeof SourceSummary>;
export type SourceLog = z.infer<typeof SourceLog>;
