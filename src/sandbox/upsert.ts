import { findProvider, type ProviderTemplate } from "./catalog/index.js";
import { FieldErrors } from "./errors.js";
import type { IdSource } from "./ids.js";
import {
  type ActionType,
  ENVIRONMENTS,
  type Environment,
  isActionType,
  isPlainObject,
  type PreprocessScript,
  type StoredEnvironment,
  type StoredMapping,
  type StoredSettings,
  type StoredSource,
} from "./types.js";

/*
 * Upsert merge rule (PUT /v1/sources/{key}?environment=ENV, body {"source": SourceRequest}):
 *
 * - Create: the source gets settings in every environment, each with its own endpoint URL. With
 *   `preconfigured_provider`, every environment starts from the template's default_settings (its
 *   preprocessing_script becomes preprocess_script) and default_action_mappings (active, not deleted).
 *   Without it, every setting starts null/false and there are no mappings. On update the provider is ignored.
 * - `name` is required every time; `description` and `custom_image_url` replace when given (null clears) and
 *   are kept when absent.
 * - Only ENV may appear under `environment_settings`; other environments are never touched.
 * - `settings`: each key given replaces the stored value; `null` clears it (enforce_verification back to
 *   false, unknown extra keys removed); keys not given are kept. `endpoint` is assigned by the sandbox and a
 *   value sent for it is ignored.
 * - `mappings`, when given, replace the environment's list wholesale. A new mapping that matches an existing
 *   one keeps that mapping's created_at (and its updated_at if nothing changed): by event_type + action_type,
 *   and for workflows_trigger also by the workflow `key`. `active` defaults to true, `is_deleted` to false.
 *   A workflows_trigger mapping that an upsert creates or changes then needs a workflow commit (see the
 *   status endpoint).
 * - Workflow trigger mappings must be marked deleted before they can be removed (Knock's SDK,
 *   knock-mgmt-node src/resources/data-sources.ts, `is_deleted`): one sent with `is_deleted: true` stays
 *   listed as deleted and needs a commit (status `deleted`); an upsert of an existing source that leaves out
 *   a stored workflows_trigger mapping not yet marked deleted is refused with a 422 and changes nothing.
 *   One already marked deleted may then be left out, and is gone. Other action types are simply replaced.
 */

type SettingsPatch = Record<string, unknown>;

interface MappingInput {
  event_type: string;
  action_type: ActionType;
  action_parameters: Record<string, unknown> | null;
  active: boolean;
  is_deleted: boolean;
}

interface ValidRequest {
  name: string;
  description?: string | null;
  custom_image_url?: string | null;
  preconfigured_provider?: string;
  settings?: SettingsPatch;
  mappings?: MappingInput[];
}

const NULLABLE_PATH_SETTINGS = ["event_type_path", "idempotency_key_path", "timestamp_path"] as const;

function endpointUrl(ids: IdSource): string {
  return `https://api.knock.app/integrations/receive/${ids.id("src", 24)}`;
}

function environmentFrom(now: string, ids: IdSource, template?: ProviderTemplate): StoredEnvironment {
  const defaults = template?.default_settings;
  return {
    settings: {
      endpoint: endpointUrl(ids),
      enforce_verification: defaults?.enforce_verification ?? false,
      event_type_path: defaults?.event_type_path ?? null,
      idempotency_key_path: defaults?.idempotency_key_path ?? null,
      timestamp_path: defaults?.timestamp_path ?? null,
      preprocess_script: defaults?.preprocessing_script ? { ...defaults.preprocessing_script } : null,
    },
    mappings: (template?.default_action_mappings ?? []).map((mapping) => ({
      event_type: mapping.event_type,
      action_type: mapping.action_type,
      action_parameters: structuredClone(mapping.action_parameters),
      active: true,
      is_deleted: false,
      created_at: now,
      updated_at: now,
      pending_commit: true,
    })),
    updated_at: now,
  };
}

export function newSource(
  key: string,
  name: string,
  now: string,
  ids: IdSource,
  template?: ProviderTemplate,
): StoredSource {
  const environments = Object.fromEntries(
    ENVIRONMENTS.map((env) => [env, environmentFrom(now, ids, template)]),
  ) as Record<Environment, StoredEnvironment>;
  return {
    key,
    name,
    description: template ? template.provider.description : null,
    custom_image_url: null,
    created_at: now,
    updated_at: now,
    environments,
  };
}

function validateScript(value: unknown, field: string, errors: FieldErrors): void {
  if (value === null) return;
  if (!isPlainObject(value)) {
    errors.add(field, "must be an object {language, source} or null");
    return;
  }
  if (value.language !== "javascript") errors.add(`${field}.language`, 'must be "javascript"');
  if (typeof value.source !== "string") errors.add(`${field}.source`, "must be a string");
}

