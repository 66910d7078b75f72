// The built server as a process: how it ends (stdin closed, SIGTERM, SIGINT, with a call in flight), many
// concurrent calls against the embedded sandbox, an unhandled rejection, and the sandbox state file under
// SIGKILL. Every stdout line of every spawned server must be JSON-RPC.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { startSandbox } from "../../src/sandbox/index.js";
import { TOOLS } from "../../src/tools/index.js";
import { startFakeApi } from "../helpers/fake-api.js";
import { ENTRY, nonProtocolLines, type Spawned, spawnServer } from "../helpers/spawn.js";
import { sleep } from "./helpers.js";

const TOKEN = "knock_st_process_reliability";
const running: Spawned[] = [];
const children: ChildProcessWithoutNullStreams[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const s of running.splice(0)) {
    // Whatever the test did, the server wrote nothing but protocol on stdout.
    expect(nonProtocolLines(s.stdoutLines)).toEqual([]);
    s.child.kill("SIGKILL");
  }
  for (const c of children.splice(0)) c.kill("SIGKILL");
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function start(args: string[], env: Record<string, string> = {}) {
  const spawned = spawnServer(args, env);
  running.push(spawned);
  return spawned;
}

async function exitOf(server: Spawned) {
  const started = performance.now();
  const exit = await server.exited;
  return { ...exit, ms: performance.now() - started };
}

/** A fake Knock that never answers, and a promise that resolves once a request has reached it. */
async function hangingApi() {
  let reached: () => void = () => {};
  const arrived = new Promise<void>((resolve) => {
    reached = resolve;
  });
  const api = await startFakeApi(() => reached());
  return { api, arrived };
}

describe("ending the process", () => {
  it("stdin closed: exits 0 within 2 s (sandbox mode, so there is a sandbox to stop)", async () => {
    const server = start(["--sandbox"]);
    await server.initialize();
    const call = await server.request("tools/call", { name: "list_sources", arguments: {} });
    expect(call.result.structuredContent.entries.length).toBeGreaterThan(0);
    server.child.stdin.end();
    const exit = await exitOf(server);
    expect(exit.code).toBe(0);
    expect(exit.ms).toBeLessThan(2_000);
  });

  it("stdin closed while a call hangs on Knock: still exits 0, within about 2 s", async () => {
    const { api, arrived } = await hangingApi();
    try {
      const server = start([], { KNOCK_SERVICE_TOKEN: TOKEN, KNOCK_MGMT_BASE_URL: api.url });
      await server.initialize();
      void server.request("tools/call", { name: "get_source", arguments: { key: "slow" } }).catch(() => {});
      await arrived;
      server.child.stdin.end();
      const exit = await exitOf(server);
      expect(exit.code).toBe(0);
      expect(exit.ms).toBeLessThan(3_000);
    } finally {
      await api.close();
    }
  });

  it.each(["SIGTERM", "SIGINT"] as const)(
    "%s in sandbox mode: exits 0, not killed by the signal",
    async (signal) => {
      const server = start(["--sandbox"]);
      await server.initialize();
      server.child.kill(signal);
      const exit = await exitOf(server);
      expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
      expect(exit.ms).toBeLessThan(2_500);
    },
  );

  it.each(["SIGTERM", "SIGINT"] as const)(
    "%s while a call hangs on Knock: exits 0 within about 2 s",
    async (signal) => {
      const { api, arrived } = await hangingApi();
      try {
        const server = start([], { KNOCK_SERVICE_TOKEN: TOKEN, KNOCK_MGMT_BASE_URL: api.url });
        await server.initialize();
        void server.request("tools/call", { name: "list_sources", arguments: {} }).catch(() => {});
        await arrived;
        server.child.kill(signal);
        const exit = await exitOf(server);
        expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
        expect(exit.ms).toBeLessThan(3_000);
      } finally {
        await api.close();
      }
    },
  );
});

