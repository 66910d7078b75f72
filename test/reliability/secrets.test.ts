// The service token must never be shown: not in any tool result (text or structuredContent), not in any
// error, not on stdout or stderr, whatever Knock (or a proxy) sends back, in-process (for a client of each
// protocol era) and in the built server.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it, vi } from "vitest";
import { KnockClient } from "../../src/knock/client.js";
import { KnockHttp } from "../../src/knock/http.js";
import { json, startFakeApi } from "../helpers/fake-api.js";
import { connect, ERAS, type Era, payloadOf, testConfig } from "../helpers/mcp.js";
import { nonProtocolLines, type Spawned, spawnServer } from "../helpers/spawn.js";
import { answerOk, examples, textOf } from "./helpers.js";

const TOKEN = "knock_st_SECRET_canary_9d2f7b61e0c4a8f5";
/** Any 12 consecutive characters after the public "knock_st_" prefix count as a leak of part of the token. */
const SECRET_PART = TOKEN.slice("knock_st_".length);
const FRAGMENTS = Array.from({ length: SECRET_PART.length - 11 }, (_, i) => SECRET_PART.slice(i, i + 12));

function leaks(text: string): string[] {
  const found: string[] = [];
  if (text.includes(TOKEN)) found.push("the whole token");
  for (const fragment of FRAGMENTS) if (text.includes(fragment)) found.push(fragment);
  return found;
}

/**
 * A fake Knock that echoes the Authorization header back in every kind of answer, chosen by the key in
 * the path (`/v1/sources/<scenario>`). The retry scenarios fail on the first attempt only.
 */
function echoingApi() {
  const attempts = new Map<string, number>();
  return (req: IncomingMessage, res: ServerResponse) => {
    const auth = String(req.headers.authorization ?? "");
    const scenario = (req.url ?? "").split("?")[0]?.split("/")[3] ?? "";
    const n = (attempts.get(scenario) ?? 0) + 1;
    attempts.set(scenario, n);
    const knockError = (status: number, code: string, extra: Record<string, unknown> = {}) =>
      json(res, status, { code, message: `rejected ${auth} (${code})`, status, type: "api_error", ...extra });
    switch (scenario) {
      case "s400":
        return knockError(400, "invalid_params");
      case "s401":
        return knockError(401, "bearer_token_invalid");
      case "s403":
        return knockError(403, "forbidden");
      case "s404":
        return knockError(404, "resource_missing");
      case "s422":
        return knockError(422, "invalid_params", {
          errors: [{ field: "name", message: `header was ${auth}` }],
        });
      case "s429":
        return knockError(429, "rate_limited");
      case "s500":
        return knockError(500, "internal");
      case "retry-then-ok":
        return n === 1 ? knockError(503, "unavailable") : answerOk(req, res);
      case "html502":
        res.writeHead(502, { "content-type": "text/html" });
        return res.end(`<html><body>upstream said: ${auth}</body></html>`);
      case "non-json":
        res.writeHead(200, { "content-type": "text/plain" });
        return res.end(`your ${auth}`);
      case "truncated":
        res.writeHead(200, { "content-type": "application/json" });
        return res.end(`{"key": "${auth}", "name": `);
      case "bad-shape":
        return json(res, 200, { key: auth, name: auth });
      case "timeout":
        return;
      case "reset":
        return res.socket?.destroy();
      case "echo-success":
        return json(res, 200, { ...examples.Source, name: auth, description: `token: ${auth}` });
      case "cut-echo": {
        // A proxy page whose 160-character snippet ends inside the token.
        res.writeHead(502, { "content-type": "text/plain" });
        return res.end(`${"x".repeat(120)} Bearer ${TOKEN} tail`);
      }
      default:
        return answerOk(req, res);
    }
  };
}

const ERROR_SCENARIOS = [
  "s400",
  "s401",
  "s403",
  "s404",
  "s422",
  "s429",
  "s500",
  "html502",
  "non-json",
  "truncated",
  "bad-shape",
  "timeout",
  "reset",
];
const SUCCESS_CALLS: Array<[string, Record<string, unknown>]> = [
  ["list_sources", {}],
  ["get_source", { key: "ok" }],
  ["get_source", { key: "retry-then-ok" }],
  ["upsert_source", { key: "ok", name: "Ok" }],
  ["rehearse_source_event", { key: "ok", payload: { body: {} } }],
  ["list_source_logs", { key: "ok" }],
  ["list_source_providers", {}],
];

