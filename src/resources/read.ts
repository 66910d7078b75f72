// resources/read: each URI form is one typed client call, the same call its equivalent tool makes. The
// result is fitted to the budget at the MCP boundary, like a tool's.
import type { KnockClient } from "../knock/client.js";
import { PROVIDER_INCLUDES } from "../knock/schemas.js";
import { NotFoundError } from "../shared/errors.js";
import { type ResourceRef, uriOf } from "./uris.js";

export const RECENT_LOGS = 50;

/** Every resource is JSON. */
export const MIME = "application/json";

export interface ReadOptions {
  /** For the logs resource: fewer than RECENT_LOGS, when the page must be smaller. */
  limit?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** Whether a read is a page of `entries` that can be asked for again with a smaller limit. */
export function isPaged(ref: ResourceRef): boolean {
  return ref.kind === "logs";
}

export async function readResource(
  client: KnockClient,
  ref: ResourceRef,
  { limit, signal }: ReadOptions = {},
): Promise<Record<string, unknown>> {
  switch (ref.kind) {
    case "provider":
      return client.getSourceProvider(ref.provider, PROVIDER_INCLUDES, signal);
    case "source":
      return client.getSource(ref.source, ref.environment, signal);
    case "logs":
      return client.listSourceLogs(
        ref.source,
        { environment: ref.environment, include: ["actions"], limit: limit ?? RECENT_LOGS },
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
      throw new NotFoundError(
        `Source "${ref.source}" has no event log "${ref.logId}" in environment "${ref.environment}". ` +
          `Read ${logs} or call list_source_logs to see recent log ids.`,
      );
    }
  }
}
