// Shared by the reliability suites: an MCP session over InMemoryTransport whose KnockClient talks real HTTP
// to a node:http fake API on port 0, plus canned Knock answers per endpoint and small result readers.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { Config } from "../../src/config.js";
import { KnockClient } from "../../src/knock/client.js";
import { KnockHttp } from "../../src/knock/http.js";
import { TOOLS } from "../../src/tools/index.js";
import examples from "../fixtures/knock-mapi-sources-examples.json" with { type: "json" };
import { type Handler, json, startFakeApi } from "../helpers/fake-api.js";
import { connect, type Era, payloadOf, testConfig } from "../helpers/mcp.js";

export { examples };

/** For each tool of the table, arguments that are valid (keys are placeholders). */
export const VALID_ARGS: Record<string, Record<string, unknown>> = {
  list_sources: {},
  get_source: { key: "k" },
  get_source_status: { key: "k" },
  list_source_events: { key: "k" },
  list_source_logs: { key: "k" },
  upsert_source: { key: "k", name: "N" },
  rehearse_source_event: { key: "k", payload: { body: { type: "x" }, headers: {} } },
  list_source_providers: {},
  get_source_provider: { key: "k" },
};
/** Every tool the server offers, from the tool table: a tool missing from the tables here fails the suites. */
export const TOOL_NAMES = TOOLS.map((t) => t.name);
/** The tools that take a source or provider `key`, and those scoped to an `environment`. */
export const KEY_TOOLS = TOOLS.filter((t) => "key" in t.input.shape).map((t) => t.name);
export const ENV_TOOLS = TOOLS.filter((t) => "environment" in t.input.shape).map((t) => t.name);

/** The request path a key tool sends, before and after the encoded key. */
export const PATH_OF: Record<string, { prefix: string; suffix: string; method: string }> = {
  get_source: { prefix: "/v1/sources/", suffix: "", method: "GET" },
  get_source_status: { prefix: "/v1/sources/", suffix: "/status", method: "GET" },
  list_source_events: { prefix: "/v1/sources/", suffix: "/events", method: "GET" },
  list_source_logs: { prefix: "/v1/sources/", suffix: "/logs", method: "GET" },
  upsert_source: { prefix: "/v1/sources/", suffix: "", method: "PUT" },
  rehearse_source_event: { prefix: "/v1/sources/", suffix: "/rehearse", method: "POST" },
  get_source_provider: { prefix: "/v1/source_providers/", suffix: "", method: "GET" },
};

/** The documented answer of each tool's endpoint. */
export const OK_BODY: Record<string, unknown> = {
  list_sources: examples.SourcesResponse,
  get_source: examples.Source,
  get_source_status: examples.SourceStatusResponse,
  list_source_events: examples.SourceEventsResponse,
  list_source_logs: examples.SourceLogsResponse,
  upsert_source: { source: examples.Source },
  rehearse_source_event: examples.SourceRehearseResponse,
  list_source_providers: examples.SourceProvidersResponse,
  get_source_provider: examples.SourceProviderResponse,
};

/** Which tool's endpoint a request reached, from its method and path. */
export function endpointOf(method: string, url: string): string | undefined {
  const path = url.split("?")[0] ?? "";
  const parts = path.split("/");
  if (path === "/v1/sources") return "list_sources";
  if (path === "/v1/source_providers") return "list_source_providers";
  if (parts[2] === "source_providers" && parts.length === 4) return "get_source_provider";
  if (parts[2] !== "sources") return undefined;
  if (parts.length === 4) return method === "PUT" ? "upsert_source" : "get_source";
  const tail: Record<string, string> = {
    status: "get_source_status",
    events: "list_source_events",
    logs: "list_source_logs",
    rehearse: "rehearse_source_event",
  };
  return parts.length === 5 ? tail[parts[4] ?? ""] : undefined;
}

/** A fake Knock that answers every endpoint with its documented example. */
export function answerOk(req: IncomingMessage, res: ServerResponse): void {
  const tool = endpointOf(req.method ?? "GET", req.url ?? "");
  if (tool) json(res, 200, OK_BODY[tool]);
  else json(res, 404, { code: "resource_missing", message: "no route", status: 404 });
}

export interface SessionOptions {
  /** The protocol era of the client; 2025-11-25 unless given. */
  era?: Era;
  timeoutMs?: number;
  maxRetries?: number;
  token?: string;
  config?: Partial<Config>;
}

/** An MCP session whose client calls a node:http fake API; the handler can be swapped between calls. */
export async function faultSession(initial: Handler, options: SessionOptions = {}) {
  let handler: Handler = initial;
  const api = await startFakeApi((req, res, i) => handler(req, res, i));
  const token = options.token ?? "knock_st_reliability_0123456789";
  const http = new KnockHttp({
    baseUrl: api.url,
    token,
    userAgent: "knock-sources-mcp/reliability-test",
    timeoutMs: options.timeoutMs ?? 250,
    maxRetries: options.maxRetries ?? 2,
    backoffBaseMs: 5,
    backoffMaxMs: 20,
  });
  const config = testConfig({
    serviceToken: token,
    baseUrl: api.url,
    timeoutMs: options.timeoutMs ?? 250,
    maxRetries: options.maxRetries ?? 2,
    ...options.config,
  });
  const session = await connect(config, new KnockClient(http), options.era);
  // Makes the SDK client cache the output schemas, so that it validates every structuredContent.
  await session.mcp.listTools();
  return {
    api,
    era: session.era,
    mcp: session.mcp,
    setHandler(next: Handler) {
      handler = next;
    },
    /** tools/call, with the era's envelope checked and set aside. */
    async call(name: string, args: Record<string, unknown> = {}) {
      return payloadOf(session.era, await session.mcp.callTool({ name, arguments: args })) as CallToolResult;
    },
    async close() {
      await session.close();
      await http.close();
      await api.close();
    },
  };
}

export function textOf(result: CallToolResult): string {
  return result.content
    .map((item) => (item.type === "text" ? item.text : ""))
    .join("\n")
    .trim();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
