// MCP over Streamable HTTP, 2026-07-28 era: throughput and latency of `tools/call get_source {"key":"stripe"}`
// at 1, 16 and 64 concurrent callers, our server (`dist/index.js --port 0`, each request's bearer token passed
// on to Knock) against the bare SDK v2 server of bench/http-baseline-server.mjs (createMcpHandler on node:http,
// get_source one global fetch with the caller's token), both pointed at the same emulator; then the RSS of a
// fresh replica of ours over 20,000 requests.
//
// Every request is a POST that carries what the 2026-07-28 HTTP binding asks for: the `_meta` envelope in
// the body and the MCP-Protocol-Version, Mcp-Method and Mcp-Name headers. First the real SDK v2 Client
// (StreamableHTTPClientTransport, pinned to 2026-07-28) connects to each server and calls get_source, so a
// server that does not answer the era is a finding; it also records the exact headers and body the Client
// sends, and the load is those same bytes sent by hand through one undici Agent (a fresh JSON-RPC id each).
// The Client itself is not the load generator: it shares the two cores with both servers and the emulator,
// and per request it costs the bench process several times what the hand-built request does (a measured
// figure in the results: `loadGenerator`), so at 16 and 64 callers it, not the server, would set the pace.
//
// Interleaved: per concurrency level, rounds alternate ours / bare / bare / ours …, each bounded in time and
// count, so drift in the machine hits both alike. Every response is parsed and checked; a non-200 or a
// tool error counts as an error, not a sample.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { Agent, request, WebSocket } from "undici";
import { ROOT } from "../scripts/ensure-built.mjs";
import { inspect, MODERN, memorySample, track, waitExit } from "./lib.mjs";
import { DIST, env } from "./servers.mjs";

export const HTTP_BASELINE = join(ROOT, "bench", "http-baseline-server.mjs");
export const HTTP_LEVELS = [1, 16, 64];
export const HTTP_ROUNDS = 4;
const ROUND_MS = 2_000;
const ROUND_MAX_REQUESTS = 20_000;
const WARMUP_MS = 1_500;
const CALL_TIMEOUT_MS = 10_000;
const TOKEN = "bench-token";
export const HTTP_MEM_CONCURRENCY = 16;
export const HTTP_MEM_CHECKPOINTS = [2_000, 5_000, 10_000, 20_000];
const MEM_SETTLE_MS = 500;
/** The memory run's time cap, unless the caller gives a shorter one (what is left of its own deadline). */
export const MEM_CAP_MS = 100_000;
/** The SDK Client's own cost is measured over this many sequential calls (see `clientCost`). */
const CLIENT_COST_CALLS = 300;

const LABEL = { ours: "ours", baseline: "bare SDK v2 HTTP server" };
const TICK_MS = 10; // /proc/<pid>/stat counts CPU time in clock ticks of 1/100 s on Linux

/** A server on `--port 0` whose URL has been read from its stderr; stderr keeps being drained after. */
async function startHttp(name, emulatorUrl, nodeArgs = []) {
  const args = [...nodeArgs, ...(name === "ours" ? [DIST, "--port", "0"] : [HTTP_BASELINE, "--port", "0"])];
  const child = track(
    spawn(process.execPath, args, {
      env: env({ KNOCK_MGMT_BASE_URL: emulatorUrl }),
      stdio: ["ignore", "ignore", "pipe"],
    }),
  );
  child.stderr.setEncoding("utf8");
  let head = "";
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${LABEL[name]} did not start: ${head}`)), 15_000);
    // Ours writes one access-log line per request: it is read (and dropped) as a log collector would.
    child.stderr.on("data", (chunk) => {
      if (head.length < 8_192) head += chunk;
      const match = /http:\/\/127\.0\.0\.1:\d+\/mcp/.exec(head);
      if (match) {
        clearTimeout(timer);
        resolve(match[0]);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${LABEL[name]} exited (${code}): ${head}`));
    });
  });
  return {
    name,
    url,
    pid: child.pid,
    /** What the server wrote on stderr first (the inspector's URL, under --inspect). */
    head: () => head,
    close: () => {
      child.kill("SIGTERM");
      return waitExit(child);
    },
  };
}

/** CPU time (user + system) of a process so far, in ms. */
function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

/**
 * The real SDK v2 Client, pinned to 2026-07-28, connects to `url` and calls get_source once. Returns what it
 * sent for that call (headers and body, for the hand-built load) and the era it connected in.
 */
