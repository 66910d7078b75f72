// deploy/Dockerfile and deploy/kubernetes.yaml against the server they run. No container engine is needed:
// the image's command, environment and healthcheck are read from the Dockerfile and run here, on a copy of
// exactly the files its runtime stage copies, so a change to either side that breaks the other fails here.
import { type ChildProcess, spawn } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseCommandLine } from "../src/config.js";
import examples from "./fixtures/knock-mapi-sources-examples.json" with { type: "json" };
import { json, startFakeApi } from "./helpers/fake-api.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");
const CALLER_TOKEN = "knock_st_deploy_test_caller";
const ALLOWED = "mcp.example.test";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Instruction {
  keyword: string;
  args: string;
}

/** The Dockerfile as instructions, stage by stage: continuations joined, comments and blank lines dropped. */
function parseDockerfile(text: string): Instruction[][] {
  const stages: Instruction[][] = [];
  const lines = text
    .replace(/\\\r?\n/g, " ")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  for (const line of lines) {
    const [, keyword = "", args = ""] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const instruction = { keyword: keyword.toUpperCase(), args };
    if (instruction.keyword === "FROM") stages.push([]);
    stages.at(-1)?.push(instruction);
  }
  return stages;
}

const all = (stage: Instruction[], keyword: string) => stage.filter((i) => i.keyword === keyword);
const one = (stage: Instruction[], keyword: string) => {
  const [found, ...more] = all(stage, keyword);
  if (!found || more.length > 0) throw new Error(`deploy/Dockerfile: expected one ${keyword} in the stage`);
  return found.args;
};
/** ENV KEY=VALUE KEY=VALUE… (the form the Dockerfile uses; quotes are not needed there). */
const envOf = (stage: Instruction[]) =>
  Object.fromEntries(
    all(stage, "ENV").flatMap((i) =>
      [...i.args.matchAll(/([A-Z_][A-Z0-9_]*)=(\S*)/g)].map((m) => [m[1], m[2]]),
    ),
  ) as Record<string, string>;
/** An exec-form (JSON array) argument, as in CMD ["node", "dist/index.js"]. */
const execForm = (args: string) => JSON.parse(args) as string[];

const stages = parseDockerfile(read("deploy/Dockerfile"));
const build = stages[0] ?? [];
const runtime = stages.at(-1) ?? [];
const IMAGE_ENV = envOf(runtime);
const CMD = execForm(one(runtime, "CMD"));
const HEALTHCHECK = execForm(/\bCMD\s+(\[.*\])\s*$/.exec(one(runtime, "HEALTHCHECK"))?.[1] ?? "[]");
const WORKDIR = one(runtime, "WORKDIR");
const BUILD_WORKDIR = one(build, "WORKDIR");
const IMAGE_PORT = Number(IMAGE_ENV.KNOCK_MCP_PORT);

/** `node …` as the image runs it, with this process's node. */
const local = ([program, ...args]: string[]) => {
  expect(program).toBe("node");
  return args;
};

