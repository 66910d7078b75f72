import { definePrompt, ENVIRONMENT_ARGUMENT, environmentOf, SOURCE_ARGUMENT } from "./define-prompt.js";

export default definePrompt({
  name: "review_source",
  title: "Review a source's configuration",
  description:
    "An audit of one source: verification, idempotency, event types with no mapping, workflows that need a commit, and actions failing in recent logs, as findings with evidence.",
  arguments: {
    source: SOURCE_ARGUMENT,
    environment: ENVIRONMENT_ARGUMENT,
  },
  writes: false,
  text: (args, context) => {
    const env = environmentOf(args, context);
    const key = JSON.stringify(args.source);
    const at = `{"key": ${key}, "environment": "${env}"}`;
    return [
      `Review the configuration of source ${key} in environment "${env}".`,
      "Call these tools in order and check each point:",
      `1. get_source ${at}: is enforce_verification off? Is there no idempotency_key_path? Are mappings inactive, or do their action_parameters read paths that the events do not have?`,
      `2. list_source_events ${at}: which event types arrive that no mapping handles?`,
      `3. get_source_status ${at}: which mappings' workflows need a commit?`,
      `4. list_source_logs {"key": ${key}, "environment": "${env}", "include": ["actions"], "limit": 20}: which actions failed, and with what error?`,
      'Answer as a short list, one line per finding: the finding, its evidence (a setting, an event type, a log id), the fix. Say "no findings" for a point that passes.',
    ].join("\n");
  },
});
