import { findProvider, PROVIDERS, type ProviderTemplate } from "../catalog/index.js";
import { resourceMissing } from "../errors.js";
import { includeParam } from "../query.js";
import type { RouteContext } from "./context.js";

// The sandbox keeps its own copy of the spec's enum rather than importing the client's: as the other side of
// the wire it must stay independent, so that a mistake in either shows up in the tests that run both.
const PROVIDER_INCLUDES = [
  "branding",
  "default_action_mappings",
  "example_payloads",
  "preprocessing_script",
  "static_fields",
] as const;

export function listProviders(): unknown {
  return {
    entries: PROVIDERS.map((template) => ({
      key: template.key,
      version: template.version,
      provider: { name: template.provider.name, description: template.provider.description },
    })),
  };
}

function presentProvider(template: ProviderTemplate, include: Set<string>): Record<string, unknown> {
  const { branding, ...provider } = template.provider;
  const { preprocessing_script, ...defaultSettings } = template.default_settings;
  const out: Record<string, unknown> = {
    key: template.key,
    version: template.version,
    provider: include.has("branding") ? { ...provider, branding } : provider,
    default_settings: include.has("preprocessing_script")
      ? { ...defaultSettings, preprocessing_script }
      : defaultSettings,
  };
  if (include.has("default_action_mappings")) out.default_action_mappings = template.default_action_mappings;
  if (include.has("example_payloads")) out.example_payloads = template.example_payloads;
  if (include.has("static_fields")) out.static_fields = template.static_fields;
  return out;
}

export function getProvider({ query, key }: RouteContext): unknown {
  const include = includeParam(query, PROVIDER_INCLUDES);
  const template = findProvider(key);
  if (!template) throw resourceMissing(`Source provider "${key}" does not exist`);
  return presentProvider(template, include);
}