describe("deploy/Dockerfile", () => {
  it("builds with npm ci && npm run build and runs only dist/ and package.json, as a numeric non-root user", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(one(stage, "FROM")).toMatch(/^node:20-(slim|alpine)\b/);
    const runs = all(build, "RUN").map((i) => i.args);
    expect(runs.some((r) => /^npm ci\b/.test(r))).toBe(true);
    expect(runs.at(-1)).toBe("npm run build");
    // The runtime stage copies from the build stage only, and only these two.
    const copies = all(runtime, "COPY").map((i) => i.args.split(/\s+/));
    expect(copies.every((c) => c.some((flag) => flag.startsWith("--from=")))).toBe(true);
    const sources = copies.map((c) => posix.relative(BUILD_WORKDIR, c.at(-2) ?? "")).sort();
    expect(sources).toEqual(["dist", "package.json"]);
    expect(all(runtime, "RUN")).toEqual([]);
    const [user = "", group] = one(runtime, "USER").split(":");
    expect(user).toMatch(/^\d+$/);
    expect(Number(user)).toBeGreaterThan(0);
    if (group !== undefined) expect(Number(group)).toBeGreaterThan(0);
  });

  it("exposes the port it serves on, listens on every interface, and leaves tokens and allowed hosts to run time", () => {
    expect(IMAGE_ENV).toMatchObject({ KNOCK_MCP_HOST: "0.0.0.0" });
    expect(IMAGE_PORT).toBe(8080);
    expect(one(runtime, "EXPOSE")).toBe(String(IMAGE_PORT));
    expect(one(runtime, "STOPSIGNAL")).toBe("SIGTERM");
    expect(CMD).toEqual(["node", "dist/index.js"]);
    expect(Object.keys(IMAGE_ENV)).not.toContain("KNOCK_MCP_ALLOWED_HOSTS");
    expect(read("deploy/Dockerfile")).not.toMatch(/KNOCK_SERVICE_TOKEN=|knock_st_[a-z0-9]/i);
    expect(HEALTHCHECK[0]).toBe("node");
    expect(HEALTHCHECK.join(" ")).toMatch(/127\.0\.0\.1/);
    expect(HEALTHCHECK.join(" ")).toMatch(/\/healthz/);
    expect(HEALTHCHECK.join(" ")).toContain(String(IMAGE_PORT));
  });

  it("has a .dockerignore that keeps everything out but what the build stage copies", () => {
    const patterns = read(".dockerignore")
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "" && !line.startsWith("#"));
    expect(patterns[0]).toBe("*");
    const included = patterns.filter((p) => p.startsWith("!")).map((p) => p.slice(1).replace(/\/$/, ""));
    const copied = all(build, "COPY")
      .filter((i) => !i.args.includes("--from="))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1))
      .map((source) => source.replace(/\/$/, ""));
    expect(copied.length).toBeGreaterThan(0);
    for (const source of copied) {
      expect(
        included.some((p) => source === p || source.startsWith(`${p}/`)),
        `${source} is in the context`,
      ).toBe(true);
    }
  });
});

