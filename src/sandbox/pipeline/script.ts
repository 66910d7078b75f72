// Runs a source's preprocess script (`main(ctx)`, possibly async) the way Knock does, inside the sandbox.
//
// Why a worker thread and not `vm` on this thread: `vm`'s `timeout` (even with microtaskMode "afterEvaluate",
// which makes it cover promise jobs) stops a runaway script only by blocking this thread until the deadline, so a
// `while (true) {}` would freeze the sandbox's HTTP server for the whole second. In a worker the host event loop
// keeps running, and `worker.terminate()` is an airtight backstop for anything the vm timeout misses.
// Workers are pooled and reused (a fresh vm context per call, inside). Measured here (Node 20, 2 cores): a warm
// call costs 2-5 ms (context creation, compile, a message round trip; 5 ms for the Stripe template's HMAC script,
// ~3 ms amortized when concurrent); spawning a worker costs ~60-110 ms and happens only for the first calls (up to
// MAX_WORKERS) and after a runaway script got its worker killed. A never-settling promise ends at once with the
// time-limit message: once the evaluation and its microtasks are done, nothing in the context can settle it.
//
// Inside the worker (script-worker.ts) the vm timeout normally ends a runaway script at `timeoutMs` with the same
// message the host gives; the host kills the worker at `timeoutMs + HARD_KILL_GRACE_MS` if it is still silent.

import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { isPlainObject } from "../types.js";
import { PRELUDE_SOURCE } from "./script-prelude.js";
import { WORKER_SOURCE } from "./script-worker.js";

export interface ScriptContext {
  vars: Record<string, string>;
  body: unknown;
  rawBody: string;
  headers: Record<string, string>;
}

export type ScriptResult = { ok: true; output: Record<string, unknown> } | { ok: false; error: string };

const DEFAULT_TIMEOUT_MS = 1000;
const MAX_TIMEOUT_MS = 30_000;
const HARD_KILL_GRACE_MS = 250;
const MAX_OUTPUT_CHARS = 1_000_000;
const MAX_WORKERS = Math.max(1, Math.min(4, availableParallelism()));

interface Job {
  id: number;
  source: string;
  ctxJson: string;
  timeoutMs: number;
  resolve: (result: ScriptResult) => void;
  timer?: NodeJS.Timeout;
}

interface PooledWorker {
  worker: Worker;
  ready: boolean;
  dead: boolean;
  job: Job | null;
}

type WorkerReply =
  | { type: "ready" }
  | { id: number; ok: true; json: string }
  | { id: number; ok: false; error: string };

const idle: PooledWorker[] = [];
const queue: Job[] = [];
let live = 0;
let nextId = 1;

function timeoutError(timeoutMs: number): ScriptResult {
  return { ok: false, error: `preprocess script did not finish within ${timeoutMs} ms` };
}

function finish(job: Job, result: ScriptResult): void {
  if (job.timer) clearTimeout(job.timer);
  job.resolve(result);
}

function fromReply(reply: WorkerReply): ScriptResult {
  if (!("id" in reply)) return { ok: false, error: "preprocess runner sent an unexpected message" };
  if (!reply.ok) return { ok: false, error: String(reply.error) };
  return outputFromJson(reply.json);
}

/** What `main` returned, as the prelude serialized it, checked the same way on every path. */
export function outputFromJson(json: string): ScriptResult {
  if (json.length > MAX_OUTPUT_CHARS) {
    return { ok: false, error: `main returned more than ${MAX_OUTPUT_CHARS} characters of JSON` };
  }
  let output: unknown;
  try {
    output = JSON.parse(json);
  } catch {
    return { ok: false, error: "main returned an object that cannot be serialized as JSON" };
  }
  if (!isPlainObject(output)) {
    return { ok: false, error: "main must return an object like {verified: true}" };
  }
  return { ok: true, output };
}

function armTimer(pooled: PooledWorker, job: Job): void {
  job.timer = setTimeout(() => {
    if (pooled.job !== job) return;
    pooled.job = null;
    retire(pooled);
    job.resolve(timeoutError(job.timeoutMs));
  }, job.timeoutMs + HARD_KILL_GRACE_MS);
}