/** Everything a result shows anyone: its text and its structuredContent. */
function shown(result: CallToolResult): string {
  return `${textOf(result)}\n${JSON.stringify(result.structuredContent ?? null)}`;
}

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  vi.restoreAllMocks();
});

/** Captures what this process writes to stdout/stderr (console included) while the test runs. */
function captureOutput() {
  const out: string[] = [];
  const grab =
    (stream: NodeJS.WriteStream) =>
    (...args: unknown[]) => {
      out.push(String(args[0]));
      return (stream.write as (...a: unknown[]) => boolean).apply(stream, args as never);
    };
  const realOut = process.stdout;
  const realErr = process.stderr;
  vi.spyOn(process.stdout, "write").mockImplementation(grab(realOut) as never);
  vi.spyOn(process.stderr, "write").mockImplementation(grab(realErr) as never);
  for (const level of ["log", "info", "warn", "error", "debug"] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      out.push(args.map((a) => (a instanceof Error ? `${a.message}\n${a.stack}` : String(a))).join(" "));
    });
  }
  return () => out.join("\n");
}

async function inMemorySession(baseUrl: string, era: Era) {
  const http = new KnockHttp({
    baseUrl,
    token: TOKEN,
    userAgent: "secrets-test",
    timeoutMs: 200,
    maxRetries: 1,
    backoffBaseMs: 5,
    backoffMaxMs: 10,
  });
  const session = await connect(testConfig({ serviceToken: TOKEN, baseUrl }), new KnockClient(http), era);
  await session.mcp.listTools();
  cleanups.push(
    () => session.close(),
    () => http.close(),
  );
  return async (name: string, args: Record<string, unknown>) =>
    payloadOf(era, await session.mcp.callTool({ name, arguments: args })) as CallToolResult;
}

