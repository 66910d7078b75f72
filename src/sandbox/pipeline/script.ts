// Runs a source's preprocess script (`main(ctx)`, possibly async) the way Knock does, inside the sandbox.
//
// Why a worker thread and not `vm` on this thread: `vm`'s `timeout` (even with microtaskMode "afterEvaluate",
// which makes it cover promise jobs) stops a runaway script only by blocking this thread until the deadline, so a
// `while (true) {}` would freeze the sandbox's HTTP server for the whole second. In a worker the host event loop
// keeps running, and `worker.terminate()` is an airtight backstop for anything the vm timeout misses.
// Workers are pooled and reused (a fresh vm context per call, inside). Measured here (Node 20, 2 cores): a warm
// call costs 2-5 ms (context creation, compile, a message round trip; 5 ms for the Stripe template's HMAC script,
// ~3 ms amortized when concurrent); spawning a worker costs ~60-110 ms and happens only for the first calls (up to
// MAX_WORKERS) and after a worker was retired. A never-settling promise ends at once with the time-limit message:
// once the evaluation and its microtasks are done, nothing in the context can settle it.
//
// Inside the worker (script-worker.ts) the vm timeout normally ends a runaway script at `timeoutMs` with the same
// message the host gives; the host kills the worker at `timeoutMs + HARD_KILL_GRACE_MS` if it is still silent.
//
// Why a watchdog on workers the pool counts idle: a script must not leave anything that runs after its job, and
// the worker and prelude remove every way known here, but a worker spinning while counted idle would hold a core
// with no request in flight and time out the next innocent script. So a worker returns to the pool only once it
// confirms, from its next event-loop turn, that it is free (else it is killed after RESPONSIVE_GRACE_MS); idle
// workers are pinged (unref'd timer, only while some are idle) and killed if they do not answer; and a job a
// worker does not acknowledge promptly is handed to another worker, since it never started.
//
// Why retire a worker after a job that allocated much buffer memory: an idle isolate may not collect for a long
// time, so its garbage buffers would keep the process's RSS high; terminating it frees them at once.
//
// Why lanes, bounds and a queueing deadline (script-lanes.ts): the queue was unbounded, so runaway scripts made
// everyone wait. A job that cannot be queued, or does not start within MAX_QUEUE_WAIT_MS, is answered "busy"
// without having run: the HTTP layer turns that into 503 with Retry-After.

import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { isPlainObject } from "../types.js";
import { Lanes } from "./script-lanes.js";
import { MemoryGuard } from "./script-memory-guard.js";
import { PRELUDE_SOURCE } from "./script-prelude.js";
import { MAX_BUFFER_BYTES } from "./script-prelude-buffers.js";
import { WORKER_SOURCE } from "./script-worker.js";

export interface ScriptContext {
  vars: Record<string, string>;
  body: unknown;
  rawBody: string;
  headers: Record<string, string>;
}

/** Not run at all: the runner is busy. Calling again after `retryAfterMs` may succeed. */
export interface ScriptBusy {
  ok: false;
  busy: true;
  error: string;
  retryAfterMs: number;
}

export type ScriptResult =
  | { ok: true; output: Record<string, unknown> }
  | { ok: false; busy?: undefined; error: string }
  | ScriptBusy;

const DEFAULT_TIMEOUT_MS = 1000;
const MAX_TIMEOUT_MS = 30_000;
const HARD_KILL_GRACE_MS = 250;
const MAX_OUTPUT_CHARS = 1_000_000;
const MAX_WORKERS = Math.max(1, Math.min(4, availableParallelism()));
/** Within this a worker acknowledges a job and confirms it is idle after a reply. */
const RESPONSIVE_GRACE_MS = 500;
/** Idle workers are pinged this often; one that has not answered the previous ping is killed. */
const PING_INTERVAL_MS = 1000;
/** How many workers a job is offered to before it fails (each one that did not acknowledge is killed). */
const MAX_HANDOVERS = 2;
const MAX_QUEUED = 32;
const MAX_QUEUED_PER_LANE = 8;
const MAX_QUEUE_WAIT_MS = 10_000;
/** A worker whose job allocated more buffer memory than this is retired rather than reused. */
const RETIRE_AFTER_BUFFER_BYTES = 16 * 1024 * 1024;
/** The RSS one running job may add before the memory guard stops it: its buffer bound plus a worker's heap. */
const MEMORY_ALLOWANCE_BYTES = MAX_BUFFER_BYTES + 160 * 1024 * 1024;