function retire(pooled: PooledWorker): void {
  if (pooled.dead) return;
  pooled.dead = true;
  live--;
  const at = idle.indexOf(pooled);
  if (at >= 0) idle.splice(at, 1);
  pooled.worker.terminate().catch(() => {});
  dispatch();
}

function spawn(): PooledWorker {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { prelude: PRELUDE_SOURCE },
    // Nothing in the worker may reach this process's stdout (the MCP protocol channel).
    stdout: true,
    stderr: true,
    resourceLimits: { maxOldGenerationSizeMb: 96, maxYoungGenerationSizeMb: 16, stackSizeMb: 4 },
  });
  worker.unref();
  const pooled: PooledWorker = { worker, ready: false, dead: false, job: null };
  live++;

  worker.on("message", (reply: WorkerReply) => {
    if ("type" in reply) {
      pooled.ready = true;
      if (pooled.job) armTimer(pooled, pooled.job);
      return;
    }
    const job = pooled.job;
    if (!job || reply.id !== job.id) return;
    pooled.job = null;
    finish(job, fromReply(reply));
    if (!pooled.dead) {
      worker.unref();
      idle.push(pooled);
      dispatch();
    }
  });
  const onFailure = (message: string) => {
    const job = pooled.job;
    pooled.job = null;
    retire(pooled);
    if (job) finish(job, { ok: false, error: message });
  };
  worker.on("error", (error: Error & { code?: string }) => {
    onFailure(
      error.code === "ERR_WORKER_OUT_OF_MEMORY"
        ? "preprocess script ran out of memory"
        : `preprocess runner failed: ${error.message}`,
    );
  });
  worker.on("exit", () => onFailure("preprocess runner exited unexpectedly"));
  return pooled;
}

function dispatch(): void {
  while (queue.length > 0) {
    let pooled = idle.pop();
    if (!pooled) {
      if (live >= MAX_WORKERS) return;
      try {
        pooled = spawn();
      } catch (error) {
        const job = queue.shift();
        if (job)
          finish(job, { ok: false, error: `preprocess runner could not start: ${(error as Error).message}` });
        continue;
      }
    }
    const job = queue.shift() as Job;
    pooled.job = job;
    // Referenced while busy, so a pending script keeps the process alive; idle workers never do.
    pooled.worker.ref();
    // The time limit starts when the worker can run the script, not while a fresh worker boots.
    if (pooled.ready) armTimer(pooled, job);
    pooled.worker.postMessage({
      id: job.id,
      source: job.source,
      ctxJson: job.ctxJson,
      timeoutMs: job.timeoutMs,
    });
  }
}

/**
 * Runs `source` against `ctx` in an isolated context. Never rejects: every failure (syntax error, throw, time
 * limit, a result that is not a plain object) is `{ok: false, error}` with a message meant for the user.
 */
export function runPreprocessScript(
  source: string,
  ctx: ScriptContext,
  options?: { timeoutMs?: number },
): Promise<ScriptResult> {
  const requested = options?.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const timeoutMs = Number.isFinite(requested)
    ? Math.min(MAX_TIMEOUT_MS, Math.max(1, Math.floor(requested)))
    : DEFAULT_TIMEOUT_MS;
  if (typeof source !== "string") {
    return Promise.resolve({ ok: false, error: "preprocess script source must be a string" });
  }
  let ctxJson: string;
  try {
    ctxJson = JSON.stringify({ vars: ctx.vars, body: ctx.body, rawBody: ctx.rawBody, headers: ctx.headers });
  } catch (error) {
    return Promise.resolve({
      ok: false,
      error: `preprocess context cannot be serialized as JSON: ${(error as Error).message}`,
    });
  }
  return new Promise<ScriptResult>((resolve) => {
    queue.push({ id: nextId++, source, ctxJson, timeoutMs, resolve });
    dispatch();
  });
}

/** Stops the pooled workers (idle ones; busy ones after their current script). For shutdown and tests. */
export async function closeScriptRunner(): Promise<void> {
  const workers = idle.splice(0, idle.length);
  await Promise.all(
    workers.map((pooled) => {
      pooled.dead = true;
      live--;
      return pooled.worker.terminate().catch(() => 0);
    }),
  );
}
