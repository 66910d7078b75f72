// Scale-out: two replicas behind a round-robin proxy share nothing but Knock. A session of either era
// runs whole (every tool, resources, completions) with consecutive requests on different replicas, and
// goes on through the other replica when one is killed.
import { spawn } from "node:child_process";
import { createServer, request as forward } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { TOOLS } from "../../src/tools/index.js";
import {
  accessLog,
  type HttpReplica,
  httpClient,
  startHttpServer,
  stopReplica,
} from "../helpers/http-server.js";
import { ERAS } from "../helpers/mcp.js";
import { SESSION_CALLS } from "../helpers/session-calls.js";
import { ENTRY } from "../helpers/spawn.js";

const TOKEN = "knock_st_scale_out_0123456789";
const running: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const stop of running.splice(0).reverse()) await stop();
});

/** The shared Knock stand-in: one emulator process both replicas talk to. */
async function emulator(): Promise<string> {
  const child = spawn(process.execPath, [ENTRY, "sandbox-server", "--port", "0"], {
    env: { PATH: process.env.PATH ?? "" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  running.push(async () => {
    child.kill("SIGKILL");
  });
  let text = "";
  child.stderr.setEncoding("utf8");
  return new Promise((resolve, reject) => {
    child.stderr.on("data", (chunk: string) => {
      text += chunk;
      const match = /https?:\/\/127\.0\.0\.1:\d+/.exec(text);
      if (match) resolve(match[0]);
    });
    child.once("exit", (code) => reject(new Error(`the emulator exited (${code}): ${text}`)));
  });
}

/**
 * Round robin over the replicas, as a load balancer does: each request to the next one, and a replica
 * that refuses the connection is skipped. Records which replica served each request.
 */
async function roundRobin(replicas: HttpReplica[]) {
  const served: number[] = [];
  let next = 0;
  const proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const attempt = (tries: number) => {
        const index = next++ % replicas.length;
        const target = new URL((replicas[index] as HttpReplica).url);
        const upstream = forward(
          {
            host: target.hostname,
            port: target.port,
            path: req.url,
            method: req.method,
            headers: req.headers,
          },
          (answer) => {
            served.push(index);
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        upstream.on("error", () => {
          if (tries < replicas.length) attempt(tries + 1);
          else if (!res.headersSent) res.writeHead(502).end();
        });
        res.once("close", () => upstream.destroy());
        upstream.end(body);
      };
      attempt(1);
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  running.push(
    () =>
      new Promise((resolve) => {
        proxy.closeAllConnections();
        proxy.close(resolve);
      }),
  );
  return { url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/mcp`, served };
}

describe.each(ERAS)("%s", (era) => {
  it("a whole session through two replicas, then on through one when the other is killed", async () => {
    const knock = await emulator();
    const replicas = await Promise.all([0, 1].map(() => startHttpServer([], { KNOCK_MGMT_BASE_URL: knock })));
    for (const replica of replicas) {
      running.push(stopReplica(replica));
    }
    const proxy = await roundRobin(replicas);
    const client = await httpClient(proxy.url, era, TOKEN);
    running.push(() => client.close().catch(() => undefined));

    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(TOOLS.map((t) => t.name));
    for (const tool of TOOLS) {
      const result = await client.callTool({ name: tool.name, arguments: SESSION_CALLS[tool.name] ?? {} });
      expect(result.isError, `${tool.name}: ${JSON.stringify(result.content)}`).toBeUndefined();
      expect(tool.output.safeParse(result.structuredContent).success).toBe(true);
    }
    expect((await client.listResourceTemplates()).resourceTemplates).toHaveLength(4);
    const read = await client.readResource({ uri: "knock://development/sources/spawned-session" });
    expect(JSON.parse((read.contents[0] as { text: string }).text)).toMatchObject({ key: "spawned-session" });
    // A write on one replica is seen by the other: there is no state but Knock's.
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toContain("knock://development/sources/spawned-session/logs");
    const completed = await client.complete({
      ref: { type: "ref/resource", uri: "knock://{environment}/sources/{source}" },
      argument: { name: "source", value: "spawn" },
    });
    expect(completed.completion.values).toEqual(["spawned-session"]);
    // Prompts: an instance built for completion/complete completes their arguments; others list and get them.
    const promptCompleted = await client.complete({
      ref: { type: "ref/prompt", name: "diagnose_source" },
      argument: { name: "source", value: "spawn" },
    });
    expect(promptCompleted.completion.values).toEqual(["spawned-session"]);
    const { prompts } = await client.listPrompts();
    expect(prompts.find((p) => p.name === "diagnose_source")?.arguments?.[0]).toMatchObject({
      name: "source",
      required: true,
    });
    const prompt = await client.getPrompt({ name: "diagnose_source", arguments: { source: "stripe" } });
    expect(JSON.stringify(prompt.messages)).toContain("stripe");
    await expect(client.getPrompt({ name: "diagnose_source", arguments: {} })).rejects.toThrow();

    // Consecutive requests landed on different replicas, and both served tool calls.
    expect(proxy.served.length).toBeGreaterThan(TOOLS.length);
    for (let i = 1; i < proxy.served.length; i++) expect(proxy.served[i]).not.toBe(proxy.served[i - 1]);
    for (const replica of replicas) {
      await vi.waitFor(() =>
        expect(accessLog(replica).some((e) => e.mcp === "tools/call" && e.status === 200)).toBe(true),
      );
    }

    // One replica goes away; the session goes on through the other.
    const [first, second] = replicas as [HttpReplica, HttpReplica];
    first.child.kill("SIGKILL");
    await first.exited;
    const before = accessLog(second).length;
    for (let i = 0; i < 4; i++) {
      const result = await client.callTool({ name: "get_source", arguments: { key: "stripe" } });
      expect(result.isError).toBeUndefined();
    }
    // Its access-log line is written once the answer is out.
    await vi.waitFor(() => expect(accessLog(second).length - before).toBeGreaterThanOrEqual(4));
  });
});