describe("50 concurrent tool calls against the sandbox", () => {
  it("all answer correctly, each with its own result", async () => {
    const server = start(["--sandbox"]);
    await server.initialize();
    await server.request("tools/list");
    type Check = (structured: any) => void;
    const calls: Array<{ name: string; args: Record<string, unknown>; check: Check }> = [];
    const providers = ["clerk", "stripe", "segment", "posthog", "workos", "supabase", "rudderstack"];
    for (let i = 0; i < 50; i++) {
      const kind = i % 9;
      if (kind === 0)
        calls.push({
          name: "list_sources",
          args: {},
          check: (s) => expect(s.entries.map((e: any) => e.key)).toEqual(expect.arrayContaining(["stripe"])),
        });
      else if (kind === 1)
        calls.push({
          name: "get_source",
          args: { key: i % 2 ? "stripe" : "app-webhooks", environment: "staging" },
          check: (s) => {
            expect(s.key).toBe(i % 2 ? "stripe" : "app-webhooks");
            expect(Object.keys(s.environment_settings)).toContain("staging");
          },
        });
      else if (kind === 2)
        calls.push({
          name: "get_source_status",
          args: { key: "stripe" },
          check: (s) => expect(typeof s.events_count).toBe("number"),
        });
      else if (kind === 3)
        calls.push({
          name: "list_source_events",
          args: { key: "stripe" },
          check: (s) => expect(Array.isArray(s.entries)).toBe(true),
        });
      else if (kind === 4)
        calls.push({
          name: "list_source_logs",
          args: { key: "stripe", limit: 2 },
          check: (s) => {
            expect(s.entries.length).toBeLessThanOrEqual(2);
            expect(s.page_info.page_size).toBe(2);
          },
        });
      else if (kind === 5)
        calls.push({
          name: "upsert_source",
          args: { key: `concurrent-${i}`, name: `Concurrent ${i}` },
          check: (s) => {
            expect(s.key).toBe(`concurrent-${i}`);
            expect(s.name).toBe(`Concurrent ${i}`);
          },
        });
      else if (kind === 6)
        calls.push({
          name: "rehearse_source_event",
          args: {
            key: "app-webhooks",
            payload: { body: { type: `concurrent.${i}`, id: `evt_${i}`, data: { n: i } }, headers: {} },
          },
          check: (s) => {
            expect(["ok", "error"]).toContain(s.status);
            expect(typeof s.action_logs_count).toBe("number");
          },
        });
      else if (kind === 7)
        calls.push({
          name: "list_source_providers",
          args: {},
          check: (s) => expect(s.entries.map((e: any) => e.key)).toEqual(expect.arrayContaining(providers)),
        });
      else {
        const key = providers[i % providers.length] as string;
        calls.push({ name: "get_source_provider", args: { key }, check: (s) => expect(s.key).toBe(key) });
      }
    }
    const answers = await Promise.all(
      calls.map((c) => server.request("tools/call", { name: c.name, arguments: c.args })),
    );
    answers.forEach((answer, i) => {
      const call = calls[i];
      if (!call) throw new Error("no call");
      expect(answer.error, `${call.name} ${JSON.stringify(call.args)}`).toBeUndefined();
      expect(answer.result.isError, `${call.name}: ${answer.result.content?.[0]?.text}`).toBeUndefined();
      expect(JSON.parse(answer.result.content[0].text)).toEqual(answer.result.structuredContent);
      call.check(answer.result.structuredContent);
    });
    // The rehearsals each wrote their own log.
    const logIds = answers
      .filter((_a, i) => calls[i]?.name === "rehearse_source_event")
      .map((a) => a.result.structuredContent.log_id)
      .filter((id) => id !== null);
    expect(new Set(logIds).size).toBe(logIds.length);
    // And every upsert is there afterwards.
    const after = await server.request("tools/call", { name: "list_sources", arguments: {} });
    const keys = after.result.structuredContent.entries.map((e: any) => e.key);
    for (const c of calls.filter((c) => c.name === "upsert_source")) expect(keys).toContain(c.args.key);
    server.child.stdin.end();
    expect((await server.exited).code).toBe(0);
  });
});

