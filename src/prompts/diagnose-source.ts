import { definePrompt, ENVIRONMENT_ARGUMENT, environmentOf, SOURCE_ARGUMENT } from "./define-prompt.js";

export default definePrompt({
  name: "diagnose_source",
  title: "Why did (or didn't) an event trigger a workflow?",
  description:
    "A step-by-step investigation of a source's recent events: status, logs with actions, mappings, verification and idempotency, and workflows that need a commit.",
  arguments: {
    source: SOURCE_ARGUMENT,
    environment: ENVIRONMENT_ARGUMENT,
    event: {
      description: "Only this event type (from list_source_events).",
      required: false,
      completes: "event",
    },
  },
  writes: false,
  text: (args, context) => {
    const env = environmentOf(args, context);
    const key = JSON.stringify(args.source);
    const only = args.event ? `, "event": ${JSON.stringify(args.event)}` : "";
    return [
      `Find out why events of source ${key} in environment "${env}" did or did not trigger workflows${args.event ? `, for event type ${JSON.stringify(args.event)}` : ""}.`,
      "Call these tools in order, and say what each result shows before going on:",
      `1. get_source_status {"key": ${key}, "environment": "${env}"}: no events lately means they never reach Knock (check the sender's endpoint); entries in mappings_requiring_commit are workflows that will not run until committed.`,
      `2. list_source_logs {"key": ${key}, "environment": "${env}"${only}, "include": ["actions"], "limit": 10}: for each log, its status and errors. A verification failure points at the signing secret or the preprocess script; a log with no actions is an idempotent replay or an event type with no active mapping; a failed action carries the workflow's own error.`,
      `3. get_source {"key": ${key}, "environment": "${env}"}: event_type_path, idempotency_key_path, enforce_verification, and the mappings${args.event ? " for that event type" : ""}: is one active, and do its action_parameters paths resolve in the logged data?`,
      `4. list_source_events {"key": ${key}, "environment": "${env}"}: event types received; any without a mapping never trigger anything.`,
      "Answer with what happened, the evidence (log ids, field values), and the one change that fixes it (the tool call that makes it). Do not go beyond what the tools returned.",
    ].join("\n");
  },
});
