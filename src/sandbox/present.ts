import type { Environment, StoredEnvironment, StoredLog, StoredMapping, StoredSource } from "./types.js";

// Projections of stored records onto the OpenAPI response shapes; internal bookkeeping fields stay behind.

export function presentMapping(mapping: StoredMapping): Record<string, unknown> {
  return {
    event_type: mapping.event_type,
    action_type: mapping.action_type,
    action_parameters: mapping.action_parameters,
    active: mapping.active,
    is_deleted: mapping.is_deleted,
    created_at: mapping.created_at,
    updated_at: mapping.updated_at,
  };
}

export function presentEnvironment(env: StoredEnvironment): Record<string, unknown> {
  return {
    settings: { ...env.settings },
    mappings: env.mappings.map(presentMapping),
    updated_at: env.updated_at,
  };
}

function environmentSettings(source: StoredSource, only?: Environment): Record<string, unknown> {
  const envs = only ? [only] : (Object.keys(source.environments) as Environment[]);
  return Object.fromEntries(envs.map((env) => [env, presentEnvironment(source.environments[env])]));
}

export function presentSource(source: StoredSource, environment: Environment): Record<string, unknown> {
  return {
    key: source.key,
    name: source.name,
    description: source.description,
    custom_image_url: source.custom_image_url,
    created_at: source.created_at,
    updated_at: source.updated_at,
    environment_settings: environmentSettings(source, environment),
  };
}

export function presentSourceSummary(
  source: StoredSource,
  withSettings: boolean,
  environment?: Environment,
): Record<string, unknown> {
  const summary: Record<string, unknown> = {
    key: source.key,
    name: source.name,
    description: source.description,
    custom_image_url: source.custom_image_url,
  };
  if (withSettings) summary.environment_settings = environmentSettings(source, environment);
  return summary;
}

export function presentLog(log: StoredLog, withActions: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: log.id,
    event: log.event,
    data: log.data,
    inserted_at: log.inserted_at,
    preprocess_output: log.preprocess_output,
    source: log.source,
    verification_status: log.verification_status,
  };
  // Not in the spec (the sandbox's own): marks a replay that the idempotency check swallowed (no actions
  // ran; Knock's docs say such a log is "labeled as idempotent") and names the log it repeats.
  if (log.idempotent) {
    out.idempotent = true;
    if (log.replay_of) out.replay_of = log.replay_of;
  }
  if (withActions) out.actions = log.actions.map((action) => ({ ...action }));
  return out;
}