interface Job {
  id: number;
  lane: string;
  source: string;
  ctxJson: string;
  timeoutMs: number;
  resolve: (result: ScriptResult) => void;
  handovers: number;
  /** The queueing deadline while queued; the acknowledgement deadline, then the time limit, on a worker. */
  timer?: NodeJS.Timeout;
}

interface PooledWorker {
  worker: Worker;
  ready: boolean;
  dead: boolean;
  job: Job | null;
  /** Set between a reply and the worker's confirmation that it is idle. */
  settling?: NodeJS.Timeout;
  pingPending: boolean;
}

type WorkerReply =
  | { type: "ready" }
  | { type: "ack"; id: number }
  | { type: "idle"; id: number }
  | { type: "pong"; n: number }
  | { type: "done"; id: number; allocated: number; ok: true; json: string }
  | { type: "done"; id: number; allocated: number; ok: false; error: string };

const idle: PooledWorker[] = [];
/** Workers between a reply and their idle confirmation, which comes within a millisecond or so. */
let settling = 0;
const lanes = new Lanes<Job>(MAX_QUEUED_PER_LANE, MAX_QUEUED);
const memory = new MemoryGuard<PooledWorker>(MEMORY_ALLOWANCE_BYTES, (busy) => {
  for (const pooled of busy) {
    fail(pooled, "preprocess script stopped: the sandbox process passed its memory bound while it ran");
  }
  dispatch();
});
let live = 0;
let spawned = 0;
let nextId = 1;
let pingTimer: NodeJS.Timeout | undefined;
let pingSeq = 0;

function timeoutMessage(timeoutMs: number): string {
  return `preprocess script did not finish within ${timeoutMs} ms`;
}

function busy(job: Job, why: string): ScriptBusy {
  return {
    ok: false,
    busy: true,
    error: `${why}; it was not run`,
    retryAfterMs: Math.ceil((job.timeoutMs + HARD_KILL_GRACE_MS) / 1000) * 1000,
  };
}

function finish(job: Job, result: ScriptResult): void {
  if (job.timer) clearTimeout(job.timer);
  job.resolve(result);
}

