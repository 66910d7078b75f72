// What protects a deployment: Host and Origin checks against DNS rebinding, the body limit, the deadline,
// the bound on requests in flight, /healthz, and a drain on SIGTERM that loses no request in flight.
import type { ServerResponse } from "node:http";
import { afterEach, describe, expect, it, vi } from "vitest";
import examples from "../fixtures/knock-mapi-sources-examples.json" with { type: "json" };
import { json, startFakeApi } from "../helpers/fake-api.js";
import {
  accessLog,
  type HttpReplica,
  httpClient,
  rawPost,
  startHttpServer,
  stopReplica,
} from "../helpers/http-server.js";

const TOKEN = "knock_st_protection_0123456789";
const running: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const stop of running.splice(0).reverse()) await stop();
});

async function replicaOf(args: string[], api?: { url: string }): Promise<HttpReplica> {
  const replica = await startHttpServer(args, api ? { KNOCK_MGMT_BASE_URL: api.url } : {});
  running.push(stopReplica(replica));
  return replica;
}

/** A fake Knock that holds every request until released, to have requests in flight on purpose. */
async function heldApi() {
  const held: ServerResponse[] = [];
  const api = await startFakeApi((_req, res) => {
    held.push(res);
  });
  running.push(api.close);
  return {
    api,
    held,
    release: () => {
      for (const res of held.splice(0)) json(res, 200, examples.Source);
    },
  };
}

const rpc = (method: string, id = 1) =>
  JSON.stringify({
    jsonrpc: "2.0",
    id,
    method,
    params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
  });
const post = (url: string, body: string, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      authorization: `Bearer ${TOKEN}`,
      ...headers,
    },
    body,
  });

describe("DNS rebinding", () => {
  it("refuses a Host that is not this server's with 403, and nothing reaches Knock", async () => {
    const { api } = await heldApi();
    const replica = await replicaOf([], api);
    for (const host of ["evil.example.com", "evil.example.com:80", "127.0.0.1.evil.example"]) {
      const response = await rawPost(replica.url, rpc("initialize"), {
        host,
        authorization: `Bearer ${TOKEN}`,
      });
      expect(response.status).toBe(403);
      expect((JSON.parse(response.body) as { error: { message: string } }).error.message).toMatch(
        /Invalid Host/,
      );
    }
    expect(api.requests).toHaveLength(0);
  });

  it("refuses a browser Origin that is not this server's with 403", async () => {
    const replica = await replicaOf(["--sandbox"]);
    const refused = await post(replica.url, rpc("initialize"), { origin: "https://evil.example.com" });
    expect(refused.status).toBe(403);
    const local = await post(replica.url, rpc("initialize"), { origin: replica.origin });
    expect(local.status).toBe(200);
  });

  it("serves the names --allowed-hosts adds, and still no other", async () => {
    const replica = await replicaOf(["--sandbox", "--allowed-hosts", "mcp.example.test,knock.internal"]);
    expect((await rawPost(replica.url, rpc("initialize"), { host: "mcp.example.test" })).status).toBe(200);
    expect((await rawPost(replica.url, rpc("initialize"), { host: "knock.internal:8080" })).status).toBe(200);
    expect((await rawPost(replica.url, rpc("initialize"), { host: "other.example.test" })).status).toBe(403);
  });
});

describe("limits", () => {
  it("answers a body over 4 MB with 413 without reading it into a request", async () => {
    const { api } = await heldApi();
    const replica = await replicaOf([], api);
    const huge = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: {
        name: "rehearse_source_event",
        arguments: { key: "k", payload: { body: "x".repeat(5 * 1024 * 1024) } },
      },
    });
    const response = await post(replica.url, huge);
    expect(response.status).toBe(413);
    expect(api.requests).toHaveLength(0);
  });

  it("answers past --max-concurrency with 503 and Retry-After, and serves the rest", async () => {
    const { api, held, release } = await heldApi();
    const replica = await replicaOf(["--max-concurrency", "2"], api);
    const first = await httpClient(replica.url, "2026-07-28", TOKEN);
    const second = await httpClient(replica.url, "2026-07-28", TOKEN);
    running.push(
      () => first.close(),
      () => second.close(),
    );
    const calls = [first, second].map((c) =>
      c.callTool({ name: "get_source", arguments: { key: "stripe" } }),
    );
    await vi.waitFor(() => expect(held).toHaveLength(2));
    const third = await post(replica.url, rpc("initialize"));
    expect(third.status).toBe(503);
    expect(third.headers.get("retry-after")).toBe("1");
    release();
    for (const result of await Promise.all(calls)) expect(result.isError).toBeUndefined();
    expect(api.requests).toHaveLength(2);
  });

  it("answers a request that outlives --request-timeout-ms with 504 and stops its Knock call", async () => {
    const { api, held } = await heldApi();
    const replica = await replicaOf(["--request-timeout-ms", "1000"], api);
    const client = await httpClient(replica.url, "2025-11-25", TOKEN);
    running.push(() => client.close());
    const started = Date.now();
    await expect(client.callTool({ name: "get_source", arguments: { key: "stripe" } })).rejects.toThrow(
      /504|longer than 1000 ms/,
    );
    expect(Date.now() - started).toBeLessThan(3_000);
    // The Knock request it was waiting on was aborted, not left to run.
    await vi.waitFor(() => expect(held[0]?.socket?.destroyed ?? true).toBe(true), { timeout: 2_000 });
  });
});

describe("operations", () => {
  it("/healthz is 200 while serving; unknown paths are 404", async () => {
    const replica = await replicaOf(["--sandbox"]);
    const health = await fetch(`${replica.origin}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "serving" });
    expect((await fetch(`${replica.origin}/other`)).status).toBe(404);
  });

  it("on SIGTERM every request in flight gets its answer, /healthz turns 503, new requests are sent away, then exit 0", async () => {
    const { api, held, release } = await heldApi();
    const replica = await replicaOf([], api);
    const clients = await Promise.all([1, 2, 3].map(() => httpClient(replica.url, "2026-07-28", TOKEN)));
    const calls = clients.map((c, i) => c.callTool({ name: "get_source", arguments: { key: `k${i}` } }));
    await vi.waitFor(() => expect(held).toHaveLength(3));

    replica.child.kill("SIGTERM");
    await vi.waitFor(async () => expect((await fetch(`${replica.origin}/healthz`)).status).toBe(503));
    const late = await post(replica.url, rpc("initialize"));
    expect(late.status).toBe(503);
    expect(late.headers.get("retry-after")).toBe("1");

    release();
    for (const result of await Promise.all(calls)) {
      expect(result.isError).toBeUndefined();
      expect(result.structuredContent).toEqual(examples.Source);
    }
    expect(await replica.exited).toEqual({ code: 0, signal: null });
    const log = accessLog(replica);
    expect(log.filter((e) => e.mcp === "tools/call" && e.status === 200)).toHaveLength(3);
    for (const entry of log) {
      expect(Object.keys(entry).sort()).toEqual(expect.arrayContaining(["method", "ms", "path", "status"]));
      expect(JSON.stringify(entry)).not.toContain(TOKEN);
    }
  });

  it("a listen stream on a replica that drains ends gracefully, with its final result", async () => {
    const replica = await replicaOf(["--sandbox"]);
    const client = await httpClient(replica.url, "2026-07-28");
    const stream = await client.listen({
      resourceSubscriptions: ["knock://development/sources/stripe/logs"],
    });
    replica.child.kill("SIGTERM");
    expect(await stream.closed).toBe("graceful");
    expect(await replica.exited).toEqual({ code: 0, signal: null });
    await client.close().catch(() => undefined);
  });
});