describe("the image's command and environment, run outside a container", () => {
  let app: string;
  const children: ChildProcess[] = [];

  // The runtime stage's files, from this checkout's dist/ (built by `pretest`): nothing else, no node_modules.
  beforeAll(() => {
    app = mkdtempSync(join(tmpdir(), "knock-deploy-"));
    for (const copy of all(runtime, "COPY").map((i) => i.args.split(/\s+/))) {
      const source = posix.relative(BUILD_WORKDIR, copy.at(-2) ?? "");
      const target = join(app, posix.relative(WORKDIR, posix.resolve(WORKDIR, copy.at(-1) ?? "")));
      cpSync(join(ROOT, source), copy.at(-1)?.endsWith("/") ? join(target, source) : target, {
        recursive: true,
      });
    }
  });
  afterAll(() => rmSync(app, { recursive: true, force: true }));
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
  });

  function run(env: Record<string, string>) {
    const child = spawn(process.execPath, local(CMD), {
      cwd: app,
      // Only what the image sets, and what `docker run -e` would add.
      env: { PATH: process.env.PATH ?? "", ...IMAGE_ENV, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    let stderr = "";
    let stdout = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    const exited = new Promise<{ code: number | null; signal: string | null; at: number }>((resolve) =>
      child.once("exit", (code, signal) => resolve({ code, signal, at: Date.now() })),
    );
    const listening = async () => {
      for (;;) {
        const port = /serving MCP over Streamable HTTP at http:\/\/0\.0\.0\.0:(\d+)\/mcp/.exec(stderr)?.[1];
        if (port) return Number(port);
        if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${stderr}`);
        await sleep(20);
      }
    };
    return { child, exited, listening, stderr: () => stderr, stdout: () => stdout };
  }

  /** The healthcheck's exit status as Docker runs it: in the container's environment (the port actually chosen). */
  const healthcheck = (port: number) =>
    new Promise<number | null>((resolve) => {
      const check = spawn(process.execPath, local(HEALTHCHECK), {
        cwd: app,
        env: { PATH: process.env.PATH ?? "", ...IMAGE_ENV, KNOCK_MCP_PORT: String(port) },
        stdio: "ignore",
        timeout: 10_000,
      });
      check.once("exit", (code) => resolve(code));
    });

  it("serves the allowed host, refuses others, passes its healthcheck, and drains on SIGTERM", async () => {
    const knock = await startFakeApi((_req, res) => json(res, 200, examples.SourcesResponse));
    try {
      // KNOCK_MCP_PORT=0 instead of 8080, so the test picks a free port; Knock is a local fake.
      const server = run({
        KNOCK_MCP_PORT: "0",
        KNOCK_MCP_ALLOWED_HOSTS: ALLOWED,
        KNOCK_MGMT_BASE_URL: knock.url,
      });
      const port = await server.listening();

      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: "serving" });
      expect(await healthcheck(port)).toBe(0);

      const init = await post(port, ALLOWED, initialize, CALLER_TOKEN);
      expect(init.status).toBe(200);
      expect(sseResult(init.body)).toMatchObject({
        serverInfo: { name: "knock-sources-mcp" },
        capabilities: { resources: { subscribe: false } },
      });
      const call = await post(port, `${ALLOWED}:443`, listSources, CALLER_TOKEN);
      expect(call.status).toBe(200);
      expect(sseResult(call.body)?.structuredContent).toEqual(examples.SourcesResponse);
      // Knock was called with the caller's own token.
      expect(knock.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${CALLER_TOKEN}`]);

      const evil = await post(port, "evil.example", initialize, CALLER_TOKEN);
      expect(evil.status).toBe(403);
      expect(JSON.parse(evil.body).error.message).toMatch(/evil\.example/);
      const anonymous = await post(port, ALLOWED, initialize, undefined);
      expect(anonymous.status).toBe(401);

      // One JSON access-log line per request on stderr, with no token or arguments; nothing on stdout.
      const access = server
        .stderr()
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line).access);
      expect(access).toContainEqual(
        expect.objectContaining({ method: "POST", path: "/mcp", mcp: "tools/call", status: 200 }),
      );
      expect(access).toContainEqual(
        expect.objectContaining({ method: "GET", path: "/healthz", status: 200 }),
      );
      expect(access.every((entry) => typeof entry.ms === "number")).toBe(true);
      expect(server.stderr()).not.toContain(CALLER_TOKEN);
      expect(server.stderr()).not.toContain("list_sources");
      expect(server.stdout()).toBe("");

      const signalled = Date.now();
      server.child.kill("SIGTERM");
      // Draining: once the signal is handled, /healthz says 503 while the listener is still open, or is
      // refused once it has closed; it never says 200 again.
      const probe = () =>
        fetch(`http://127.0.0.1:${port}/healthz`).then(
          (r) => r.status,
          () => "refused",
        );
      let during = await probe();
      while (during === 200 && Date.now() - signalled < 2_000) {
        await sleep(20);
        during = await probe();
      }
      expect([503, "refused"]).toContain(during);
      const exit = await server.exited;
      expect(exit).toMatchObject({ code: 0, signal: null });
      expect(exit.at - signalled).toBeLessThan(5_000);
      expect(await healthcheck(port)).not.toBe(0);
    } finally {
      await knock.close();
    }
  });

  it("fails its healthcheck while the server drains (503)", async () => {
    const draining = await startFakeApi((_req, res) => json(res, 503, { status: "draining" }));
    try {
      expect(await healthcheck(Number(new URL(draining.url).port))).not.toBe(0);
      expect(draining.requests.map((r) => `${r.method} ${r.url}`)).toEqual(["GET /healthz"]);
    } finally {
      await draining.close();
    }
  });

  it("without KNOCK_MCP_ALLOWED_HOSTS exits 2, naming the flag and the variable", async () => {
    const server = run({ KNOCK_MCP_PORT: "0" });
    const exit = await server.exited;
    expect(exit.code).toBe(2);
    expect(server.stderr()).toContain("--allowed-hosts (KNOCK_MCP_ALLOWED_HOSTS)");
    expect(server.stdout()).toBe("");
  });
});