function fromReply(reply: WorkerReply): ScriptResult {
  if (reply.type !== "done") return { ok: false, error: "preprocess runner sent an unexpected message" };
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

function retire(pooled: PooledWorker): void {
  if (pooled.dead) return;
  pooled.dead = true;
  live--;
  settled(pooled);
  const at = idle.indexOf(pooled);
  if (at >= 0) idle.splice(at, 1);
  memory.stopped(pooled);
  pooled.worker.terminate().catch(() => {});
}

/** Ends the worker's job (if any) with `message` and kills the worker. */
function fail(pooled: PooledWorker, message: string): void {
  const job = pooled.job;
  pooled.job = null;
  retire(pooled);
  if (job) finish(job, { ok: false, error: message });
}

function armAcknowledgement(pooled: PooledWorker, job: Job): void {
  job.timer = setTimeout(() => {
    if (pooled.job !== job) return;
    // It never started: offer it to another worker.
    pooled.job = null;
    retire(pooled);
    job.handovers++;
    if (job.handovers > MAX_HANDOVERS) {
      finish(job, { ok: false, error: "preprocess runner failed: no worker took the script" });
    } else {
      lanes.putBack(job.lane, job);
    }
    dispatch();
  }, RESPONSIVE_GRACE_MS);
}

function started(pooled: PooledWorker, job: Job): void {
  if (job.timer) clearTimeout(job.timer);
  memory.started(pooled);
  job.timer = setTimeout(() => {
    if (pooled.job !== job) return;
    fail(pooled, timeoutMessage(job.timeoutMs));
    dispatch();
  }, job.timeoutMs + HARD_KILL_GRACE_MS);
}

function replied(pooled: PooledWorker, reply: Extract<WorkerReply, { type: "done" }>): void {
  const job = pooled.job;
  if (!job || reply.id !== job.id) return;
  pooled.job = null;
  memory.stopped(pooled);
  finish(job, fromReply(reply));
  pooled.worker.unref();
  if (!(reply.allocated <= RETIRE_AFTER_BUFFER_BYTES)) {
    retire(pooled);
    dispatch();
    return;
  }
  settling++;
  pooled.settling = setTimeout(() => {
    retire(pooled);
    dispatch();
  }, RESPONSIVE_GRACE_MS).unref();
}

function settled(pooled: PooledWorker): void {
  if (!pooled.settling) return;
  clearTimeout(pooled.settling);
  pooled.settling = undefined;
  settling--;
}

function becameIdle(pooled: PooledWorker): void {
  if (!pooled.settling || pooled.dead) return;
  settled(pooled);
  pooled.pingPending = false;
  idle.push(pooled);
  pingTimer ??= setInterval(pingIdle, PING_INTERVAL_MS).unref();
  dispatch();
}

function pingIdle(): void {
  for (const pooled of [...idle]) {
    if (pooled.pingPending) {
      retire(pooled);
      continue;
    }
    pooled.pingPending = true;
    pooled.worker.postMessage({ type: "ping", n: ++pingSeq });
  }
  if (idle.length === 0 && pingTimer) {
    clearInterval(pingTimer);
    pingTimer = undefined;
  }
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
  const pooled: PooledWorker = { worker, ready: false, dead: false, job: null, pingPending: false };
  live++;
  spawned++;

  worker.on("message", (reply: WorkerReply) => {
    switch (reply.type) {
      case "ready":
        pooled.ready = true;
        if (pooled.job) armAcknowledgement(pooled, pooled.job);
        return;
      case "ack":
        if (pooled.job?.id === reply.id) started(pooled, pooled.job);
        return;
      case "done":
        replied(pooled, reply);
        return;
      case "idle":
        becameIdle(pooled);
        return;
      case "pong":
        pooled.pingPending = false;
        return;
    }
  });
  worker.on("error", (error: Error & { code?: string }) => {
    fail(
      pooled,
      error.code === "ERR_WORKER_OUT_OF_MEMORY"
        ? "preprocess script ran out of memory"
        : `preprocess runner failed: ${error.message}`,
    );
    dispatch();
  });
  worker.on("exit", () => {
    fail(pooled, "preprocess runner exited unexpectedly");
    dispatch();
  });
  return pooled;
}

function dispatch(): void {
  while (lanes.size > 0) {
    let pooled = idle.pop();
    if (!pooled) {
      // A worker about to confirm it is idle is worth waiting for rather than spawning another (~60-110 ms).
      if (live >= MAX_WORKERS || settling > 0) return;
      try {
        pooled = spawn();
      } catch (error) {
        const job = lanes.take();
        if (job)
          finish(job, { ok: false, error: `preprocess runner could not start: ${(error as Error).message}` });
        continue;
      }
    }
    const job = lanes.take() as Job;
    if (job.timer) clearTimeout(job.timer);
    pooled.job = job;
    // Referenced while busy, so a pending script keeps the process alive; idle workers never do.
    pooled.worker.ref();
    // The time limit starts when the worker acknowledges the script, not while a fresh worker boots.
    if (pooled.ready) armAcknowledgement(pooled, job);
    pooled.worker.postMessage({
      type: "job",
      id: job.id,
      source: job.source,
      ctxJson: job.ctxJson,
      timeoutMs: job.timeoutMs,
    });
  }
}

/**
 * Runs `source` against `ctx` in an isolated context. Never rejects: every failure (syntax error, throw, time
 * limit, a result that is not a plain object) is `{ok: false, error}` with a message meant for the user, and a
 * script that was not run because the runner is busy is `{ok: false, busy: true, retryAfterMs}`. Jobs of one
 * `lane` (the source's key) queue behind each other; lanes take turns.
 */
export function runPreprocessScript(
  source: string,
  ctx: ScriptContext,
  options?: { timeoutMs?: number; lane?: string },
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
    const lane = options?.lane ?? "";
    const job: Job = { id: nextId++, lane, source, ctxJson, timeoutMs, resolve, handovers: 0 };
    const admission = lanes.add(lane, job);
    if (admission !== "queued") {
      resolve(
        busy(
          job,
          admission === "lane-full"
            ? `${MAX_QUEUED_PER_LANE} preprocess scripts of this source are already waiting`
            : `${MAX_QUEUED} preprocess scripts are already waiting`,
        ),
      );
      return;
    }
    job.timer = setTimeout(() => {
      if (lanes.remove(lane, job)) {
        resolve(busy(job, `the preprocess script waited ${MAX_QUEUE_WAIT_MS / 1000} s for a free runner`));
      }
    }, MAX_QUEUE_WAIT_MS).unref();
    dispatch();
  });
}

/** Stops the pooled workers (idle ones; busy ones after their current script). For shutdown and tests. */
export async function closeScriptRunner(): Promise<void> {
  const workers = idle.splice(0, idle.length);
  if (pingTimer) clearInterval(pingTimer);
  pingTimer = undefined;
  await Promise.all(
    workers.map((pooled) => {
      pooled.dead = true;
      live--;
      return pooled.worker.terminate().catch(() => 0);
    }),
  );
}

/** How many workers the pool holds, and in which state. For tests and diagnostics. */
export function scriptRunnerStats(): { live: number; idle: number; queued: number; spawned: number } {
  return { live, idle: idle.length, queued: lanes.size, spawned };
}
