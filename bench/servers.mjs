// The processes every measure starts — our built server, the two SDK v2 yardsticks, the Knock API
// emulator — in one place, so that all measures run them alike and none inherits the caller's KNOCK_*
// settings.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { ENTRY, ROOT } from "../scripts/ensure-built.mjs";
import { LEGACY, openSession, RpcChild, track, waitExit } from "./lib.mjs";

export const DIST = ENTRY;
/** Cold-start yardstick: nine trivial tools on a bare SDK v2 server. */
export const BASELINE = join(ROOT, "bench", "baseline-server.mjs");
/** Per-call yardstick: get_source as one plain fetch on a bare SDK v2 server. */
export const FETCH_SERVER = join(ROOT, "bench", "fetch-server.mjs");
// For measures that never call the Knock API (tools/list makes no HTTP request); port 9 is discard,
// should it be.
export const NO_API = "http://127.0.0.1:9";
const GET_SOURCE = { name: "get_source", arguments: { key: "stripe" } };

/** The child environment: ours, without any KNOCK_* setting the caller's shell may carry. */
export function env(extra) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("KNOCK_")));
  return { ...clean, ...extra };
}

export const ourEnv = (baseUrl) => env({ KNOCK_SERVICE_TOKEN: "x", KNOCK_MGMT_BASE_URL: baseUrl });

/** Our server as a JSON-RPC child, not yet initialised; `nodeArgs` go before the entry point. */
export const spawnOurs = (baseUrl, nodeArgs = []) =>
  new RpcChild(process.execPath, [...nodeArgs, DIST], ourEnv(baseUrl));

/** The per-call yardstick as a JSON-RPC child, with the same environment as ours. */
export const spawnFetchServer = (baseUrl) => new RpcChild(process.execPath, [FETCH_SERVER], ourEnv(baseUrl));

/**
 * A spawned child with an MCP session open in the era of `version` (see openSession); the child is closed
 * again when the opening fails.
 */
export async function startSession(rpc, version = LEGACY) {
  try {
    return { rpc, ...(await openSession(rpc, version)) };
  } catch (error) {
    await rpc.close();
    throw error;
  }
}

export const startOurs = (baseUrl, version = LEGACY) => startSession(spawnOurs(baseUrl), version);

/** get_source {key: "stripe"} on a session from startSession; a tool error is an error. */
export async function callGetSource(session) {
  const result = await session.request("tools/call", GET_SOURCE);
  if (result.isError) throw new Error(`get_source failed: ${result.content?.[0]?.text}`);
  return result;
}

/** The emulator on a free port; `args` go to `sandbox-server` (e.g. `--state FILE`). */
export async function startEmulator(args = []) {
  const child = track(
    spawn(process.execPath, [DIST, "sandbox-server", "--port", "0", ...args], {
      env: env({}),
      stdio: ["ignore", "ignore", "pipe"],
    }),
  );
  child.stderr.setEncoding("utf8");
  const url = await new Promise((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => reject(new Error(`emulator did not start: ${text}`)), 15_000);
    child.stderr.on("data", (chunk) => {
      text += chunk;
      const match = /https?:\/\/127\.0\.0\.1:\d+/.exec(text);
      if (match) {
        clearTimeout(timer);
        resolve(match[0]);
      }
    });
    child.once("exit", (code) => reject(new Error(`emulator exited (${code}): ${text}`)));
  });
  child.stderr.resume();
  const close = () => {
    child.kill("SIGTERM");
    return waitExit(child);
  };
  return { url, child, close };
}