function validateSettings(value: unknown, prefix: string, errors: FieldErrors): SettingsPatch | undefined {
  if (value === undefined) return undefined;
  if (!isPlainObject(value)) {
    errors.add(prefix, "must be an object");
    return undefined;
  }
  const patch: SettingsPatch = {};
  for (const [name, setting] of Object.entries(value)) {
    const field = `${prefix}.${name}`;
    if (name === "endpoint") continue;
    if (name === "enforce_verification") {
      if (setting !== null && typeof setting !== "boolean") errors.add(field, "must be a boolean");
    } else if ((NULLABLE_PATH_SETTINGS as readonly string[]).includes(name)) {
      if (setting !== null && typeof setting !== "string") errors.add(field, "must be a string or null");
    } else if (name === "preprocess_script") {
      validateScript(setting, field, errors);
    } else if (setting === undefined) {
      continue;
    }
    patch[name] = setting;
  }
  return patch;
}

function validateMapping(value: unknown, field: string, errors: FieldErrors): MappingInput | undefined {
  if (!isPlainObject(value)) {
    errors.add(field, "must be an object");
    return undefined;
  }
  const before = errors.list.length;
  const { event_type, action_type, action_parameters, active, is_deleted } = value;
  if (typeof event_type !== "string" || event_type === "") {
    errors.add(`${field}.event_type`, "is required and must be a non-empty string");
  }
  if (!isActionType(action_type)) {
    errors.add(`${field}.action_type`, "is required and must be a known action type");
  }
  if (action_parameters !== undefined && action_parameters !== null && !isPlainObject(action_parameters)) {
    errors.add(`${field}.action_parameters`, "must be an object or null");
  }
  if (action_type === "workflows_trigger") {
    const key = isPlainObject(action_parameters) ? action_parameters.key : undefined;
    if (typeof key !== "string" || key === "") {
      errors.add(`${field}.action_parameters.key`, "is required for workflows_trigger (the workflow key)");
    }
  }
  if (active !== undefined && typeof active !== "boolean") errors.add(`${field}.active`, "must be a boolean");
  if (is_deleted !== undefined && typeof is_deleted !== "boolean") {
    errors.add(`${field}.is_deleted`, "must be a boolean");
  }
  if (errors.list.length > before) return undefined;
  return {
    event_type: event_type as string,
    action_type: action_type as ActionType,
    action_parameters: isPlainObject(action_parameters) ? structuredClone(action_parameters) : null,
    active: (active as boolean | undefined) ?? true,
    is_deleted: (is_deleted as boolean | undefined) ?? false,
  };
}

function validateRequest(body: unknown, environment: Environment): ValidRequest {
  const errors = new FieldErrors();
  if (!isPlainObject(body) || !isPlainObject(body.source)) {
    errors.add("source", 'is required and must be an object (the body is {"source": {...}})');
    errors.throwIfAny();
  }
  const source = (body as { source: Record<string, unknown> }).source;
  const request: ValidRequest = { name: "" };

  if (typeof source.name !== "string" || source.name.trim() === "") {
    errors.add("name", "is required and must be a non-empty string");
  } else {
    request.name = source.name;
  }
  for (const field of ["description", "custom_image_url"] as const) {
    const value = source[field];
    if (value === undefined) continue;
    if (value !== null && typeof value !== "string") errors.add(field, "must be a string or null");
    else request[field] = value;
  }
  if (source.preconfigured_provider !== undefined) {
    if (typeof source.preconfigured_provider !== "string") {
      errors.add("preconfigured_provider", "must be a string");
    } else {
      request.preconfigured_provider = source.preconfigured_provider;
    }
  }

  const settingsByEnv = source.environment_settings;
  if (settingsByEnv !== undefined && settingsByEnv !== null) {
    if (!isPlainObject(settingsByEnv)) {
      errors.add("environment_settings", "must be an object keyed by environment");
    } else {
      for (const [envKey, envValue] of Object.entries(settingsByEnv)) {
        const prefix = `environment_settings.${envKey}`;
        if (envKey !== environment) {
          errors.add(prefix, `only the requested environment (${environment}) may be set in this request`);
          continue;
        }
        if (!isPlainObject(envValue)) {
          errors.add(prefix, "must be an object {settings?, mappings?}");
          continue;
        }
        request.settings = validateSettings(envValue.settings, `${prefix}.settings`, errors);
        if (envValue.mappings !== undefined) {
          if (!Array.isArray(envValue.mappings)) {
            errors.add(`${prefix}.mappings`, "must be an array");
          } else {
            request.mappings = envValue.mappings.flatMap((mapping, i) => {
              const valid = validateMapping(mapping, `${prefix}.mappings[${i}]`, errors);
              return valid ? [valid] : [];
            });
          }
        }
      }
    }
  }
  errors.throwIfAny();
  return request;
}

