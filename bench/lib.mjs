// Helpers for the benchmark (bench/run.mjs): a raw JSON-RPC-over-stdio client for child processes and the
// opening of an MCP session on it in either protocol era, the registry of every child started (so none
// outlives the run), process RSS, and summary statistics.
import { execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  PROTOCOL_VERSION_META_KEY,
} from "@modelcontextprotocol/client";

/** Every child process the benchmark starts; killed on any exit path. */
export const children = new Set();

export function killAll() {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        child.kill("SIGKILL");
      } catch {}
    }
  }
}

/** Resolves when the child has exited; SIGTERM after `graceMs`, SIGKILL after twice that. */
export function waitExit(child, graceMs = 3_000) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const term = setTimeout(() => child.kill("SIGTERM"), graceMs);
    const kill = setTimeout(() => child.kill("SIGKILL"), graceMs * 2);
    child.once("exit", () => {
      clearTimeout(term);
      clearTimeout(kill);
      resolve();
    });
  });
}

export function track(child) {
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

/** A child speaking newline-delimited JSON-RPC on stdio; requests are matched to answers by id. */
export class RpcChild {
  #pending = new Map();
  #nextId = 1;
  #buffer = "";
  /** Set once the child broke the protocol on stdout; every request from then on fails with it. */
  #broken;
  stderr = "";

  constructor(command, args, env) {
    this.child = track(spawn(command, args, { env, stdio: ["pipe", "pipe", "pipe"] }));
    this.pid = this.child.pid;
    this.child.stdout.setEncoding("utf8");
    this.child.stdout.on("data", (chunk) => this.#onData(chunk));
    this.child.stderr.setEncoding("utf8");
    this.child.stderr.on("data", (chunk) => {
      if (this.stderr.length < 16_384) this.stderr += chunk;
    });
    this.child.stdin.on("error", () => {});
    this.child.once("exit", (code, signal) => {
      this.#failPending(
        new Error(`child exited (${code ?? signal}) with requests pending: ${this.stderr.trim()}`),
      );
    });
  }

  #failPending(error) {
    for (const { reject, timer } of this.#pending.values()) {
      clearTimeout(timer);
      reject(error);
    }
    this.#pending.clear();
  }

  #onData(chunk) {
    this.#buffer += chunk;
    let newline = this.#buffer.indexOf("\n");
    while (newline !== -1) {
      const line = this.#buffer.slice(0, newline);
      this.#buffer = this.#buffer.slice(newline + 1);
      if (line.trim() !== "") {
        let message;
        try {
          message = JSON.parse(line);
        } catch {
          // stdout is the protocol channel: anything else on it is the server's fault, and reported.
          this.#broken = new Error(`wrote a line to stdout that is not JSON-RPC: ${line.slice(0, 120)}`);
          this.#failPending(this.#broken);
        }
        if (message !== undefined) this.#onMessage(message);
      }
      newline = this.#buffer.indexOf("\n");
    }
  }

  #onMessage(message) {
    if (message.method !== undefined) {
      // A request from the server (none is expected): refuse it so that the server never waits on us.
      if (message.id !== undefined) {
        this.#write({ jsonrpc: "2.0", id: message.id, error: { code: -32601, message: "not supported" } });
      }
      return;
    }
    const pending = this.#pending.get(message.id);
    if (!pending) return;
    this.#pending.delete(message.id);
    clearTimeout(pending.timer);
    if (message.error) {
      const error = new Error(`${message.error.code}: ${message.error.message}`);
      error.rpc = message.error;
      pending.reject(error);
    } else {
      pending.resolve(message.result);
    }
  }

  #write(message) {
    this.child.stdin.write(`${JSON.stringify(message)}\n`);
  }

  request(method, params, timeoutMs = 30_000) {
    if (this.#broken) return Promise.reject(this.#broken);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${method} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      this.#write({ jsonrpc: "2.0", id, method, params });
    });
  }

  notify(method, params) {
    this.#write({ jsonrpc: "2.0", method, params });
  }

  /** Closing stdin is how a stdio MCP session ends; the child must then exit by itself. */
  async close() {
    this.child.stdin.end();
    await waitExit(this.child);
  }
}

/** The two protocol eras the benchmark speaks, each by the revision it claims. */
export const LEGACY = "2025-11-25";
export const MODERN = "2026-07-28";
export const ERAS = [LEGACY, MODERN];
const CLIENT_INFO = { name: "knock-sources-mcp-bench", version: "0.0.0" };

