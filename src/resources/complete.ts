// completion/complete for the resource templates' variables and the prompts' arguments: the values that
// exist, filtered by what was typed and by the other variables already chosen.
import type { KnockClient } from "../knock/client.js";
import { allEnvironments, type Catalog } from "./catalog.js";

export const MAX_COMPLETIONS = 100;

export type Variable = "provider" | "source" | "environment" | "log_id";
/** What a prompt argument completes to: a template variable, an event type, or a key still free. */
export type Completable = Variable | "event" | "new_key";

export interface CompleteDeps {
  client: KnockClient;
  catalog: Catalog;
  defaultEnvironment: string;
}

/** What was typed so far, and the other variables of the URI as the host passes them. */
export type Complete = (value: string, context?: { arguments?: Record<string, string> }) => Promise<string[]>;

/** One completer per variable; each rejects when Knock cannot be reached (the caller decides what then). */
export function completers(deps: CompleteDeps): Record<Completable, Complete> {
  const completing =
    (find: (args: Record<string, string>) => Promise<string[]>): Complete =>
    async (value, context) =>
      byPrefix(await find(decodedArguments(context?.arguments)), value);
  const catalog = () => deps.catalog.get();

  return {
    provider: completing(async () => (await catalog()).providers.map((p) => p.key)),
    source: completing(async ({ environment }) =>
      (await catalog()).sources
        .filter((s) => environment === undefined || s.environments.includes(environment))
        .map((s) => s.key),
    ),
    environment: completing(async ({ source }) => {
      const snapshot = await catalog();
      const chosen = source === undefined ? undefined : snapshot.sources.find((s) => s.key === source);
      return chosen ? chosen.environments : allEnvironments(snapshot);
    }),
    log_id: completing(async ({ source, environment }) => {
      // Log ids belong to one source in one environment; without a source there is nothing to offer.
      if (source === undefined) return [];
      const page = await deps.client.listSourceLogs(source, {
        environment: environment ?? deps.defaultEnvironment,
        limit: MAX_COMPLETIONS,
      });
      return page.entries.map((log) => log.id);
    }),
    event: completing(async ({ source, environment }) => {
      // Event types are a source's; without one there is nothing to offer.
      if (source === undefined) return [];
      const events = await deps.client.listSourceEvents(source, environment ?? deps.defaultEnvironment);
      return events.entries.map((e) => e.event);
    }),
    new_key: completing(async ({ provider }) => {
      // A key for a source still to be created: the provider's own key, or the first numbered one free.
      if (provider === undefined) return [];
      const taken = new Set((await catalog()).sources.map((s) => s.key));
      for (let n = 1; n <= MAX_COMPLETIONS; n++) {
        const key = n === 1 ? provider : `${provider}-${n}`;
        if (!taken.has(key)) return [key];
      }
      return [];
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