describe.each(ERAS)("%s", (era) => {
  describe("in-process: the token is in no result, error or log line", () => {
    it("across successes, retries and every error class, with an API that echoes the token", async () => {
      const output = captureOutput();
      const api = await startFakeApi(echoingApi());
      cleanups.push(() => api.close());
      const call = await inMemorySession(api.url, era);
      const results: CallToolResult[] = [];

      for (const [name, args] of SUCCESS_CALLS) {
        const result = await call(name, args);
        expect(result.isError, `${name} ${JSON.stringify(args)}: ${textOf(result)}`).toBeUndefined();
        results.push(result);
      }
      for (const scenario of ERROR_SCENARIOS) {
        const result = await call("get_source", { key: scenario });
        expect(result.isError, scenario).toBe(true);
        results.push(result);
      }
      // An error that is a bug inside the server (logged with its stack on stderr).
      results.push(await call("get_source", { key: "\uD800" }));
      // The network class: nothing listens at this URL.
      const dead = await startFakeApi(() => {});
      await dead.close();
      const callDead = await inMemorySession(dead.url, era);
      const refused = await callDead("list_sources", {});
      expect(textOf(refused)).toMatch(/Could not reach Knock/);
      results.push(refused);
      // The server really did send the token (so the test would see a leak if there were one).
      expect(api.requests.some((r) => r.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
      // The echoes reached the error messages, redacted.
      expect(results.map(textOf).join("\n")).toContain("[redacted]");

      for (const result of results) expect(leaks(shown(result)), shown(result)).toEqual([]);
      expect(leaks(output())).toEqual([]);
    });

    it("with no token configured, every tool explains how to set one and shows nothing secret", async () => {
      const output = captureOutput();
      const session = await connect(testConfig({ serviceToken: undefined }), undefined, era);
      cleanups.push(() => session.close());
      for (const name of ["list_sources", "get_source", "upsert_source", "list_source_providers"]) {
        const args =
          name === "upsert_source" ? { key: "k", name: "n" } : name === "get_source" ? { key: "k" } : {};
        const result = payloadOf(
          era,
          await session.mcp.callTool({ name, arguments: args }),
        ) as CallToolResult;
        expect(result.isError).toBe(true);
        expect(textOf(result)).toMatch(/KNOCK_SERVICE_TOKEN/);
        expect(leaks(shown(result))).toEqual([]);
      }
      expect(leaks(output())).toEqual([]);
    });

    it("a success body that contains the token: neither the text nor structuredContent shows it", async () => {
      const api = await startFakeApi(echoingApi());
      cleanups.push(() => api.close());
      const call = await inMemorySession(api.url, era);
      const result = await call("get_source", { key: "echo-success" });
      expect(result.isError).toBeUndefined();
      expect(textOf(result)).toContain("[redacted]");
      expect(leaks(textOf(result))).toEqual([]);
      expect(leaks(JSON.stringify(result.structuredContent))).toEqual([]);
    });

    it("an echoed token cut short by the 160-character error snippet is not shown in part", async () => {
      const api = await startFakeApi(echoingApi());
      cleanups.push(() => api.close());
      const call = await inMemorySession(api.url, era);
      const result = await call("get_source", { key: "cut-echo" });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/HTTP 502/);
      expect(leaks(textOf(result))).toEqual([]);
    });
  });
});

describe("the built server: the token is on neither stdout nor stderr", () => {
  const running: Spawned[] = [];
  afterEach(() => {
    for (const s of running.splice(0)) s.child.kill("SIGKILL");
  });
  async function spawnWith(args: string[], env: Record<string, string>) {
    const server = spawnServer(args, env);
    running.push(server);
    return server;
  }
  /** Ends the session and returns everything the process wrote. */
  async function finish(server: Spawned) {
    server.child.stdin.end();
    await server.exited;
    return { stdout: server.stdoutLines.join("\n"), stderr: server.stderr() };
  }

  it("a full session of successes, retries and errors (token from the environment)", async () => {
    const api = await startFakeApi(echoingApi());
    cleanups.push(() => api.close());
    const server = await spawnWith([], {
      KNOCK_SERVICE_TOKEN: TOKEN,
      KNOCK_MGMT_BASE_URL: api.url,
      KNOCK_TIMEOUT_MS: "200",
      KNOCK_MAX_RETRIES: "1",
    });
    await server.initialize();
    await server.request("tools/list");
    for (const [name, args] of SUCCESS_CALLS) {
      const answer = await server.request("tools/call", { name, arguments: args });
      expect(answer.result?.isError, `${name}: ${JSON.stringify(answer)}`).toBeUndefined();
    }
    for (const scenario of [...ERROR_SCENARIOS, "\uD800"]) {
      const answer = await server.request("tools/call", { name: "get_source", arguments: { key: scenario } });
      expect(answer.result?.isError, scenario).toBe(true);
    }
    expect(api.requests.some((r) => r.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
    const { stdout, stderr } = await finish(server);
    expect(nonProtocolLines(server.stdoutLines)).toEqual([]);
    expect(leaks(stdout)).toEqual([]);
    expect(leaks(stderr)).toEqual([]);
  });

  it("token from the flag, network errors against an unreachable base URL", async () => {
    const dead = await startFakeApi(() => {});
    await dead.close();
    const server = await spawnWith(
      ["--service-token", TOKEN, "--base-url", dead.url, "--max-retries", "1"],
      {},
    );
    await server.initialize();
    const answer = await server.request("tools/call", { name: "list_sources", arguments: {} });
    expect(answer.result.isError).toBe(true);
    expect(answer.result.content[0].text).toMatch(/Could not reach Knock/);
    const { stdout, stderr } = await finish(server);
    expect(nonProtocolLines(server.stdoutLines)).toEqual([]);
    expect(leaks(stdout)).toEqual([]);
    expect(leaks(stderr)).toEqual([]);
  });

  it("a configuration error next to a token given as a flag exits 2 without echoing the token", async () => {
    const server = await spawnWith(
      ["--service-token", TOKEN, "--timeout-ms", "soon", "--base-url", "ftp://x"],
      {
        KNOCK_SERVICE_TOKEN: `${TOKEN}-env`,
      },
    );
    expect((await server.exited).code).toBe(2);
    expect(server.stderr()).toMatch(/--timeout-ms/);
    expect(server.stdoutLines).toEqual([]);
    expect(leaks(server.stderr())).toEqual([]);
  });

  it("a success body echoing the token does not carry it to stdout (structuredContent included)", async () => {
    const api = await startFakeApi(echoingApi());
    cleanups.push(() => api.close());
    const server = await spawnWith([], { KNOCK_SERVICE_TOKEN: TOKEN, KNOCK_MGMT_BASE_URL: api.url });
    await server.initialize();
    const answer = await server.request("tools/call", {
      name: "get_source",
      arguments: { key: "echo-success" },
    });
    expect(answer.result.isError).toBeUndefined();
    const { stdout, stderr } = await finish(server);
    expect(leaks(stderr)).toEqual([]);
    expect(leaks(stdout)).toEqual([]);
  });
});
