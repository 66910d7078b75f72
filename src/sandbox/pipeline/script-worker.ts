// Source of the worker thread that evaluates preprocess scripts (see script.ts for why a worker). It is a string
// run with `new Worker(src, {eval: true})` so that it works the same from the TypeScript sources (vitest) and from
// dist/, without a separate build entry.
//
// Per job: a fresh vm context whose global is a null-prototype object (a plain `{}` would make `this.constructor`
// the worker's Object, whose `.constructor` is the worker's Function: a way to `process`), string code generation
// off, and `microtaskMode: "afterEvaluate"` so the vm timeout also covers the promise jobs of an async `main`.
// The context only ever receives strings from here; what comes back is a string built by the prelude's own
// captured built-ins. Errors thrown by the script's top level are context objects: they are described by prelude
// code running under the timeout, never by reading their properties or walking their prototype chain through a
// Proxy here (a getter or a getPrototypeOf trap would run unbounded).
//
// Nothing a script leaves behind may run after its job, outside every deadline: the worker never inspects a
// rejection reason (Node's default unhandled-rejection handling reads properties of the reason, running a Proxy's
// traps, and then kills the worker; no-op listeners keep both from happening), and the prelude removes the
// realm's deferred callbacks (FinalizationRegistry, Atomics.waitAsync). The host's watchdog (script.ts) covers
// whatever this misses: the idle confirmation, the job acknowledgement and the ping below are answered only by a
// worker whose event loop is free.
//
// Protocol: worker -> host {type: "ready"} once. host -> worker {type: "job", id, source, ctxJson, timeoutMs},
// answered by {type: "ack", id} at once, then {type: "done", id, ok: true, json, allocated} |
// {type: "done", id, ok: false, error, allocated} (allocated: the bytes of buffers the job allocated), then
// {type: "idle", id} from the next event-loop turn. host -> worker {type: "ping", n}, answered {type: "pong", n}.