/** The per-request `_meta` envelope of the 2026-07-28 era: on every request, the opening one included. */
export const MODERN_ENVELOPE = {
  [PROTOCOL_VERSION_META_KEY]: MODERN,
  [CLIENT_INFO_META_KEY]: CLIENT_INFO,
  [CLIENT_CAPABILITIES_META_KEY]: {},
};

export async function initialize(rpc, protocolVersion, timeoutMs) {
  const result = await rpc.request(
    "initialize",
    { protocolVersion, capabilities: {}, clientInfo: CLIENT_INFO },
    timeoutMs,
  );
  rpc.notify("notifications/initialized");
  return result;
}

/**
 * Opens an MCP session on `rpc` in the era of `version`: the `initialize` handshake (2025-11-25), or
 * `server/discover` (2026-07-28), which must offer that revision. Returns the opening's result and a
 * `request` that adds the envelope to every request of the modern era. Rejects with an error whose
 * message says what the server answered, for the report.
 */
export async function openSession(rpc, version, timeoutMs = 15_000) {
  if (version !== MODERN) {
    const opening = await initialize(rpc, version, timeoutMs).catch((error) => {
      throw new Error(`initialize: ${error.message}`);
    });
    return { version, opening, request: (method, params = {}, ms) => rpc.request(method, params, ms) };
  }
  const opening = await rpc
    .request("server/discover", { _meta: MODERN_ENVELOPE }, timeoutMs)
    .catch((error) => {
      throw new Error(`server/discover: ${error.message}`);
    });
  if (!Array.isArray(opening?.supportedVersions) || !opening.supportedVersions.includes(MODERN)) {
    throw new Error(
      `server/discover does not offer ${MODERN}: ${JSON.stringify(opening?.supportedVersions)}`,
    );
  }
  const request = (method, params = {}, ms) =>
    rpc.request(method, { ...params, _meta: { ...params._meta, ...MODERN_ENVELOPE } }, ms);
  return { version, opening, request };
}

/** Resident set size in bytes, from /proc (Linux) or ps. */
export function rssBytes(pid) {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    if (match) return Number(match[1]) * 1024;
  } catch {}
  return Number(execFileSync("ps", ["-o", "rss=", "-p", String(pid)], { encoding: "utf8" }).trim()) * 1024;
}

export function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
  const mid = sorted.length / 2;
  const median = sorted.length % 2 === 1 ? sorted[Math.floor(mid)] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { n: sorted.length, median, p95: at(0.95), min: sorted[0], max: sorted[sorted.length - 1] };
}

/** Runs `task(i)` for i in [0, total) with at most `limit` in flight. */
export async function pool(total, limit, task) {
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, total) }, worker));
}

/** A minimal Chrome DevTools Protocol session (node --inspect) over undici's WebSocket. */
/**
 * RSS of `pid` now; with `devtools` (an inspector session with it) also a full GC forced through it, then
 * RSS and the live heap after it.
 */
export async function memorySample(pid, devtools) {
  const taken = { rssBytes: rssBytes(pid) };
  if (!devtools) return taken;
  await devtools.send("HeapProfiler.collectGarbage");
  const { usedSize } = await devtools.send("Runtime.getHeapUsage");
  return { ...taken, rssAfterGcBytes: rssBytes(pid), heapUsedAfterGcBytes: usedSize };
}

export async function inspect(WebSocket, url, timeoutMs = 10_000) {
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("inspector did not connect")), timeoutMs);
    const settle = (error) => {
      clearTimeout(timer);
      if (error) reject(error);
      else resolve();
    };
    socket.addEventListener("open", () => settle(), { once: true });
    socket.addEventListener("error", () => settle(new Error("inspector error")), { once: true });
  });
  const pending = new Map();
  let nextId = 1;
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(String(event.data));
    const entry = pending.get(message.id);
    if (!entry) return;
    pending.delete(message.id);
    clearTimeout(entry.timer);
    if (message.error) entry.reject(new Error(message.error.message));
    else entry.resolve(message.result);
  });
  return {
    send(method, params = {}) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${method} timed out`));
        }, timeoutMs);
        pending.set(id, { resolve, reject, timer });
        socket.send(JSON.stringify({ id, method, params }));
      });
    },
    close() {
      socket.close();
    },
  };
}