async function clientCheck(url) {
  let sent;
  const recording = (input, init) => {
    if (typeof init?.body === "string" && init.body.includes('"tools/call"')) {
      sent = { headers: Object.fromEntries(new Headers(init.headers)), body: init.body };
    }
    return fetch(input, init);
  };
  const client = newClient();
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    fetch: recording,
    requestInit: { headers: { authorization: `Bearer ${TOKEN}` } },
  });
  try {
    await client.connect(transport, { timeout: CALL_TIMEOUT_MS });
    const era = client.getProtocolEra();
    if (era !== "modern") throw new Error(`connected in the ${era} era, not modern`);
    const result = await client.callTool(
      { name: "get_source", arguments: { key: "stripe" } },
      { timeout: CALL_TIMEOUT_MS },
    );
    if (result.isError || result.structuredContent?.key !== "stripe")
      throw new Error(`get_source did not return the stripe source: ${JSON.stringify(result).slice(0, 200)}`);
    if (!sent) throw new Error("the Client's tools/call request was not seen");
    return sent;
  } finally {
    await client.close().catch(() => {});
  }
}

const newClient = () =>
  new Client(
    { name: "knock-sources-mcp-bench", version: "0.0.0" },
    { versionNegotiation: { mode: { pin: MODERN }, probe: { timeoutMs: CALL_TIMEOUT_MS } } },
  );

/**
 * The hand-built caller: the Client's own tools/call request (headers and body as recorded), with a fresh
 * id each, through `agent`. Resolves when the answer has been read, parsed and found to be the source.
 */
function handBuilt(url, sent, agent) {
  const envelope = JSON.parse(sent.body);
  // The body with the id cut out, so that each request is one string concatenation.
  const { id: _id, ...rest } = envelope;
  const tail = JSON.stringify(rest).slice(1);
  const headers = { ...sent.headers, authorization: `Bearer ${TOKEN}` };
  let nextId = 1;
  return async () => {
    const {
      statusCode,
      headers: got,
      body,
    } = await request(url, {
      method: "POST",
      dispatcher: agent,
      headers,
      body: `{"id":${nextId++},${tail}`,
      headersTimeout: CALL_TIMEOUT_MS,
      bodyTimeout: CALL_TIMEOUT_MS,
    });
    const text = await body.text();
    if (statusCode !== 200) throw new Error(`HTTP ${statusCode}: ${text.slice(0, 200)}`);
    checkAnswer(String(got["content-type"] ?? ""), text);
  };
}

/** The tools/call result in a JSON body, or in the last `data:` line of an SSE one, must be the source. */
function checkAnswer(contentType, text) {
  let json = text;
  if (contentType.startsWith("text/event-stream")) {
    const data = text.split("\n").filter((line) => line.startsWith("data:"));
    json = data.at(-1)?.slice(5) ?? "";
  }
  const message = JSON.parse(json);
  if (message.error) throw new Error(`JSON-RPC error ${message.error.code}: ${message.error.message}`);
  if (message.result?.isError || message.result?.structuredContent?.key !== "stripe") {
    throw new Error(`get_source did not return the stripe source: ${json.slice(0, 200)}`);
  }
}

