import { presentSource, presentSourceSummary } from "../present.js";
import { environmentParam, includeParam } from "../query.js";
import { upsertSource } from "../upsert.js";
import type { RouteContext } from "./context.js";

const THIRTY_DAYS_MS = 30 * 24 * 60 * 60 * 1000;

export function listSources({ store, query }: RouteContext): unknown {
  const environment = environmentParam(query, false);
  const include = includeParam(query, ["environment_settings"] as const);
  return {
    entries: store.state.sources.map((source) =>
      presentSourceSummary(source, include.has("environment_settings"), environment),
    ),
  };
}

export function getSource({ store, query, key }: RouteContext): unknown {
  const environment = environmentParam(query, true);
  return presentSource(store.requireSource(key), environment);
}

export async function putSource({ store, query, key, body, config }: RouteContext): Promise<unknown> {
  const environment = environmentParam(query, true);
  const source = await store.changeSources((sources) =>
    upsertSource(sources, key, environment, body, store.nowIso(), config.ids),
  );
  return { source: presentSource(source, environment) };
}

export function getSourceStatus({ store, query, key }: RouteContext): unknown {
  // The spec leaves environment optional here without a default; development is what Knock's tooling assumes.
  const environment = environmentParam(query, false) ?? "development";
  const source = store.requireSource(key);
  const logs = store.logsOf(key, environment);
  const since = store.now().getTime() - THIRTY_DAYS_MS;
  const latest = logs.reduce<string | null>(
    (max, log) => (max === null || Date.parse(log.inserted_at) > Date.parse(max) ? log.inserted_at : max),
    null,
  );
  const { mappings } = source.environments[environment];
  return {
    events_count: logs.filter((log) => Date.parse(log.inserted_at) >= since).length,
    last_event_received: latest,
    mappings_count: mappings.length,
    mappings_requiring_commit: mappings
      .filter((m) => m.action_type === "workflows_trigger" && (m.is_deleted || m.pending_commit))
      .map((m) => ({
        resource_key: String(m.action_parameters?.key ?? ""),
        action_type: m.action_type,
        event_type: m.event_type,
        active: m.active,
        is_deleted: m.is_deleted,
        status: m.is_deleted ? "deleted" : "updated",
      })),
  };
}

export function listSourceEvents({ store, query, key }: RouteContext): unknown {
  const environment = environmentParam(query, false);
  store.requireSource(key);
  const latest = new Map<string, string>();
  for (const log of store.logsOf(key, environment)) {
    const seen = latest.get(log.event);
    if (seen === undefined || Date.parse(log.inserted_at) > Date.parse(seen))
      latest.set(log.event, log.inserted_at);
  }
  return {
    entries: [...latest]
      .map(([event, last]) => ({ event, last_received_at: last }))
      .sort((a, b) => Date.parse(b.last_received_at) - Date.parse(a.last_received_at)),
  };
}
