import { PROVIDER_INCLUDES } from "../knock/schemas.js";
import { definePrompt, environmentOf } from "./define-prompt.js";

export default definePrompt({
  name: "setup_source",
  title: "Set up a source from a provider template",
  description:
    "Create a source from a Knock provider template, rehearse each of the template's example payloads, read back the logs and status, and report what is left to do.",
  arguments: {
    provider: {
      description: "The provider template key (from list_source_providers).",
      required: true,
      completes: "provider",
    },
    key: {
      description: "The key of the new source, e.g. stripe-billing.",
      required: true,
      completes: "new_key",
    },
    environment: {
      description: "Environment slug, not production; the server's default when left out.",
      required: false,
      completes: "environment",
    },
  },
  writes: true,
  text: (args, context) => {
    const env = environmentOf(args, context);
    const provider = JSON.stringify(args.provider);
    const key = JSON.stringify(args.key);
    return [
      `Set up a new source ${key} in environment "${env}" from Knock's ${provider} template.`,
      "Call these tools in order:",
      `1. get_source_provider {"key": ${provider}, "include": ${JSON.stringify(PROVIDER_INCLUDES)}}: note the default settings, mappings and example payloads.`,
      `2. upsert_source {"key": ${key}, "name": "<the provider's name>", "preconfigured_provider": ${provider}, "environment": "${env}"}. If the source already existed, stop and say so: a template applies only when a source is created.`,
      `3. For each example payload: rehearse_source_event {"key": ${key}, "environment": "${env}", "payload": <the example>}. Never rehearse in production.`,
      `4. list_source_logs {"key": ${key}, "environment": "${env}", "include": ["actions"]} and get_source_status {"key": ${key}, "environment": "${env}"}: did each rehearsal run the actions its mapping promises?`,
      "Report the endpoint URL to give the provider, the secrets its preprocess script expects (names only), the mappings whose workflows still need a commit, and each rehearsal that failed, with its reason.",
    ].join("\n");
  },
});
