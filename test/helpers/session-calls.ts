// One valid call per tool of the table against the sandbox's seeded data, for whole-session tests.
export const SESSION_CALLS: Record<string, Record<string, unknown>> = {
  list_sources: {},
  get_source: { key: "stripe" },
  get_source_status: { key: "stripe" },
  list_source_events: { key: "stripe" },
  list_source_logs: { key: "app-webhooks", limit: 2, include: ["actions"] },
  upsert_source: { key: "spawned-session", name: "Spawned", preconfigured_provider: "custom-http" },
  rehearse_source_event: {
    key: "spawned-session",
    payload: { body: { type: "order.shipped" }, headers: {} },
  },
  list_source_providers: {},
  get_source_provider: { key: "stripe", include: ["example_payloads"] },
};
