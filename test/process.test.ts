// The built server as a host runs it: spawned over stdio, talking to a local fake Knock API.
import { afterEach, describe, expect, it } from "vitest";
import { TOOLS } from "../src/tools/index.js";
import examples from "./fixtures/knock-mapi-sources-examples.json" with { type: "json" };
import { json, startFakeApi } from "./helpers/fake-api.js";
import { nonProtocolLines, type Spawned, spawnServer } from "./helpers/spawn.js";

const TOKEN = "knock_st_process_test_secret";
const running: Spawned[] = [];
afterEach(() => {
  for (const s of running.splice(0)) s.child.kill("SIGKILL");
});

function start(args: string[], env: Record<string, string>) {
  const spawned = spawnServer(args, env);
  running.push(spawned);
  return spawned;
}

describe("the built server over stdio", () => {
  it("lists every tool and answers a tool call from the API, writing only JSON-RPC to stdout", async () => {
    const api = await startFakeApi((_req, res) => json(res, 200, examples.SourcesResponse));
    try {
      const server = start([], { KNOCK_SERVICE_TOKEN: TOKEN, KNOCK_MGMT_BASE_URL: api.url });
      const init = await server.initialize();
      expect(init.serverInfo).toMatchObject({ name: "knock-sources-mcp" });
      expect(init.instructions).toMatch(/list_sources/);

      const list = await server.request("tools/list");
      expect(list.result.tools.map((t: { name: string }) => t.name)).toEqual(TOOLS.map((t) => t.name));

      const call = await server.request("tools/call", { name: "list_sources", arguments: {} });
      expect(call.result.isError).toBeUndefined();
      expect(call.result.structuredContent).toEqual(examples.SourcesResponse);
      expect(api.requests[0]?.url).toBe("/v1/sources?environment=development");
      expect(api.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);

      server.child.stdin.end();
      expect((await server.exited).code).toBe(0);
      expect(nonProtocolLines(server.stdoutLines)).toEqual([]);
      expect(server.stderr()).not.toContain(TOKEN);
    } finally {
      await api.close();
    }
  });

  it("starts without a token, warns once on stderr, and each call says how to set it", async () => {
    const server = start([], {});
    await server.initialize();
    const call = await server.request("tools/call", { name: "get_source", arguments: { key: "x" } });
    expect(call.result.isError).toBe(true);
    expect(call.result.content[0].text).toMatch(/KNOCK_SERVICE_TOKEN/);
    expect(server.stderr().match(/no service token/g)).toHaveLength(1);
    expect(nonProtocolLines(server.stdoutLines)).toEqual([]);
  });

  it("exits 2 on a bad value, naming the flag and the variable, with nothing on stdout", async () => {
    const server = start(["--timeout-ms", "soon"], {});
    expect((await server.exited).code).toBe(2);
    expect(server.stderr()).toMatch(/--timeout-ms \(KNOCK_TIMEOUT_MS\) must be a whole number/);
    expect(server.stdoutLines).toEqual([]);
  });

  it.each(["SIGTERM", "SIGINT"] as const)("exits cleanly on %s", async (signal) => {
    const server = start([], { KNOCK_SERVICE_TOKEN: TOKEN });
    await server.initialize();
    server.child.kill(signal);
    expect(await server.exited).toEqual({ code: 0, signal: null });
  });
});