describe("deploy/kubernetes.yaml", () => {
  const manifest = read("deploy/kubernetes.yaml");
  const docs = manifest.split(/^---\s*$/m);
  const deployment = docs.find((d) => /^kind: Deployment$/m.test(d)) ?? "";
  const service = docs.find((d) => /^kind: Service$/m.test(d)) ?? "";
  const field = (doc: string, name: string) =>
    [...doc.matchAll(new RegExp(`^\\s*-?\\s*${name}:\\s*(.+?)\\s*$`, "gm"))].map((m) =>
      (m[1] ?? "").replace(/^"(.*)"$/, "$1"),
    );

  it("runs 3 replicas of the image's port, probed on /healthz", () => {
    expect(field(deployment, "replicas")).toEqual(["3"]);
    expect(field(deployment, "containerPort")).toEqual([String(IMAGE_PORT)]);
    const portName = /-\s*name:\s*(\S+)\s*\n\s*containerPort:/.exec(deployment)?.[1];
    for (const probe of ["readinessProbe", "livenessProbe"]) {
      const block = new RegExp(
        `${probe}:\\s*\\n\\s*httpGet:\\s*\\n\\s*path:\\s*(\\S+)\\s*\\n\\s*port:\\s*(\\S+)`,
      ).exec(deployment);
      expect(block?.[1], probe).toBe("/healthz");
      expect([String(IMAGE_PORT), portName], probe).toContain(block?.[2]);
    }
    expect(field(service, "type")).toEqual(["ClusterIP"]);
    expect(field(service, "port")).toEqual(["80"]);
    expect([String(IMAGE_PORT), portName]).toContain(field(service, "targetPort")[0]);
  });

  it("gives SIGTERM more time than the server's drain, runs as the image's user, and holds no token", () => {
    // src/index.ts: the drain's grace period, then the shutdown cap above it.
    const index = read("src/index.ts");
    const drainMs = Number(/const DRAIN_GRACE_MS = ([\d_]+);/.exec(index)?.[1]?.replaceAll("_", ""));
    const capMs = Number(/shutdownCapMs = DRAIN_GRACE_MS \+ ([\d_]+);/.exec(index)?.[1]?.replaceAll("_", ""));
    expect(drainMs).toBeGreaterThan(0);
    const preStopMs = Number(/preStop:[\s\S]*?setTimeout\([^,]+,\s*(\d+)\)/.exec(deployment)?.[1] ?? 0);
    const grace = Number(field(deployment, "terminationGracePeriodSeconds")[0]);
    expect(grace * 1000).toBeGreaterThan(preStopMs + drainMs + capMs);

    expect(field(deployment, "runAsNonRoot")).toEqual(["true"]);
    expect(field(deployment, "runAsUser")).toEqual([one(runtime, "USER").split(":")[0]]);
    expect(field(deployment, "cpu").length).toBe(2);
    expect(field(deployment, "memory").length).toBe(2);

    // The allowed hosts are required, and must be a list the server accepts on 0.0.0.0.
    const allowed = /name: KNOCK_MCP_ALLOWED_HOSTS\s*\n\s*value:\s*"?([^"\n]+)"?/.exec(deployment)?.[1];
    expect(allowed).toBeTruthy();
    const parsed = parseCommandLine([], { ...IMAGE_ENV, KNOCK_MCP_ALLOWED_HOSTS: allowed });
    expect(parsed.ok).toBe(true);
    expect(manifest).not.toMatch(/^kind: Secret$/m);
    expect(manifest).not.toMatch(/^\s*-?\s*name: KNOCK_SERVICE_TOKEN/m);
  });
});

const initialize = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: {
    protocolVersion: "2025-06-18",
    capabilities: {},
    clientInfo: { name: "deploy-test", version: "1" },
  },
};
const listSources = {
  jsonrpc: "2.0",
  id: 2,
  method: "tools/call",
  params: { name: "list_sources", arguments: {} },
};

/** A POST to /mcp on 127.0.0.1 naming `host` in its Host header (fetch cannot set Host). */
function post(port: number, host: string, message: unknown, token: string | undefined) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path: "/mcp",
        method: "POST",
        headers: {
          host,
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          "mcp-protocol-version": "2025-06-18",
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify(message));
  });
}

/** The result of the JSON-RPC response in an SSE body (the 2025 era answers a POST with one event). */
function sseResult(body: string): any {
  const data = body
    .split("\n")
    .filter((line) => line.startsWith("data: "))
    .map((line) => JSON.parse(line.slice(6)));
  return data.find((message) => "result" in message || "error" in message)?.result;
}
