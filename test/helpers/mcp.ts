// The test side of the MCP seam: a real SDK client of either protocol era connected to our server over an
// in-memory transport, through the same stdio entry (serveOverStdio) the process uses, so the era is
// chosen by the client's opening message exactly as a host's would choose it.
import { Client } from "@modelcontextprotocol/client";
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport, type McpServer } from "@modelcontextprotocol/server";
import { expect } from "vitest";
import type { Config } from "../../src/config.js";
import type { KnockClient } from "../../src/knock/client.js";
import { createServer } from "../../src/mcp/server.js";
import { serveOverStdio } from "../../src/mcp/stdio.js";
import { VERSION } from "../../src/shared/version.js";

/** The protocol revisions every contract test runs in: a 2025-era host (SDK v1) and a 2026-era host (SDK v2). */
export const ERAS = ["2025-11-25", "2026-07-28"] as const;
export type Era = (typeof ERAS)[number];

export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    serviceToken: "knock_st_test_0123456789abcdef",
    baseUrl: "https://control.knock.app",
    environment: "development",
    readOnly: false,
    timeoutMs: 2_000,
    maxRetries: 0,
    sandbox: false,
    allowInsecureHttp: false,
    sandboxState: undefined,
    sandboxVars: {},
    maxResultChars: 60_000,
    pollIntervalMs: 15_000,
    ...overrides,
  };
}

/** A client of the given era. Both SDKs' clients have the same request methods; the v2 type stands for both. */
export function clientOf(era: Era): Client {
  const info = { name: "test-client", version: "1.0.0" };
  if (era === "2026-07-28") return new Client(info, { versionNegotiation: { mode: { pin: "2026-07-28" } } });
  return new LegacyClient(info) as unknown as Client;
}

export async function connect(config: Config, client: KnockClient | undefined, era: Era = "2025-11-25") {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  // Every instance the entry made, newest last: the one serving the connection once it is open.
  const servers: McpServer[] = [];
  const session = serveOverStdio(
    (chosen, listens) => {
      const server = createServer(config, { client, listens }, chosen);
      servers.push(server);
      return server;
    },
    { transport: serverSide },
  );
  const mcp = clientOf(era);
  await mcp.connect(clientSide);
  return {
    era,
    mcp,
    session,
    /** The instance serving this connection. */
    get server(): McpServer {
      const server = servers.at(-1);
      if (!server) throw new Error("no server instance was made");
      return server;
    },
    close: async () => {
      await mcp.close();
      await session.close();
    },
  };
}

export type Session = Awaited<ReturnType<typeof connect>>;

/** tools/call, with request options if any: the two SDKs take them in different positions. */
export function callTool(
  session: Session,
  params: { name: string; arguments?: Record<string, unknown> },
  options: { signal?: AbortSignal } = {},
) {
  if (session.era === "2026-07-28") return session.mcp.callTool(params, options);
  const legacy = session.mcp as unknown as LegacyClient;
  return legacy.callTool(params, undefined, options);
}

/**
 * One page of resources/list, as the server sent it. Without a cursor a 2026-era client's listResources()
 * walks every page itself and returns the whole list; its request() sends the one request.
 */
export function resourcesPage(session: Session, cursor?: string) {
  const params = cursor === undefined ? {} : { cursor };
  if (session.era === "2026-07-28") return session.mcp.request({ method: "resources/list", params });
  return session.mcp.listResources(params);
}

/**
 * Request options for the cacheable requests (lists, reads) that make a 2026-era client ask the server even
 * when it holds a fresh answer under the server's cache hint; the 2025-era client caches nothing and ignores
 * them.
 */
export const UNCACHED = { cacheMode: "bypass" } as const;

/** How long a list or read stays true and for whom: what a 2026-era result carries beside its payload. */
export interface CacheHint {
  ttlMs: number;
  cacheScope: "public" | "private";
}

/** The hint of the lists that are the same for every caller for as long as the process runs. */
export const STABLE_HINT: CacheHint = { ttlMs: 3_600_000, cacheScope: "public" };

/** What every 2026-era result names in `_meta`: the server that answered. */
const SERVER_INFO_META = {
  "io.modelcontextprotocol/serverInfo": {
    name: "knock-sources-mcp",
    title: "Knock sources",
    version: VERSION,
  },
};
const ENVELOPE = ["_meta", "cacheScope", "ttlMs"] as const;
/** T without the envelope's fields (a mapped type, so that the SDK's index signatures keep the known keys). */
export type Payload<T> = { [K in keyof T as K extends (typeof ENVELOPE)[number] ? never : K]: T[K] };

/**
 * The payload of a result, which both eras must agree on, after checking what the era puts around it: a
 * 2026-era result names the server in `_meta` and carries `hint` (lists and reads), or no hint if none is
 * given (tool calls, completions); a 2025-era result carries none of these fields.
 */
export function payloadOf<T extends object>(era: Era, result: T, hint?: CacheHint): Payload<T> {
  const { _meta, ttlMs, cacheScope, ...payload } = result as Record<string, unknown>;
  const present = ENVELOPE.filter((field) => field in result);
  if (era === "2025-11-25") {
    expect(present, "a 2025-era result carries no _meta or cache hint").toEqual([]);
  } else {
    expect(present).toEqual(hint ? ["_meta", "cacheScope", "ttlMs"] : ["_meta"]);
    expect(_meta).toEqual(SERVER_INFO_META);
    if (hint) expect({ ttlMs, cacheScope }).toEqual(hint);
  }
  return payload as Payload<T>;
}