/** `concurrency` callers, each calling `call` in turn until `maxMs` has passed or `maxRequests` were sent. */
async function round(call, concurrency, maxMs, maxRequests) {
  const latencies = [];
  let errors = 0;
  let firstError;
  let issued = 0;
  const started = performance.now();
  const until = started + maxMs;
  const worker = async () => {
    while (issued < maxRequests && performance.now() < until) {
      issued += 1;
      const t = performance.now();
      try {
        await call();
        latencies.push(performance.now() - t);
      } catch (error) {
        errors += 1;
        firstError ??= error.message;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { latencies, errors, firstError, elapsedMs: performance.now() - started };
}

function percentile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

function summary(acc) {
  const sorted = acc.latencies.sort((a, b) => a - b);
  const n = sorted.length;
  return {
    requests: n,
    errors: acc.errors,
    ...(acc.firstError ? { firstError: acc.firstError } : {}),
    requestsPerSecond: (n * 1000) / acc.elapsedMs,
    p50Ms: n ? percentile(sorted, 0.5) : null,
    p99Ms: n ? percentile(sorted, 0.99) : null,
    maxMs: n ? sorted[n - 1] : null,
    serverCpuMsPerRequest: n ? acc.serverCpuMs / n : null,
    emulatorCpuMsPerRequest: n ? acc.emulatorCpuMs / n : null,
    benchCpuMsPerRequest: n ? acc.benchCpuMs / n : null,
  };
}

const newAcc = () => ({
  latencies: [],
  errors: 0,
  firstError: undefined,
  elapsedMs: 0,
  serverCpuMs: 0,
  emulatorCpuMs: 0,
  benchCpuMs: 0,
});

/** One measured round on one server, with the CPU time the server, emulator and bench process spent in it. */
async function measured(acc, contender, emulatorPid, concurrency) {
  const before = [cpuMs(contender.pid), cpuMs(emulatorPid), process.cpuUsage()];
  const r = await round(contender.call, concurrency, ROUND_MS, ROUND_MAX_REQUESTS);
  const bench = process.cpuUsage(before[2]);
  acc.serverCpuMs += cpuMs(contender.pid) - before[0];
  acc.emulatorCpuMs += cpuMs(emulatorPid) - before[1];
  acc.benchCpuMs += (bench.user + bench.system) / 1000;
  acc.latencies.push(...r.latencies);
  acc.errors += r.errors;
  acc.firstError ??= r.firstError;
  acc.elapsedMs += r.elapsedMs;
}

/**
 * What the SDK Client costs the bench process per call, next to the hand-built request, both sequential on
 * `contender` (the bare server): the reason the load is hand-built.
 */
async function clientCost(contender) {
  const client = newClient();
  await client.connect(
    new StreamableHTTPClientTransport(new URL(contender.url), {
      requestInit: { headers: { authorization: `Bearer ${TOKEN}` } },
    }),
    { timeout: CALL_TIMEOUT_MS },
  );
  const sdkCall = async () => {
    const result = await client.callTool(
      { name: "get_source", arguments: { key: "stripe" } },
      { timeout: CALL_TIMEOUT_MS },
    );
    if (result.isError || result.structuredContent?.key !== "stripe") throw new Error("get_source failed");
  };
  const cost = async (call) => {
    for (let i = 0; i < 50; i += 1) await call();
    const before = process.cpuUsage();
    const r = await round(call, 1, 10_000, CLIENT_COST_CALLS);
    const used = process.cpuUsage(before);
    if (r.errors > 0) throw new Error(r.firstError);
    return (used.user + used.system) / 1000 / r.latencies.length;
  };
  try {
    // Alternated twice, so that neither gains from going first.
    const sdk = [];
    const hand = [];
    for (let i = 0; i < 2; i += 1) {
      sdk.push(await cost(sdkCall));
      hand.push(await cost(contender.call));
    }
    const mean = (list) => list.reduce((a, b) => a + b, 0) / list.length;
    return {
      calls: CLIENT_COST_CALLS * 2,
      sdkClientCpuMsPerCall: mean(sdk),
      handBuiltCpuMsPerCall: mean(hand),
    };
  } finally {
    await client.close().catch(() => {});
  }
}

/** Throughput and latency per level, ours and the bare server, interleaved. */
export async function httpThroughput(emulator) {
  const agent = new Agent({ connections: 128, keepAliveTimeout: 30_000, pipelining: 1 });
  const contenders = {};
  const unanswered = {};
  try {
    for (const name of ["ours", "baseline"]) {
      let server;
      try {
        server = await startHttp(name, emulator.url);
        const sent = await clientCheck(server.url);
        contenders[name] = { ...server, call: handBuilt(server.url, sent, agent), sent };
      } catch (error) {
        unanswered[name] = `${error.code ? `${error.code}: ` : ""}${error.message}`;
        await server?.close();
      }
    }
    const present = Object.values(contenders);
    const levels = [];
    for (const concurrency of HTTP_LEVELS) {
      for (const c of present) await round(c.call, concurrency, WARMUP_MS, ROUND_MAX_REQUESTS);
      const acc = Object.fromEntries(present.map((c) => [c.name, newAcc()]));
      for (let r = 0; r < HTTP_ROUNDS; r += 1) {
        const order = r % 2 === 0 ? present : [...present].reverse();
        for (const c of order) await measured(acc[c.name], c, emulator.child.pid, concurrency);
      }
      const ours = acc.ours ? summary(acc.ours) : null;
      const baseline = acc.baseline ? summary(acc.baseline) : null;
      levels.push({
        concurrency,
        ours,
        baseline,
        throughputRatio: ours && baseline ? ours.requestsPerSecond / baseline.requestsPerSecond : null,
        p99Ratio: ours && baseline ? ours.p99Ms / baseline.p99Ms : null,
      });
    }
    const loadGenerator = contenders.baseline ? await clientCost(contenders.baseline) : null;
    return {
      era: MODERN,
      rounds: HTTP_ROUNDS,
      roundMs: ROUND_MS,
      warmupMs: WARMUP_MS,
      levels,
      loadGenerator,
      unanswered,
      headers: contenders.ours?.sent.headers ?? contenders.baseline?.sent.headers ?? null,
    };
  } finally {
    for (const c of Object.values(contenders)) await c.close();
    await agent.close();
  }
}

/**
 * RSS of a fresh replica of ours over 20,000 requests (HTTP_MEM_CONCURRENCY in flight), sampled after a
 * short settle at each checkpoint; the aim is on the growth from 2,000 to 20,000. Then, as over stdio
 * (memory.mjs), a second replica under --inspect has a full GC forced at 2,000 and 20,000 and its live heap
 * read: RSS between collections follows V8's sawtooth, the heap after one says whether memory is retained.
 */
export async function httpMemory(emulator, capMs = MEM_CAP_MS) {
  const started = performance.now();
  const rss = await httpMemoryRun(emulator, HTTP_MEM_CHECKPOINTS, capMs, false);
  const left = capMs - (performance.now() - started);
  const afterGc = rss.complete ? await httpMemoryRun(emulator, [2_000, 20_000], left, true) : null;
  const growth = (field) => {
    const at = (n) => afterGc?.samples.find((s) => s.requests === n)?.[field];
    return afterGc?.complete ? at(20_000) - at(2_000) : null;
  };
  return {
    ...rss,
    afterGc: afterGc?.samples ?? null,
    heapGrowthAfterGcBytes: growth("heapUsedAfterGcBytes"),
    rssGrowthAfterGcBytes: growth("rssAfterGcBytes"),
  };
}

async function httpMemoryRun(emulator, checkpoints, capMs, forceGc) {
  const agent = new Agent({ connections: 32, keepAliveTimeout: 30_000, pipelining: 1 });
  let server;
  let devtools;
  try {
    server = await startHttp("ours", emulator.url, forceGc ? ["--inspect=127.0.0.1:0"] : []);
    if (forceGc) {
      const wsUrl = /ws:\/\/127\.0\.0\.1:\d+\/[\w-]+/.exec(server.head())?.[0];
      if (!wsUrl) throw new Error(`no inspector URL on stderr: ${server.head()}`);
      devtools = await inspect(WebSocket, wsUrl);
    }
    const call = handBuilt(server.url, await clientCheck(server.url), agent);
    const settle = () => new Promise((resolve) => setTimeout(resolve, MEM_SETTLE_MS));
    const samples = [];
    const sample = async (requests) => {
      await settle();
      return { requests, ...(await memorySample(server.pid, devtools)) };
    };
    samples.push(await sample(0));
    const deadline = performance.now() + capMs;
    let done = 0;
    let errors = 0;
    let firstError;
    for (const checkpoint of checkpoints) {
      const r = await round(call, HTTP_MEM_CONCURRENCY, deadline - performance.now(), checkpoint - done);
      done += r.latencies.length + r.errors;
      errors += r.errors;
      firstError ??= r.firstError;
      // Bounded in time as well as count: a machine too slow for 20,000 within the cap reports how far it
      // got, with one more sample where it stopped.
      if (done < checkpoint) {
        if (done > 2_000) samples.push(await sample(done));
        break;
      }
      samples.push(await sample(checkpoint));
    }
    const at = (n) => samples.find((s) => s.requests === n)?.rssBytes ?? null;
    const last = checkpoints.at(-1);
    // Cut short by the cap, the growth is to the last sample (`reached` requests).
    const reached = samples.at(-1).requests;
    return {
      concurrency: HTTP_MEM_CONCURRENCY,
      settleMs: MEM_SETTLE_MS,
      capMs: Math.round(capMs),
      requests: done,
      complete: done >= last,
      samples,
      errors,
      ...(firstError ? { firstError } : {}),
      rssAt2k: at(2_000),
      rssAt20k: at(last),
      reached,
      growthBytes: reached > 2_000 ? at(reached) - at(2_000) : null,
    };
  } finally {
    devtools?.close();
    await server?.close();
    await agent.close();
  }
}
