// The resource table: the four URI templates hosts browse, each with what it is, the variables a host can
// complete, and how long a read of it stays true (the cache hint 2026-era clients receive).
import type { Variable } from "./complete.js";
import { RECENT_LOGS } from "./read.js";
import { type ResourceRef, TEMPLATES } from "./uris.js";

export interface Freshness {
  /** How long a read stays true, in milliseconds. */
  ttlMs: number;
  /** `public`: the same for every caller (Knock's provider catalog); `private`: one account's data. */
  scope: "public" | "private";
}

export interface ResourceTemplateInfo {
  name: string;
  kind: ResourceRef["kind"];
  uriTemplate: string;
  variables: readonly Variable[];
  title: string;
  description: string;
  freshness: Freshness;
}

export const RESOURCE_TEMPLATES: readonly ResourceTemplateInfo[] = [
  {
    name: "source-provider",
    kind: "provider",
    uriTemplate: TEMPLATES.provider,
    variables: ["provider"],
    title: "Source provider template",
    description:
      "A Knock provider template (Stripe, Segment…) with branding, default mappings, example payloads, preprocessing script and static fields. Same as get_source_provider with every include.",
    // Knock's templates change with Knock releases, not with anything an account does.
    freshness: { ttlMs: 3_600_000, scope: "public" },
  },
  {
    name: "source",
    kind: "source",
    uriTemplate: TEMPLATES.source,
    variables: ["environment", "source"],
    title: "Source in an environment",
    description: "A source's settings and mappings in one environment. Same as get_source.",
    // Anyone with access to the account may edit a source at any time, in the dashboard or the CLI.
    freshness: { ttlMs: 5_000, scope: "private" },
  },
  {
    name: "source-logs",
    kind: "logs",
    uriTemplate: TEMPLATES.logs,
    variables: ["environment", "source"],
    title: "Event logs of a source",
    description: `The ${RECENT_LOGS} most recent event logs of a source in one environment, with their actions and page_info. Same as list_source_logs with include ["actions"]. Subscribe to be told when a new log arrives.`,
    // A new event can arrive at any moment; subscribe rather than re-read.
    freshness: { ttlMs: 2_000, scope: "private" },
  },
  {
    name: "source-log",
    kind: "log",
    uriTemplate: TEMPLATES.log,
    variables: ["environment", "source", "log_id"],
    title: "One event log",
    description:
      'One event log of a source with its actions. Same as list_source_logs with `id` and include ["actions"].',
    // A log is written when its event is processed; its actions' outcomes may still be filled in after.
    freshness: { ttlMs: 10_000, scope: "private" },
  },
];
