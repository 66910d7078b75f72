// Spawns the built server (dist/index.js) and speaks raw JSON-RPC over its stdio, keeping every stdout
// line so a test can check that nothing but protocol was written there.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const ENTRY = fileURLToPath(new URL("../../dist/index.js", import.meta.url));

export interface Spawned {
  child: ChildProcessWithoutNullStreams;
  stdoutLines: string[];
  stderr: () => string;
  request(method: string, params?: unknown): Promise<{ result?: any; error?: any }>;
  notify(method: string, params?: unknown): void;
  initialize(): Promise<any>;
  /** Opens the 2026-07-28 era instead: server/discover, then every request carries the envelope. */
  discover(): Promise<any>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnServer(
  args: string[] = [],
  env: Record<string, string> = {},
  entry: string = ENTRY,
): Spawned {
  const child = spawn(process.execPath, [entry, ...args], {
    // Only what a host would pass: no inherited KNOCK_* variables from the developer's shell.
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const stdoutLines: string[] = [];
  let stderr = "";
  let buffer = "";
  let nextId = 1;
  // Set by discover(): the per-request `_meta` the 2026-07-28 era asks of every request.
  let envelope: Record<string, unknown> | undefined;
  const pending = new Map<number, (message: any) => void>();

  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  child.stdout.on("data", (chunk: Buffer) => {
    buffer += chunk.toString("utf8");
    let newline = buffer.indexOf("\n");
    while (newline >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      stdoutLines.push(line);
      try {
        const message = JSON.parse(line);
        if (typeof message.id === "number" && pending.has(message.id)) {
          pending.get(message.id)?.(message);
          pending.delete(message.id);
        }
      } catch {
        // Kept in stdoutLines; the test's JSON-RPC check reports it.
      }
      newline = buffer.indexOf("\n");
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );

  const send = (message: unknown) => child.stdin.write(`${JSON.stringify(message)}\n`);
  const spawned: Spawned = {
    child,
    stdoutLines,
    stderr: () => stderr,
    exited,
    request(method, params) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no answer to ${method}; stderr: ${stderr}`)),
          10_000,
        );
        pending.set(id, (message) => {
          clearTimeout(timer);
          resolve(message);
        });
        const withEnvelope =
          envelope === undefined
            ? params
            : {
                ...(params as object),
                _meta: { ...((params as { _meta?: object })?._meta ?? {}), ...envelope },
              };
        send({ jsonrpc: "2.0", id, method, params: withEnvelope });
      });
    },
    notify(method, params) {
      send({ jsonrpc: "2.0", method, params });
    },
    async initialize() {
      const answer = await spawned.request("initialize", {
        protocolVersion: "2025-06-18",
        capabilities: {},
        clientInfo: { name: "spawn-test", version: "1.0.0" },
      });
      spawned.notify("notifications/initialized");
      return answer.result;
    },
    async discover() {
      envelope = {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": { name: "spawn-test", version: "1.0.0" },
        "io.modelcontextprotocol/clientCapabilities": {},
      };
      const answer = await spawned.request("server/discover", {});
      return answer.result;
    },
  };
  return spawned;
}

/** Every stdout line must be a JSON-RPC 2.0 message: anything else breaks stdio hosts. */
export function nonProtocolLines(lines: readonly string[]): string[] {
  return lines.filter((line) => {
    try {
      return JSON.parse(line).jsonrpc !== "2.0";
    } catch {
      return true;
    }
  });
}

/** The URL a spawned `sandbox-server` announces on stderr once it listens; rejects if it exits first. */
export function sandboxServerUrl(server: Spawned, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`sandbox-server did not start: ${server.stderr()}`)),
      timeoutMs,
    );
    const look = () => {
      const match = /listening on (http:\/\/\S+)/.exec(server.stderr());
      if (!match?.[1]) return;
      clearTimeout(timer);
      server.child.stderr.off("data", look);
      resolve(match[1]);
    };
    server.child.stderr.on("data", look);
    void server.exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`sandbox-server exited ${code}: ${server.stderr()}`));
    });
    look();
  });
}