export const WORKER_SOURCE = String.raw`
"use strict";
const { parentPort, workerData } = require("node:worker_threads");
const vm = require("node:vm");
const { isProxy } = require("node:util").types;
const { performance } = require("node:perf_hooks");

process.on("unhandledRejection", () => {});
process.on("rejectionHandled", () => {});

const prelude = new vm.Script(workerData.prelude, { filename: "knock-preprocess-prelude.js" });
const FILENAME = "preprocess.js";
const MISSING_MAIN = "preprocess script must define function main(ctx) (or be a function body that returns an object)";

class Timeout extends Error {}

function compile(source) {
  // A script that mentions main is a program defining it; otherwise (or if it only parses as a function body,
  // like the API's own example "return event;") it is the body of main, with ctx and event in scope.
  const asBody = () =>
    new vm.Script(
      "var __knockBody = function (ctx) { var event = ctx; return (async function () {\n" + source + "\n}).call(undefined); };",
      { filename: FILENAME, lineOffset: -1 },
    );
  if (/\bmain\b/.test(source)) {
    try {
      return { script: new vm.Script(source, { filename: FILENAME }), entry: "main" };
    } catch (programError) {
      try {
        return { script: asBody(), entry: "__knockBody" };
      } catch {
        throw programError;
      }
    }
  }
  return { script: asBody(), entry: "__knockBody" };
}

function syntaxMessage(error) {
  const stack = typeof error.stack === "string" ? error.stack : "";
  const where = /^preprocess\.js:(\d+)/.exec(stack);
  const line = where ? " (line " + where[1] + ")" : "";
  return "preprocess script has a syntax error" + line + ": " + String(error.message);
}

// Whether proto is on value's prototype chain, like instanceof but checking isProxy at every link first: a
// Proxy's getPrototypeOf trap is script code, and here it would run outside the vm timeout. On anything else
// Object.getPrototypeOf runs no script code.
function inherits(value, proto) {
  let current = value;
  while (current !== null && (typeof current === "object" || typeof current === "function")) {
    if (isProxy(current)) return false;
    current = Object.getPrototypeOf(current);
    if (current === proto) return true;
  }
  return false;
}

// Errors created by this realm (vm timeouts, internal failures) versus values thrown by the script's realm.
function isOwnError(value) {
  return inherits(value, Error.prototype);
}

// Node creates the vm timeout error in the context's realm, so instanceof cannot tell it apart from a value the
// script threw. Read "code" as an own data property: on a non-proxy object that runs no script code.
function isTimeoutError(value) {
  if (value === null || typeof value !== "object" || isProxy(value)) return false;
  const code = Object.getOwnPropertyDescriptor(value, "code");
  return code !== undefined && "value" in code && code.value === "ERR_SCRIPT_EXECUTION_TIMEOUT";
}

// The job's tally of buffer bytes, read from the prelude's own counter under a short budget; unknown counts as
// the most, so that the host retires the worker.
function allocatedIn(context) {
  if (context === undefined) return 0;
  try {
    const bytes = vm.runInContext("__knock.allocated()", context, { timeout: 50, displayErrors: false });
    return typeof bytes === "number" ? bytes : Infinity;
  } catch {
    return Infinity;
  }
}

function runJob(job, state) {
  const deadline = performance.now() + job.timeoutMs;
  const budget = () => {
    const left = Math.floor(deadline - performance.now());
    if (left < 1) throw new Timeout();
    return left;
  };

  let compiled;
  try {
    compiled = compile(job.source);
  } catch (error) {
    return { ok: false, error: isOwnError(error) ? syntaxMessage(error) : "preprocess script could not be compiled" };
  }

  const sandbox = Object.create(null);
  const context = vm.createContext(sandbox, {
    name: "knock-preprocess",
    codeGeneration: { strings: false, wasm: false },
    microtaskMode: "afterEvaluate",
  });
  prelude.runInContext(context);
  state.context = context;

  try {
    compiled.script.runInContext(context, { timeout: budget(), displayErrors: false });
    sandbox.__knockInput = job.ctxJson;
    vm.runInContext(
      "__knock.start(typeof " + compiled.entry + ' === "function" ? ' + compiled.entry + " : undefined, " + JSON.stringify(MISSING_MAIN) + ")",
      context,
      { timeout: budget(), displayErrors: false },
    );
    const outcome = vm.runInContext("__knock.result()", context, { timeout: budget(), displayErrors: false });
    return fromOutcome(outcome, job);
  } catch (error) {
    // Never instanceof here: it would run the getPrototypeOf trap of a Proxy the script threw (see inherits).
    if (inherits(error, Timeout.prototype) || isTimeoutError(error)) {
      return { ok: false, error: timeoutMessage(job) };
    }
    if (isOwnError(error)) {
      return { ok: false, error: "preprocess script failed: " + String(error.message) };
    }
    // Thrown by the script's top level (outside main). Describe it in the context, under a short budget.
    sandbox.__knockThrown = error;
    try {
      const outcome = vm.runInContext("__knock.describeThrown()", context, { timeout: 50, displayErrors: false });
      return fromOutcome(outcome, job);
    } catch {
      return { ok: false, error: "preprocess script threw" };
    }
  }
}

function timeoutMessage(job) {
  return "preprocess script did not finish within " + job.timeoutMs + " ms";
}

function fromOutcome(outcome, job) {
  if (typeof outcome !== "string") {
    // Still pending after the evaluation and its microtasks: nothing in the context can ever settle it (the
    // context has no timers or I/O), so it would never finish.
    return { ok: false, error: timeoutMessage(job) };
  }
  if (outcome.startsWith("ok:")) return { ok: true, json: outcome.slice(3) };
  return { ok: false, error: outcome.startsWith("err:") ? outcome.slice(4) : "preprocess script failed" };
}

parentPort.on("message", (message) => {
  if (message.type === "ping") {
    parentPort.postMessage({ type: "pong", n: message.n });
    return;
  }
  const job = message;
  parentPort.postMessage({ type: "ack", id: job.id });
  const state = { context: undefined };
  let result;
  try {
    result = runJob(job, state);
  } catch (error) {
    result = { ok: false, error: "preprocess runner failed: " + (error && error.message ? String(error.message) : "unknown") };
  }
  parentPort.postMessage({ type: "done", id: job.id, allocated: allocatedIn(state.context), ...result });
  setImmediate(() => parentPort.postMessage({ type: "idle", id: job.id }));
});
parentPort.postMessage({ type: "ready" });
`;
