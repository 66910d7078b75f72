// Whose token: over HTTP each request reaches Knock with its own caller's token, never another caller's
// and never the server's own; a request without one is refused before anything runs; no token appears in
// a response, a log line or an error.
import { afterEach, describe, expect, it, vi } from "vitest";
import examples from "../fixtures/knock-mapi-sources-examples.json" with { type: "json" };
import { json, startFakeApi } from "../helpers/fake-api.js";
import {
  accessLog,
  type HttpReplica,
  httpClient,
  startHttpServer,
  stopReplica,
} from "../helpers/http-server.js";
import { ERAS } from "../helpers/mcp.js";

const ALICE = "knock_st_alice_0123456789abcdef";
const BOB = "knock_st_bob_fedcba9876543210";
const SERVERS_OWN = "knock_st_server_own_must_not_be_lent";

const running: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const stop of running.splice(0).reverse()) await stop();
});

async function deployment() {
  // A fake Knock that answers slowly enough for calls of both callers to overlap.
  const api = await startFakeApi((req, res) => {
    setTimeout(
      () => json(res, 200, req.url?.startsWith("/v1/sources?") ? examples.SourcesResponse : examples.Source),
      20,
    );
  });
  const replica = await startHttpServer([], {
    KNOCK_MGMT_BASE_URL: api.url,
    KNOCK_SERVICE_TOKEN: SERVERS_OWN,
  });
  running.push(api.close, stopReplica(replica));
  return { api, replica };
}

const bearerOf = (headers: Record<string, unknown>) => String(headers.authorization ?? "");

describe.each(ERAS)("%s", (era) => {
  it("each caller's calls reach Knock with that caller's token, concurrently, never another's or the server's", async () => {
    const { api, replica } = await deployment();
    const alice = await httpClient(replica.url, era, ALICE);
    const bob = await httpClient(replica.url, era, BOB);
    try {
      const calls = Array.from({ length: 10 }, (_, i) => {
        const [who, name] = i % 2 === 0 ? [alice, "alice"] : [bob, "bob"];
        return who
          .callTool({ name: "get_source", arguments: { key: `${name}-${i}` } })
          .then((result) => ({ name, i, result }));
      });
      for (const { result } of await Promise.all(calls)) expect(result.isError).toBeUndefined();
      const seen = api.requests.map((r) => ({ url: r.url, auth: bearerOf(r.headers) }));
      expect(seen).toHaveLength(10);
      for (const request of seen) {
        const caller = /\/v1\/sources\/(alice|bob)-/.exec(request.url)?.[1];
        expect(request.auth).toBe(`Bearer ${caller === "alice" ? ALICE : BOB}`);
      }
      expect(seen.some((r) => r.auth.includes(SERVERS_OWN))).toBe(false);
    } finally {
      await alice.close();
      await bob.close();
    }
    expect(replica.stderr()).toMatch(/KNOCK_SERVICE_TOKEN .* is set but not used over HTTP/);
    for (const token of [ALICE, BOB, SERVERS_OWN]) expect(replica.stderr()).not.toContain(token);
  });

  it("a token Knock echoes back is redacted from the result shown to its caller", async () => {
    const api = await startFakeApi((req, res) =>
      json(res, 200, { ...examples.Source, description: `seen: ${String(req.headers.authorization)}` }),
    );
    const replica = await startHttpServer([], { KNOCK_MGMT_BASE_URL: api.url });
    running.push(api.close, stopReplica(replica));
    const alice = await httpClient(replica.url, era, ALICE);
    try {
      const result = await alice.callTool({ name: "get_source", arguments: { key: "stripe" } });
      expect(JSON.stringify(result)).not.toContain(ALICE);
      expect(JSON.stringify(result)).toContain("seen: Bearer [redacted]");
    } finally {
      await alice.close();
    }
  });
});

describe("a request without a token", () => {
  let replica: HttpReplica;

  it("is answered 401 with WWW-Authenticate and a JSON-RPC error that says how to send one", async () => {
    ({ replica } = await deployment());
    const response = await fetch(replica.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
    const body = (await response.json()) as { error: { message: string } };
    expect(body.error.message).toMatch(/Authorization: Bearer knock_st_/);
    await vi.waitFor(() =>
      expect(accessLog(replica).at(-1)).toMatchObject({ status: 401, method: "POST", path: "/mcp" }),
    );
  });

  it.each(ERAS)("cannot start a %s session either: the SDK client reports the 401", async (era) => {
    ({ replica } = await deployment());
    await expect(httpClient(replica.url, era)).rejects.toThrow(/401|Unauthorized|token/i);
  });

  it("in --sandbox any bearer, or none, is accepted", async () => {
    const sandbox = await startHttpServer(["--sandbox"]);
    running.push(async () => {
      sandbox.child.kill("SIGKILL");
      await sandbox.exited;
    });
    for (const token of [undefined, "anything"]) {
      const client = await httpClient(sandbox.url, "2026-07-28", token);
      const result = await client.callTool({ name: "list_sources", arguments: {} });
      expect(result.isError).toBeUndefined();
      await client.close();
    }
  });
});