describe("an unhandled rejection", () => {
  it("(injected by a --import preload: nothing in the server's inputs produces one) is logged to stderr and is not fatal", async () => {
    const preload = fileURLToPath(new URL("./fixtures/reject-on-signal.mjs", import.meta.url));
    const server = start(["--sandbox"], { NODE_OPTIONS: `--import=${preload}` });
    await server.initialize();
    server.child.kill("SIGUSR2");
    for (let i = 0; i < 100 && !server.stderr().includes("reliability-canary-rejection"); i++)
      await sleep(20);
    expect(server.stderr()).toMatch(
      /knock-sources-mcp: unhandled rejection: Error: reliability-canary-rejection/,
    );
    const list = await server.request("tools/list");
    expect(list.result.tools.map((t: { name: string }) => t.name)).toEqual(TOOLS.map((t) => t.name));
    const call = await server.request("tools/call", { name: "get_source", arguments: { key: "stripe" } });
    expect(call.result.structuredContent.key).toBe("stripe");
    expect(server.child.exitCode).toBeNull();
    server.child.stdin.end();
    expect((await server.exited).code).toBe(0);
  });
});

describe("the sandbox state file survives SIGKILL during writes", () => {
  function startSandboxServer(state: string) {
    const child = spawn(process.execPath, [ENTRY, "sandbox-server", "--state", state], {
      env: { PATH: process.env.PATH ?? "" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    children.push(child);
    let stderr = "";
    let stdout = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
    });
    const url = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`sandbox-server did not start: ${stderr}`)), 10_000);
      child.stderr.on("data", (c: Buffer) => {
        stderr += c.toString();
        const match = /listening on (http:\/\/\S+)/.exec(stderr);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      child.once("exit", (code) => reject(new Error(`sandbox-server exited ${code}: ${stderr}`)));
    });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    return { child, url, exited, stdout: () => stdout };
  }

  it("after each of several random kills, the file parses and startSandbox loads it with every acknowledged write", async () => {
    const dir = mkdtempSync(join(tmpdir(), "knock-sandbox-kill-"));
    dirs.push(dir);
    const state = join(dir, "state.json");
    const acknowledged = new Set<string>();
    const rounds = 5;
    let total = 0;
    for (let round = 0; round < rounds; round++) {
      const sandbox = startSandboxServer(state);
      const url = await sandbox.url;
      let killed = false;
      let n = 0;
      const writer = async (lane: number) => {
        while (!killed) {
          const key = `r${round}-l${lane}-${n++}`;
          try {
            const res = await fetch(`${url}/v1/sources/${key}?environment=development`, {
              method: "PUT",
              headers: { authorization: "Bearer any", "content-type": "application/json" },
              body: JSON.stringify({ source: { name: `x${"y".repeat(200)}`, description: key } }),
            });
            await res.text();
            if (res.status === 200) acknowledged.add(key);
            else throw new Error(`PUT ${key} answered ${res.status}`);
          } catch (error) {
            if (!killed) throw error;
          }
        }
      };
      const lanes = [0, 1, 2, 3].map(writer);
      // The kill comes at a random moment after the round's first few acknowledged writes, however slow
      // the machine is that day, so that every round kills a process in the middle of writing.
      const wrote = () => [...acknowledged].filter((k) => k.startsWith(`r${round}-`)).length >= 5;
      for (let waited = 0; !wrote() && waited < 10_000; waited += 10) await sleep(10);
      await sleep(Math.random() * 300);
      killed = true;
      sandbox.child.kill("SIGKILL");
      await Promise.all(lanes);
      await sandbox.exited;
      expect(sandbox.stdout()).toBe("");

      const parsed = JSON.parse(readFileSync(state, "utf8"));
      const keys = new Set<string>(parsed.sources.map((s: { key: string }) => s.key));
      for (const key of acknowledged) expect(keys.has(key), `acknowledged ${key} lost`).toBe(true);
      const loaded = await startSandbox({ statePath: state });
      const listed = await fetch(`${loaded.url}/v1/sources?environment=development`, {
        headers: { authorization: "Bearer any" },
      });
      const body = (await listed.json()) as { entries: Array<{ key: string }> };
      await loaded.close();
      for (const key of acknowledged) expect(body.entries.map((e) => e.key)).toContain(key);
      total = acknowledged.size;
    }
    // The kills really landed mid-stream: writes were acknowledged in every round.
    expect(total).toBeGreaterThan(rounds * 4);
    for (let round = 0; round < rounds; round++)
      expect(
        [...acknowledged].some((k) => k.startsWith(`r${round}-`)),
        `round ${round} wrote nothing`,
      ).toBe(true);
    // Beside the state file and its log file, stray temp files, if any, are the only others; loading never
    // looks at them.
    for (const name of readdirSync(dir)) {
      expect(["state.json", "state.json.logs.jsonl"].includes(name) || name.endsWith(".tmp")).toBe(true);
    }
  });

  it("the same for rehearsals: every acknowledged log is there after each kill (they are appended, not rewritten)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "knock-sandbox-kill-logs-"));
    dirs.push(dir);
    const state = join(dir, "state.json");
    const acknowledged = new Set<string>();
    const auth = { authorization: "Bearer any", "content-type": "application/json" };
    for (let round = 0; round < 3; round++) {
      const sandbox = startSandboxServer(state);
      const url = await sandbox.url;
      const created = await fetch(`${url}/v1/sources/kill-logs?environment=development`, {
        method: "PUT",
        headers: auth,
        body: JSON.stringify({
          source: {
            name: "Kill logs",
            environment_settings: { development: { settings: { event_type_path: "body.type" } } },
          },
        }),
      });
      expect(created.status).toBe(200);
      let killed = false;
      let n = 0;
      // At most 3 × 4 × 60 logs of 20 KB in all: within what retention keeps, so none is dropped by design.
      const rehearser = async (lane: number) => {
        for (let sent = 0; !killed && sent < 60; sent++) {
          const body = { type: "k", n: `${round}-${lane}-${n++}`, pad: "p".repeat(20_000) };
          try {
            const res = await fetch(`${url}/v1/sources/kill-logs/rehearse?environment=development`, {
              method: "POST",
              headers: auth,
              body: JSON.stringify({ payload: { body } }),
            });
            const answer = (await res.json()) as { log_id: string };
            if (res.status === 200) acknowledged.add(answer.log_id);
            else throw new Error(`rehearse answered ${res.status}`);
          } catch (error) {
            if (!killed) throw error;
          }
        }
      };
      const before = acknowledged.size;
      const lanes = [0, 1, 2, 3].map(rehearser);
      // As for the state file above: the kill waits for the round's first few acknowledged logs.
      for (let waited = 0; acknowledged.size - before < 5 && waited < 10_000; waited += 10) await sleep(10);
      await sleep(Math.random() * 300);
      killed = true;
      sandbox.child.kill("SIGKILL");
      await Promise.all(lanes);
      await sandbox.exited;

      const loaded = await startSandbox({ statePath: state });
      const ids = new Set<string>();
      let after = "";
      for (;;) {
        const page = await fetch(
          `${loaded.url}/v1/sources/kill-logs/logs?environment=development&limit=100${after}`,
          { headers: auth },
        );
        const json = (await page.json()) as {
          entries: Array<{ id: string }>;
          page_info: { after: string | null };
        };
        for (const entry of json.entries) ids.add(entry.id);
        if (!json.page_info.after) break;
        after = `&after=${json.page_info.after}`;
      }
      await loaded.close();
      for (const id of acknowledged) expect(ids.has(id), `acknowledged ${id} lost`).toBe(true);
      expect(acknowledged.size).toBeGreaterThan(before);
    }
  });
});