function applySettings(settings: StoredSettings, patch: SettingsPatch): void {
  for (const [name, value] of Object.entries(patch)) {
    if (name === "enforce_verification") settings.enforce_verification = value === true;
    else if (name === "preprocess_script") {
      const script = value as PreprocessScript | null;
      settings.preprocess_script = script ? { language: script.language, source: script.source } : null;
    } else if ((NULLABLE_PATH_SETTINGS as readonly string[]).includes(name)) settings[name] = value;
    else if (value === null) delete settings[name];
    else settings[name] = structuredClone(value);
  }
}

function sameMapping(a: MappingInput, b: StoredMapping): boolean {
  return (
    a.active === b.active &&
    a.is_deleted === b.is_deleted &&
    JSON.stringify(a.action_parameters) === JSON.stringify(b.action_parameters)
  );
}

/** The identity of a mapping across upserts: a workflow trigger is also told apart by its workflow. */
function sameIdentity(input: MappingInput, stored: StoredMapping): boolean {
  if (input.event_type !== stored.event_type || input.action_type !== stored.action_type) return false;
  return input.action_type !== "workflows_trigger" || workflowKey(input) === workflowKey(stored);
}

function workflowKey(mapping: { action_parameters: Record<string, unknown> | null }): string {
  return String(mapping.action_parameters?.key ?? "");
}

/**
 * The environment's new mapping list, and the stored mappings it leaves out; pure, so a refused upsert
 * changes nothing.
 */
function replaceMappings(
  existing: StoredMapping[],
  inputs: MappingInput[],
  now: string,
): { mappings: StoredMapping[]; removed: StoredMapping[] } {
  const unused = [...existing];
  const mappings = inputs.map((input) => {
    const matchIndex = unused.findIndex((old) => sameIdentity(input, old));
    const match = matchIndex >= 0 ? unused.splice(matchIndex, 1)[0] : undefined;
    const unchanged = match !== undefined && sameMapping(input, match);
    return {
      ...input,
      created_at: match?.created_at ?? now,
      updated_at: unchanged ? match.updated_at : now,
      pending_commit: unchanged ? match.pending_commit : true,
    };
  });
  return { mappings, removed: unused };
}

/** Refuses to drop a workflow trigger that was not marked deleted first (see the merge rule above). */
function refuseUnmarkedRemovals(removed: StoredMapping[], environment: Environment): void {
  const errors = new FieldErrors();
  for (const mapping of removed) {
    if (mapping.action_type !== "workflows_trigger" || mapping.is_deleted) continue;
    errors.add(
      `environment_settings.${environment}.mappings`,
      `leaves out the workflows_trigger mapping of event "${mapping.event_type}" to workflow "${workflowKey(mapping)}"; ` +
        "a workflow trigger mapping must be marked deleted before it can be removed: send it with is_deleted: true first",
    );
  }
  errors.throwIfAny();
}

/** Validates one upsert and applies it to `sources` (the store's copy, see SandboxStore.changeSources). */
export function upsertSource(
  sources: StoredSource[],
  key: string,
  environment: Environment,
  body: unknown,
  now: string,
  ids: IdSource,
): StoredSource {
  const request = validateRequest(body, environment);
  const existing = sources.find((source) => source.key === key);
  let replaced: StoredMapping[] | undefined;
  if (existing && request.mappings) {
    const { mappings, removed } = replaceMappings(
      existing.environments[environment].mappings,
      request.mappings,
      now,
    );
    refuseUnmarkedRemovals(removed, environment);
    replaced = mappings;
  }

  // Nothing is changed above this line: every refusal comes first.
  let source = existing;
  if (!source) {
    let template: ProviderTemplate | undefined;
    if (request.preconfigured_provider !== undefined) {
      template = findProvider(request.preconfigured_provider);
      if (!template) {
        const errors = new FieldErrors();
        errors.add("preconfigured_provider", `"${request.preconfigured_provider}" is not a known provider`);
        errors.throwIfAny();
      }
    }
    source = newSource(key, request.name, now, ids, template);
    // A new source had no mappings anyone committed: the request's replace the template's outright.
    if (request.mappings)
      replaced = replaceMappings(source.environments[environment].mappings, request.mappings, now).mappings;
    sources.push(source);
  }
  source.name = request.name;
  if (request.description !== undefined) source.description = request.description;
  if (request.custom_image_url !== undefined) source.custom_image_url = request.custom_image_url;
  source.updated_at = now;

  const env = source.environments[environment];
  if (request.settings !== undefined || request.mappings !== undefined) env.updated_at = now;
  if (request.settings) applySettings(env.settings, request.settings);
  if (replaced) env.mappings = replaced;
  return source;
}
