// zod schemas of the API objects, written by hand from the OpenAPI subset. They parse Knock's answers in
// the client and are the tools' output schemas. Objects are loose so that a field Knock adds later passes
// through instead of failing validation in the MCP client; timestamps are plain strings (see STACK-NOTES).
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
  settings: json,
  // Each mapping: event_type, action_type, action_parameters, active, is_deleted, created_at, updated_at.
  mappings: z.array(json),
});

const sourceFields = {
  key: z.string(),
  name: z.string(),
  description: z.string().nullable().optional(),
};

export const SourceSummary = z.looseObject({
  ...sourceFields,
  environment_settings: z.record(z.string(), EnvironmentSettings).nullable().optional(),
});

export const Source = z.looseObject({
  ...sourceFields,
  environment_settings: z.record(z.string(), EnvironmentSettings),
  created_at: z.string(),
  updated_at: z.string(),
});

export const SourcesResponse = z.looseObject({ entries: z.array(SourceSummary) });
/**
 * One page of GET /v1/sources. The spec shows `entries` only, but Knock's CLI pages this call and reads
 * `page_info` from it (knock-cli src/lib/api-v1.ts, listSources).
 */
export const SourcesPage = SourcesResponse.extend({
  page_info: z.looseObject({ after: z.string().nullable().optional() }).nullable().optional(),
});
export const WrappedSource = z.looseObject({ source: Source });

export const SourceStatus = z.looseObject({
  events_count: z.number(),
  last_event_received: z.string().nullable(),
  mappings_count: z.number(),
  // Each: resource_key (the workflow), action_type, event_type, active, is_deleted, status (updated|deleted).
  mappings_requiring_commit: z.array(json),
});

export const RehearseResult = z.looseObject({
  log_id: z.string().nullable(),
  status: z.enum(["ok", "error"]),
  action_logs_count: z.number(),
  successful_action_logs_count: z.number(),
  failed_action_logs_count: z.number(),
  errors: z
    .array(z.looseObject({ field: z.string(), message: z.string() }))
    .nullable()
    .optional(),
});

export const SourceEvent = z.looseObject({ event: z.string(), last_received_at: z.string().nullable() });
export const SourceEventsResponse = z.looseObject({ entries: z.array(SourceEvent) });

export const SourceLogAction = z.looseObject({
  id: z.string(),
  action_type: z.string().optional(),
  action_status: z.string().nullable().optional(),
});

export const SourceLog = z.looseObject({
  id: z.string(),
  event: z.string(),
  inserted_at: z.string().nullable().optional(),
  actions: z.array(SourceLogAction).optional(),
});

export const PageInfo = z.looseObject({
  after: z.string().nullable().optional(),
  before: z.string().nullable().optional(),
  page_size: z.number(),
});

export const SourceLogsResponse = z.looseObject({ entries: z.array(SourceLog), page_info: PageInfo });

export const ProviderSummary = z.looseObject({
  key: z.string(),
  version: z.string(),
  provider: z.looseObject({ name: z.string(), description: z.string() }),
});
export const ProvidersResponse = z.looseObject({ entries: z.array(ProviderSummary) });

export const Provider = z.looseObject({
  key: z.string(),
  version: z.string(),
  provider: z.looseObject({ name: z.string(), description: z.string(), categories: z.array(z.string()) }),
  default_settings: z.looseObject({ event_type_path: z.string(), enforce_verification: z.boolean() }),
  default_action_mappings: z.array(json).optional(),
  example_payloads: z.record(z.string(), z.array(json)).nullable().optional(),
  static_fields: json.optional(),
});

export type Source = z.infer<typeof Source>;
export type SourceSummary = z.infer<typeof SourceSummary>;
export type SourceLog = z.infer<typeof SourceLog>;
