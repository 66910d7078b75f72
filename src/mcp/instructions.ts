export interface InstructionFacts {
  environment: string;
  readOnly: boolean;
  sandbox: boolean;
}

/** The server's `instructions`: how the tools fit together, in a few sentences the model reads once. */
export function serverInstructions({ environment, readOnly, sandbox }: InstructionFacts): string {
  return [
    sandbox
      ? "This server is connected to a local SANDBOX that emulates Knock's sources API with sample data; nothing reaches a real Knock account."
      : "This server manages Knock data sources (Stripe, Segment, Clerk, custom webhooks…) through Knock's Management API.",
    "Start from list_sources for source keys and list_source_providers for template keys.",
    `Tools that take an environment default to "${environment}"; pass environment to look at another (e.g. staging, production).`,
    'To see why an event did or did not trigger a workflow: get_source_status, then list_source_logs with include ["actions"], paging with page_info.after.',
    readOnly
      ? "The server is read-only: it cannot create, change or rehearse sources."
      : "upsert_source creates or changes a source; rehearse_source_event tests a payload (never in production) and returns a log_id to read back with list_source_logs.",
  ].join(" ");
}
