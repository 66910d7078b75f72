import type { Handler } from "./context.js";
import { listSourceLogs } from "./logs.js";
import { getProvider, listProviders } from "./providers.js";
import { rehearseSource } from "./rehearse.js";
import { getSource, getSourceStatus, listSourceEvents, listSources, putSource } from "./sources.js";

export type Method = "GET" | "PUT" | "POST";

export interface Route {
  /** Path segments after /v1; ":key" captures one decoded segment. */
  pattern: readonly string[];
  methods: Partial<Record<Method, Handler>>;
}

export const ROUTES: readonly Route[] = [
  { pattern: ["sources"], methods: { GET: listSources } },
  { pattern: ["sources", ":key"], methods: { GET: getSource, PUT: putSource } },
  { pattern: ["sources", ":key", "status"], methods: { GET: getSourceStatus } },
  { pattern: ["sources", ":key", "rehearse"], methods: { POST: rehearseSource } },
  { pattern: ["sources", ":key", "events"], methods: { GET: listSourceEvents } },
  { pattern: ["sources", ":key", "logs"], methods: { GET: listSourceLogs } },
  { pattern: ["source_providers"], methods: { GET: listProviders } },
  { pattern: ["source_providers", ":key"], methods: { GET: getProvider } },
];

export function matchRoute(segments: readonly string[]): { route: Route; key: string } | undefined {
  for (const route of ROUTES) {
    if (route.pattern.length !== segments.length) continue;
    let key = "";
    const matches = route.pattern.every((part, i) => {
      const segment = segments[i] ?? "";
      if (part === ":key") {
        key = segment;
        return segment !== "";
      }
      return part === segment;
    });
    if (matches) return { route, key };
  }
  return undefined;
}
