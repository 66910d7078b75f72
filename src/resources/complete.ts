// completion/complete for the template variables. A completion is a convenience: when Knock cannot be
// reached it offers nothing (and says why on stderr) rather than failing the request.
import type { CompleteResourceTemplateCallback } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { KnockClient } from "../knock/client.js";
import { describeError } from "../mcp/describe-error.js";
import { logWarning } from "../shared/log.js";
import { allEnvironments, type Catalog } from "./catalog.js";

export const MAX_COMPLETIONS = 100;

export type Variable = "provider" | "source" | "environment" | "log_id";

export interface CompleteDeps {
  client: KnockClient | undefined;
  catalog: Catalog | undefined;
  defaultEnvironment: string;
  secrets: readonly string[];
}

export function completers(deps: CompleteDeps): Record<Variable, CompleteResourceTemplateCallback> {
  const guarded =
    (
      variable: Variable,
      find: (args: Record<string, string>) => Promise<string[]>,
    ): CompleteResourceTemplateCallback =>
    async (value, context) => {
      if (!deps.client || !deps.catalog) return [];
      try {
        return byPrefix(await find(decodedArguments(context?.arguments)), value);
      } catch (error) {
        logWarning(
          `completion of {${variable}} failed: ${describeError(error, "completion/complete", deps.secrets)}`,
        );
        return [];
      }
    };
  const catalog = () => (deps.catalog as Catalog).get();

  return {
    provider: guarded("provider", async () => (await catalog()).providers.map((p) => p.key)),
    source: guarded("source", async ({ environment }) =>
      (await catalog()).sources
        .filter((s) => environment === undefined || s.environments.includes(environment))
        .map((s) => s.key),
    ),
    environment: guarded("environment", async ({ source }) => {
      const snapshot = await catalog();
      const chosen = source === undefined ? undefined : snapshot.sources.find((s) => s.key === source);
      return chosen ? chosen.environments : allEnvironments(snapshot);
    }),
    log_id: guarded("log_id", async ({ source, environment }) => {
      // Log ids belong to one source in one environment; without a source there is nothing to offer.
      if (source === undefined || !deps.client) return [];
      const page = await deps.client.listSourceLogs(source, {
        environment: environment ?? deps.defaultEnvironment,
        limit: MAX_COMPLETIONS,
      });
      return page.entries.map((log) => log.id);
    }),
  };
}

function byPrefix(values: readonly string[], prefix: string): string[] {
  const wanted = prefix.toLowerCase();
  return values.filter((v) => v.toLowerCase().startsWith(wanted)).slice(0, MAX_COMPLETIONS);
}

/** Hosts may pass the other variables as typed or as they appear in the URI; accept both. */
function decodedArguments(args: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(args ?? {})) {
    if (value === "") continue;
    try {
      out[name] = decodeURIComponent(value);
    } catch {
      out[name] = value;
    }
  }
  return out;
}
