// The server factory: one McpServer per connection (stdio) or per request (HTTP), in the era the entry
// chose, with every tool, resource and prompt registered from its table (over HTTP, those the request
// needs). The only module that puts the pieces of the MCP side together.
import { type CacheHint, McpServer } from "@modelcontextprotocol/server";
import type { Config } from "../config.js";
import type { KnockClient } from "../knock/client.js";
import { promptsFor } from "../prompts/index.js";
import { Catalog } from "../resources/catalog.js";
import { VERSION } from "../shared/version.js";
import { toolsFor } from "../tools/index.js";
import type { Connection } from "./connection.js";
import { serverInstructions } from "./instructions.js";
import type { ListenInterest } from "./listen.js";
import { registerPrompts } from "./prompts.js";
import { type RequestScope, registrationsFor } from "./request-scope.js";
import { registerResources } from "./resources.js";
import { registerTools } from "./tools.js";

export interface ServerDeps {
  /** Absent when no service token is configured: every tool then explains how to set one. */
  client: KnockClient | undefined;
  /** Shared by instances that serve the same caller; one per instance otherwise. */
  catalog?: Catalog | undefined;
  /** The listen streams of the connection (2026 era over stdio), for polling only while someone listens. */
  listens?: ListenInterest | undefined;
  /**
   * How a write through this instance is announced. By default the instance sends list_changed itself,
   * which the stdio entry routes; over HTTP the instance lives for one request, and the HTTP side tells
   * that caller's own listen streams instead.
   */
  announceCatalogChange?: (() => void) | undefined;
  /**
   * Over HTTP a 2025-era instance serves one request and is gone, so it can hold no subscription:
   * it then neither offers resources/subscribe nor declares it.
   */
  statelessLegacy?: boolean | undefined;
  /** Over HTTP, the one request this instance will serve: it then registers only what that needs. */
  scope?: RequestScope | undefined;
}

export type Era = "legacy" | "modern";

// Lists that are the same for every caller of this process for as long as it runs.
const STABLE: CacheHint = { ttlMs: 3_600_000, cacheScope: "public" };

export function createServer(config: Config, deps: ServerDeps, era: Era = "legacy"): McpServer {
  const subscribable = !(era === "legacy" && deps.statelessLegacy);
  const server = new McpServer(
    { name: "knock-sources-mcp", title: "Knock sources", version: VERSION },
    {
      capabilities: {
        // The tool and prompt lists are fixed for the life of the process; the resource list is not.
        tools: { listChanged: false },
        prompts: { listChanged: false },
        // A stateless 2025-era instance over HTTP has no stream to say anything on.
        resources: { subscribe: subscribable, listChanged: subscribable },
        completions: {},
        // 2025-era clients may set a log level; this server logs to stderr and sends none. The 2026-07-28
        // revision has no logging capability.
        ...(era === "legacy" ? { logging: {} } : {}),
      },
      instructions: serverInstructions({
        environment: config.environment,
        readOnly: config.readOnly,
        sandbox: config.sandbox,
      }),
      cacheHints: {
        "server/discover": STABLE,
        "tools/list": STABLE,
        "prompts/list": STABLE,
        "resources/templates/list": STABLE,
        // One account's sources, as the catalog holds them; a write through this server says list_changed.
        "resources/list": { ttlMs: 30_000, cacheScope: "private" },
      },
    },
  );
  const catalog = deps.catalog ?? (deps.client && new Catalog(deps.client));
  const connection: Connection = {
    era,
    config,
    client: deps.client,
    secrets: [config.serviceToken].filter((s): s is string => Boolean(s)),
    catalog,
    catalogChanged: () => {
      catalog?.invalidate();
      if (deps.announceCatalogChange) deps.announceCatalogChange();
      // Rejects when the peer went away in between; there is no one left to tell.
      else if (server.isConnected()) server.server.sendResourceListChanged().catch(() => undefined);
    },
  };
  const needs = registrationsFor(deps.scope);
  const only = typeof needs.tools === "object" ? needs.tools.only : undefined;
  const offered = toolsFor(config.readOnly);
  const tools = needs.tools === "all" ? offered : offered.filter((tool) => tool.name === only);
  registerTools(server, tools, connection);
  if (needs.resources) registerResources(server, connection, { listens: deps.listens, subscribable });
  if (needs.prompts !== "none") {
    registerPrompts(server, promptsFor(config.readOnly), connection, {
      completions: needs.prompts === "completable",
    });
  }
  return server;
}
