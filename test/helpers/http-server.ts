// The built server serving Streamable HTTP, spawned as a deployment runs it, and clients of either era
// that reach it by URL with a bearer token.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { request } from "node:http";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as LegacyHttpTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Era } from "./mcp.js";
import { ENTRY } from "./spawn.js";

export interface HttpReplica {
  child: ChildProcessWithoutNullStreams;
  /** The MCP endpoint, http://127.0.0.1:PORT/mcp. */
  url: string;
  origin: string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function startHttpServer(
  args: string[],
  env: Record<string, string> = {},
): Promise<HttpReplica> {
  const child = spawn(process.execPath, [ENTRY, "--port", "0", ...args], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the HTTP server did not start: ${stderr}`)), 10_000);
    const look = () => {
      const match = /Streamable HTTP at (http:\/\/\S+\/mcp)/.exec(stderr);
      if (match?.[1]) {
        clearTimeout(timer);
        child.stderr.off("data", look);
        resolve(match[1]);
      }
    };
    child.stderr.on("data", look);
    void exited.then(({ code }) => reject(new Error(`the HTTP server exited (${code}): ${stderr}`)));
  });
  return { child, url, origin: new URL(url).origin, stderr: () => stderr, exited };
}

/** For a test's list of cleanups: kills the replica and waits until it is gone. */
export function stopReplica(replica: HttpReplica): () => Promise<void> {
  return async () => {
    replica.child.kill("SIGKILL");
    await replica.exited;
  };
}

/** A connected client of the era, sending `token` as its bearer (none when undefined). */
export async function httpClient(url: string, era: Era, token?: string): Promise<Client> {
  const requestInit = token === undefined ? {} : { headers: { Authorization: `Bearer ${token}` } };
  const info = { name: "http-test", version: "1.0.0" };
  if (era === "2026-07-28") {
    const client = new Client(info, { versionNegotiation: { mode: { pin: "2026-07-28" } } });
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit }));
    return client;
  }
  const legacy = new LegacyClient(info);
  await legacy.connect(new LegacyHttpTransport(new URL(url), { requestInit }));
  return legacy as unknown as Client;
}

/** The structured access-log lines a replica wrote to stderr. */
export function accessLog(replica: HttpReplica): Array<Record<string, unknown>> {
  return replica
    .stderr()
    .split("\n")
    .filter((line) => line.startsWith('{"access"'))
    .map((line) => (JSON.parse(line) as { access: Record<string, unknown> }).access);
}

/**
 * A POST with exactly these headers, Host included: fetch() sets Host itself, which is what a test of a
 * forged Host header must not let it do.
 */
export function rawPost(
  url: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          ...headers,
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}
