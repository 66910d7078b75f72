// The sandbox's catalog of source provider templates. This is sandbox data written for this project, NOT Knock's
// real provider catalog: the providers, their documentation URLs and their payload formats are real, but the
// templates (scripts, mappings, workflow keys, example data, branding paths) are ours, and the signing secrets
// are fake (SANDBOX_VARS). Their default paths follow each provider's page of Knock's docs where there is one.

import { clerk } from "./clerk.js";
import { customHttp } from "./custom-http.js";
import { posthog } from "./posthog.js";
import { rudderstack } from "./rudderstack.js";
import { segment } from "./segment.js";
import { stripe } from "./stripe.js";
import { supabase } from "./supabase.js";
import type { ProviderTemplate } from "./types.js";
import { workos } from "./workos.js";

export type { ActionType, ExamplePayload, ProviderCategory, ProviderTemplate } from "./types.js";
export { SANDBOX_VARS } from "./vars.js";

// Shared by every request: frozen deeply, so a caller that tailors a template (say, to strip what `include`
// did not ask for) must copy it instead of corrupting the catalog.
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Every template, sorted by key. */
export const PROVIDERS: readonly ProviderTemplate[] = deepFreeze(
  [stripe, segment, clerk, workos, supabase, posthog, rudderstack, customHttp].sort((a, b) =>
    a.key.localeCompare(b.key),
  ),
);

export function findProvider(key: string): ProviderTemplate | undefined {
  return PROVIDERS.find((provider) => provider.key === key);
}
