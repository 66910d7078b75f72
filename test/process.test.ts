// The built server as a host runs it: spawned over stdio, talking to a local fake Knock API.
import { tmpdir } from "node:os";
import { join } from "node:path";
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
  it("lists every tool of the table and answers a tool call from the API, writing only JSON-RPC to stdout", async () => {
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

  it("exits 2 when --sandbox-state names a file in a directory that does not exist, naming the directory", async () => {
    const missing = join(tmpdir(), `knock-sources-missing-${process.pid}`, "deeper");
    const server = start(["--sandbox", "--sandbox-state", join(missing, "state.json")], {});
    expect((await server.exited).code).toBe(2);
    expect(server.stderr()).toContain(
      `--sandbox-state (KNOCK_SANDBOX_STATE): the directory ${missing} does not exist`,
    );
    expect(server.stderr()).not.toMatch(/ENOENT|\.tmp/);
    expect(server.stdoutLines).toEqual([]);

    const fromEnv = start([], { KNOCK_SANDBOX: "1", KNOCK_SANDBOX_STATE: join(missing, "state.json") });
    expect((await fromEnv.exited).code).toBe(2);
    expect(fromEnv.stderr()).toContain(`the directory ${missing} does not exist`);

    const standalone = start(["sandbox-server", "--state", join(missing, "state.json")], {});
    expect((await standalone.exited).code).toBe(2);
    expect(standalone.stderr()).toContain(`sandbox-server --state: the directory ${missing} does not exist`);
  });

  it("exits 2 on a sandbox setting without --sandbox", async () => {
    const server = start(["--sandbox-vars", "{}"], {});
    expect((await server.exited).code).toBe(2);
    expect(server.stderr()).toMatch(
      /--sandbox-vars \(KNOCK_SANDBOX_VARS\) only applies to the sandbox: add --sandbox/,
    );
  });

  it.each([
    ["--help", /^knock-sources-mcp — an MCP server/],
    ["--version", /^\d+\.\d+\.\d+/],
  ])("prints %s to stdout and exits 0", async (flag, expected) => {
    const server = start([flag], {});
    expect((await server.exited).code).toBe(0);
    expect(server.stdoutLines.join("\n")).toMatch(expected);
    expect(server.stderr()).toBe("");
  });

  it("serves a 2026-07-28 client: server/discover, then tools and resources with the envelope", async () => {
    const api = await startFakeApi((_req, res) => json(res, 200, examples.SourcesResponse));
    try {
      const server = start([], { KNOCK_SERVICE_TOKEN: TOKEN, KNOCK_MGMT_BASE_URL: api.url });
      const discovered = await server.discover();
      expect(discovered.supportedVersions).toContain("2026-07-28");
      expect(discovered._meta["io.modelcontextprotocol/serverInfo"]).toMatchObject({
        name: "knock-sources-mcp",
      });
      expect(discovered.instructions).toMatch(/list_sources/);

      const list = await server.request("tools/list");
      expect(list.result.tools.map((t: { name: string }) => t.name)).toEqual(TOOLS.map((t) => t.name));
      expect(list.result).toMatchObject({ ttlMs: 3_600_000, cacheScope: "public" });
      const call = await server.request("tools/call", { name: "list_sources", arguments: {} });
      expect(call.result.structuredContent).toEqual(examples.SourcesResponse);
      const missing = await server.request("resources/read", { uri: "knock://development/things/x" });
      expect(missing.error.code).toBe(-32602);

      server.child.stdin.end();
      expect((await server.exited).code).toBe(0);
      expect(nonProtocolLines(server.stdoutLines)).toEqual([]);
    } finally {
      await api.close();
    }
  });

  it.each([
    ["against Knock", [], { KNOCK_SERVICE_TOKEN: TOKEN }],
    ["in --sandbox", ["--sandbox"], {}],
  ] as const)(
    "%s, a stdin line longer than the transport buffers ends the process with status 1 and says why",
    async (_mode, args, env) => {
      const server = start([...args], env);
      await server.initialize();
      server.child.stdin.on("error", () => undefined);
      server.child.stdin.write(`${"x".repeat(11 * 1024 * 1024)}\n`);
      const started = Date.now();
      expect((await server.exited).code).toBe(1);
      // Promptly, not hanging: well within the test's own timeout even on a loaded machine.
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(server.stderr()).toMatch(/exceeded maximum size/);
      expect(server.stderr()).toMatch(/exiting with status 1/);
      expect(nonProtocolLines(server.stdoutLines)).toEqual([]);
    },
  );

  it.each([
    ["against Knock", [], { KNOCK_SERVICE_TOKEN: TOKEN }],
    ["in --sandbox", ["--sandbox"], {}],
    ["without a token", [], {}],
  ] as const)(
    "%s, the process exits 0 once the host closes stdin, in either era",
    async (_mode, args, env) => {
      for (const era of ["legacy", "modern"] as const) {
        const server = start([...args], env);
        if (era === "legacy") await server.initialize();
        else await server.discover();
        server.child.stdin.end();
        expect((await server.exited).code).toBe(0);
      }
    },
  );

  it.each(["SIGTERM", "SIGINT"] as const)("exits cleanly on %s", async (signal) => {
    const server = start([], { KNOCK_SERVICE_TOKEN: TOKEN });
    await server.initialize();
    server.child.kill(signal);
    expect(await server.exited).toEqual({ code: 0, signal: null });
  });
});
