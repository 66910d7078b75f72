// resources/read: each URI form is one typed client call, the same call its equivalent tool makes.

import type { KnockClient } from "../knock/client.js";
import { PROVIDER_INCLUDES } from "../knock/schemas.js";
import { fitToBudget } from "../mcp/budget.js";
import { listLogsWithinBudget } from "../mcp/logs-within-budget.js";
import { RESOURCE_NOT_FOUND, ResourceError } from "./errors.js";
import { type ResourceRef, uriOf } from "./uris.js";

export const RECENT_LOGS = 50;

/** Every resource is JSON. */
export const MIME = "application/json";

/** The resource's JSON, within the same result budget as the tools (--max-result-chars). */
export async function readResource(
  client: KnockClient,
  ref: ResourceRef,
  maxChars: number,
  signal?: AbortSignal,
): Promise<Record<string, unknown>> {
  return fitToBudget(await fetchResource(client, ref, maxChars, signal), maxChars);
}

async function fetchResource(
  client: KnockClient,
  ref: ResourceRef,
  maxChars: number,
  signal?: AbortSignal,
): Promise<Record<string, unknown>> {
  switch (ref.kind) {
    case "provider":
      return client.getSourceProvider(ref.provider, PROVIDER_INCLUDES, signal);
    case "source":
      return client.getSource(ref.source, ref.environment, signal);
    case "logs":
      return listLogsWithinBudget(
        client,
        ref.source,
        { environment: ref.environment, include: ["actions"], limit: RECENT_LOGS },
        maxChars,
        signal,
      );
    case "log": {
      const page = await client.listSourceLogs(
        ref.source,
        { environment: ref.environment, id: ref.logId, include: ["actions"], limit: 1 },
        signal,
      );
      const log = page.entries.find((entry) => entry.id === ref.logId);
      if (log) return log;
      const logs = uriOf({ kind: "logs", source: ref.source, environment: ref.environment });
      throw new ResourceError(
        RESOURCE_NOT_FOUND,
        `Source "${ref.source}" has no event log "${ref.logId}" in environment "${ref.environment}". ` +
          `Read ${logs} or call list_source_logs to see recent log ids.`,
      );
    }
  }
}
