#!/usr/bin/env node
// `npm run bench`: start-up, per-call overhead, throughput, memory, context cost and package footprint of
// the built server (dist/index.js), each printed next to its aim. `--json` prints one JSON object instead.
// Builds first when dist/ is missing or older than src/. Everything runs locally: the Knock API is the
// project's own emulator (`sandbox-server`) on 127.0.0.1. Not a test: figures short of an aim are findings.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";
import { Agent, request, WebSocket } from "undici";
import { ENTRY, ensureBuilt, ROOT } from "../scripts/ensure-built.mjs";
import { initialize, inspect, killAll, pool, RpcChild, rssBytes, stats, track, waitExit } from "./lib.mjs";

const DIST = ENTRY;
const BASELINE = join(ROOT, "bench", "baseline-server.mjs");
const JSON_OUT = process.argv.includes("--json");
const DEADLINE_MS = 280_000;

const COLD_RUNS = 31;
const WARMUP_CALLS = 200;
const SEQ_CALLS = 1_000;
const THROUGHPUT_ROUNDS = 10;
const THROUGHPUT_CONCURRENCY = 100;
const MEM_CONCURRENCY = 50;
// 20,000 is past the aim's window: it shows whether growth goes on or levels off.
const MEM_CHECKPOINTS = [1_000, 2_500, 5_000, 10_000, 20_000];
const AIMS = { coldRatio: 1.0, overheadMs: 1.5, toolsListBytes: 14 * 1024, rssGrowthBytes: 5 * 1024 * 1024 };
const GET_SOURCE = { name: "get_source", arguments: { key: "stripe" } };

const log = (line) => process.stderr.write(`bench: ${line}\n`);

/** The child environment: ours, without any KNOCK_* setting the caller's shell may carry. */
function env(extra) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("KNOCK_")));
  return { ...clean, ...extra };
}

// ---------------------------------------------------------------------------------------------- 1. cold start

async function coldStartOnce(command, args, childEnv) {
  const started = performance.now();
  const rpc = new RpcChild(command, args, childEnv);
  try {
    await initialize(rpc, LATEST_PROTOCOL_VERSION);
    const listed = await rpc.request("tools/list", {}, 15_000);
    const ms = performance.now() - started;
    if (!Array.isArray(listed.tools) || listed.tools.length === 0)
      throw new Error("tools/list returned no tools");
    return ms;
  } finally {
    await rpc.close();
  }
}

async function coldStart() {
  const ours = [];
  const baseline = [];
  // The base URL is never called (tools/list makes no HTTP request); port 9 is discard, should it be.
  const oursEnv = env({ KNOCK_SERVICE_TOKEN: "x", KNOCK_MGMT_BASE_URL: "http://127.0.0.1:9" });
  // One untimed run of each first, so that neither pays for a cold file cache.
  await coldStartOnce(process.execPath, [DIST], oursEnv);
  await coldStartOnce(process.execPath, [BASELINE], env({}));
  for (let i = 0; i < COLD_RUNS; i += 1) {
    // Interleaved, and alternating which goes first, so that drift in the machine hits both alike.
    const order = i % 2 === 0 ? ["ours", "baseline"] : ["baseline", "ours"];
    for (const which of order) {
      if (which === "ours") ours.push(await coldStartOnce(process.execPath, [DIST], oursEnv));
      else baseline.push(await coldStartOnce(process.execPath, [BASELINE], env({})));
    }
  }
  const o = stats(ours);
  const b = stats(baseline);
  return { runs: COLD_RUNS, ours: o, baseline: b, ratio: o.median / b.median };
}

// ------------------------------------------------------------------------------------------------ emulator

async function startEmulator() {
  const child = track(
    spawn(process.execPath, [DIST, "sandbox-server", "--port", "0"], {
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

async function startOurs(baseUrl) {
  const rpc = new RpcChild(
    process.execPath,
    [DIST],
    env({ KNOCK_SERVICE_TOKEN: "x", KNOCK_MGMT_BASE_URL: baseUrl }),
  );
  const init = await initialize(rpc, LATEST_PROTOCOL_VERSION);
  return { rpc, init };
}

async function callGetSource(rpc) {
  const result = await rpc.request("tools/call", GET_SOURCE);
  if (result.isError) throw new Error(`get_source failed: ${result.content?.[0]?.text}`);
  return result;
}

// ------------------------------------------------------------------------------ 2. per-call, 3. throughput

async function perCallAndThroughput(emulatorUrl) {
  const { rpc } = await startOurs(emulatorUrl);
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 8 });
  const url = `${emulatorUrl}/v1/sources/stripe?environment=development`;
  const raw = async () => {
    const { statusCode, body } = await request(url, {
      dispatcher: agent,
      headers: { authorization: "Bearer x", accept: "application/json" },
    });
    const value = await body.json();
    if (statusCode !== 200) throw new Error(`raw GET answered ${statusCode}: ${JSON.stringify(value)}`);
    return value;
  };
  try {
    const first = await callGetSource(rpc);
    if (first.structuredContent?.key !== "stripe")
      throw new Error("get_source did not return the stripe source");
    for (let i = 0; i < WARMUP_CALLS; i += 1) {
      await callGetSource(rpc);
      await raw();
    }
    const mcp = [];
    const direct = [];
    // Interleaved one-for-one, so that both see the same emulator, GC and machine state.
    for (let i = 0; i < SEQ_CALLS; i += 1) {
      let t = performance.now();
      await callGetSource(rpc);
      mcp.push(performance.now() - t);
      t = performance.now();
      await raw();
      direct.push(performance.now() - t);
    }
    const m = stats(mcp);
    const d = stats(direct);

    const rounds = [];
    for (let r = 0; r < THROUGHPUT_ROUNDS; r += 1) {
      const t = performance.now();
      await Promise.all(Array.from({ length: THROUGHPUT_CONCURRENCY }, () => callGetSource(rpc)));
      rounds.push(performance.now() - t);
    }
    const totalMs = rounds.reduce((a, b) => a + b, 0);
    return {
      perCall: { calls: SEQ_CALLS, warmup: WARMUP_CALLS, mcp: m, raw: d, overheadMs: m.median - d.median },
      throughput: {
        rounds: THROUGHPUT_ROUNDS,
        concurrency: THROUGHPUT_CONCURRENCY,
        callsPerSecond: (THROUGHPUT_ROUNDS * THROUGHPUT_CONCURRENCY * 1000) / totalMs,
        roundMs: stats(rounds),
      },
    };
  } finally {
    await agent.close();
    await rpc.close();
  }
}

// ------------------------------------------------------------------------------------------------ 4. memory

/**
 * Calls get_source up to each checkpoint (MEM_CONCURRENCY in flight) and samples the server's RSS there.
 * With `forceGc`, the server runs under --inspect and each sample also forces a full GC through the
 * inspector and reads the live heap: RSS follows V8's GC sawtooth, the heap after GC says whether memory
 * is retained. That GC changes the RSS that follows, so the RSS aim is judged on a server without it.
 */
async function memoryRun(emulatorUrl, checkpoints, forceGc) {
  const rpc = new RpcChild(
    process.execPath,
    forceGc ? ["--inspect=127.0.0.1:0", DIST] : [DIST],
    env({ KNOCK_SERVICE_TOKEN: "x", KNOCK_MGMT_BASE_URL: emulatorUrl }),
  );
  let devtools;
  const settle = () => new Promise((resolve) => setTimeout(resolve, 250));
  try {
    await initialize(rpc, LATEST_PROTOCOL_VERSION);
    if (forceGc) {
      const wsUrl = /ws:\/\/127\.0\.0\.1:\d+\/[\w-]+/.exec(rpc.stderr)?.[0];
      if (!wsUrl) throw new Error(`no inspector URL on stderr: ${rpc.stderr}`);
      devtools = await inspect(WebSocket, wsUrl);
    }
    const sample = async (calls) => {
      await settle();
      const taken = { calls, rssBytes: rssBytes(rpc.pid) };
      if (!devtools) return taken;
      await devtools.send("HeapProfiler.collectGarbage");
      const { usedSize } = await devtools.send("Runtime.getHeapUsage");
      return { ...taken, rssAfterGcBytes: rssBytes(rpc.pid), heapUsedAfterGcBytes: usedSize };
    };
    const samples = [await sample(0)];
    let done = 0;
    for (const checkpoint of checkpoints) {
      await pool(checkpoint - done, MEM_CONCURRENCY, () => callGetSource(rpc));
      done = checkpoint;
      samples.push(await sample(done));
    }
    return samples;
  } finally {
    devtools?.close();
    await rpc.close();
  }
}

async function memory(emulatorUrl) {
  const samples = await memoryRun(emulatorUrl, MEM_CHECKPOINTS, false);
  const afterGc = await memoryRun(emulatorUrl, [1_000, 10_000], true);
  const at = (list, n) => list.find((s) => s.calls === n);
  return {
    concurrency: MEM_CONCURRENCY,
    samples,
    afterGc,
    rssAt1k: at(samples, 1_000).rssBytes,
    rssAt10k: at(samples, 10_000).rssBytes,
    growthBytes: at(samples, 10_000).rssBytes - at(samples, 1_000).rssBytes,
    heapGrowthAfterGcBytes:
      at(afterGc, 10_000).heapUsedAfterGcBytes - at(afterGc, 1_000).heapUsedAfterGcBytes,
  };
}

// ------------------------------------------------------------------------------------------ 5. context cost

const size = (value) => {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return { bytes: Buffer.byteLength(text), tokens: Math.round(text.length / 4) };
};

async function contextCost() {
  const rpc = new RpcChild(
    process.execPath,
    [DIST],
    env({ KNOCK_SERVICE_TOKEN: "x", KNOCK_MGMT_BASE_URL: "http://127.0.0.1:9" }),
  );
  try {
    const init = await initialize(rpc, LATEST_PROTOCOL_VERSION);
    const { tools } = await rpc.request("tools/list", {});
    let templates;
    try {
      const { resourceTemplates } = await rpc.request("resources/templates/list", {});
      templates = { available: true, count: resourceTemplates.length, ...size(resourceTemplates) };
    } catch (error) {
      templates = { available: false, count: 0, bytes: 0, tokens: 0, reason: error.message };
    }
    const instructions =
      typeof init.instructions === "string"
        ? { available: true, ...size(init.instructions) }
        : { available: false, bytes: 0, tokens: 0 };
    return {
      tools: {
        count: tools.length,
        ...size(tools),
        perTool: tools.map((tool) => ({
          name: tool.name,
          ...size(tool),
          descriptionBytes: size(tool.description ?? "").bytes,
          inputSchemaBytes: size(tool.inputSchema ?? {}).bytes,
          outputSchemaBytes: tool.outputSchema ? size(tool.outputSchema).bytes : 0,
        })),
      },
      resourceTemplates: templates,
      instructions,
    };
  } finally {
    await rpc.close();
  }
}

// ------------------------------------------------------------------------------------------- 6. footprint

function footprint() {
  // --ignore-scripts: prepack would rebuild; dist/ is already fresh at this point.
  const packed = JSON.parse(
    execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
      cwd: ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 60_000,
    }),
  )[0];
  // npm ls exits non-zero on any tree problem (extraneous, invalid) but still prints the tree.
  const ls = spawnSync("npm", ["ls", "--omit=dev", "--all", "--parseable"], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 60_000,
  });
  const paths = new Set(ls.stdout.split("\n").filter((line) => line.trim() !== "" && line !== ROOT));
  return {
    packedBytes: packed.size,
    unpackedBytes: packed.unpackedSize,
    files: packed.entryCount ?? packed.files.length,
    productionPackages: paths.size,
  };
}

// -------------------------------------------------------------------------------------------------- report

function machine() {
  let cpu = "unknown";
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1]?.trim() ?? cpu;
  } catch {}
  return {
    cpu,
    cores: cpus().length,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

const ms = (v) => `${v.toFixed(2)} ms`;
const kb = (v) => `${(v / 1024).toFixed(1)} KB`;
const mb = (v) => `${(v / 1024 / 1024).toFixed(1)} MB`;
const mark = (met) => (met ? "met" : "NOT MET");

function table(r) {
  const rows = [];
  const c = r.coldStart;
  rows.push(["Cold start, ours (median / p95)", `${ms(c.ours.median)} / ${ms(c.ours.p95)}`, "", ""]);
  rows.push([
    "Cold start, baseline (median / p95)",
    `${ms(c.baseline.median)} / ${ms(c.baseline.p95)}`,
    "",
    "",
  ]);
  rows.push(["Cold start ratio ours/baseline", `${c.ratio.toFixed(2)}×`, "≤ 1.00×", mark(r.aims.coldStart)]);
  const p = r.perCall;
  rows.push(["get_source via MCP (median / p95)", `${ms(p.mcp.median)} / ${ms(p.mcp.p95)}`, "", ""]);
  rows.push(["Same GET via undici (median / p95)", `${ms(p.raw.median)} / ${ms(p.raw.p95)}`, "", ""]);
  rows.push(["Per-call overhead (median diff)", ms(p.overheadMs), "≤ 1.50 ms", mark(r.aims.overhead)]);
  const t = r.throughput;
  rows.push([
    `Throughput (${t.rounds}×${t.concurrency} concurrent)`,
    `${Math.round(t.callsPerSecond)} calls/s`,
    "",
    "",
  ]);
  const m = r.memory;
  rows.push(["RSS after 1,000 / 10,000 calls", `${mb(m.rssAt1k)} / ${mb(m.rssAt10k)}`, "", ""]);
  rows.push(["RSS growth 1,000 → 10,000", mb(m.growthBytes), "≤ 5.0 MB", mark(r.aims.rssGrowth)]);
  rows.push([
    "Live heap after forced GC, growth",
    `${mb(m.heapGrowthAfterGcBytes)} (1,000 → 10,000)`,
    "",
    "",
  ]);
  const x = r.context;
  rows.push([
    `tools/list (${x.tools.count} tools)`,
    `${kb(x.tools.bytes)}, ~${x.tools.tokens} tokens`,
    "≤ 14.0 KB",
    mark(r.aims.toolsList),
  ]);
  rows.push([
    "resources/templates/list",
    x.resourceTemplates.available
      ? `${x.resourceTemplates.count} templates, ${kb(x.resourceTemplates.bytes)}, ~${x.resourceTemplates.tokens} tokens`
      : "n/a (0)",
    "",
    "",
  ]);
  rows.push([
    "Server instructions",
    x.instructions.available ? `${kb(x.instructions.bytes)}, ~${x.instructions.tokens} tokens` : "n/a (0)",
    "",
    "",
  ]);
  const f = r.footprint;
  rows.push([
    "npm pack (packed / unpacked)",
    `${kb(f.packedBytes)} / ${kb(f.unpackedBytes)}, ${f.files} files`,
    "",
    "",
  ]);
  rows.push(["Installed production packages", String(f.productionPackages), "", ""]);

  const head = ["Measure", "Figure", "Aim", "Status"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) => `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(" | ")} |`;
  const out = [
    `knock-sources-mcp bench — ${r.date}`,
    `Machine: ${r.machine.cpu}, ${r.machine.cores} cores, Node ${r.machine.node} (${r.machine.platform})`,
    `Build: ${r.build}`,
    "",
    line(head),
    `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
    ...rows.map(line),
    "",
    "Per tool (tools/list entry; of which description / inputSchema / outputSchema):",
    ...x.tools.perTool.map(
      (tool) =>
        `  ${tool.name.padEnd(24)} ${kb(tool.bytes).padStart(8)}  ~${String(tool.tokens).padStart(4)} tokens  ` +
        `(${kb(tool.descriptionBytes)} / ${kb(tool.inputSchemaBytes)} / ${kb(tool.outputSchemaBytes)})`,
    ),
    `  ${"all outputSchemas".padEnd(24)} ${kb(x.tools.perTool.reduce((a, t) => a + t.outputSchemaBytes, 0)).padStart(8)}`,
    "",
    `Memory, ${m.concurrency} calls in flight. RSS (calls → RSS): ${m.samples.map((s) => `${s.calls} → ${mb(s.rssBytes)}`).join(", ")}`,
    `  Second server, full GC forced at each sample (calls → live heap / RSS after GC): ${m.afterGc
      .map((s) => `${s.calls} → ${mb(s.heapUsedAfterGcBytes)} / ${mb(s.rssAfterGcBytes)}`)
      .join(", ")}`,
    "Units: KB = 1,024 bytes; tokens ≈ characters / 4; p95 = 95th percentile.",
    `Total time: ${(r.durationMs / 1000).toFixed(1)} s`,
  ];
  return out.join("\n");
}

async function main() {
  const began = performance.now();
  const build = ensureBuilt();
  log(`cold start: ${COLD_RUNS} runs each, interleaved`);
  const cold = await coldStart();
  log("context cost");
  const context = await contextCost();
  const emulator = await startEmulator();
  let calls;
  let mem;
  try {
    log(
      `per-call: ${SEQ_CALLS} sequential get_source vs raw undici; throughput ${THROUGHPUT_ROUNDS}×${THROUGHPUT_CONCURRENCY}`,
    );
    calls = await perCallAndThroughput(emulator.url);
    log(
      `memory: ${MEM_CHECKPOINTS.at(-1)} calls, ${MEM_CONCURRENCY} in flight, fresh server; then 10000 with forced GC`,
    );
    mem = await memory(emulator.url);
  } finally {
    await emulator.close();
  }
  log("footprint");
  const foot = footprint();
  const result = {
    date: new Date().toISOString(),
    machine: machine(),
    build,
    coldStart: cold,
    perCall: calls.perCall,
    throughput: calls.throughput,
    memory: mem,
    context,
    footprint: foot,
    aims: {
      coldStart: cold.ratio <= AIMS.coldRatio,
      overhead: calls.perCall.overheadMs <= AIMS.overheadMs,
      toolsList: context.tools.bytes <= AIMS.toolsListBytes,
      rssGrowth: mem.growthBytes <= AIMS.rssGrowthBytes,
    },
    aimValues: AIMS,
    durationMs: performance.now() - began,
  };
  process.stdout.write(JSON_OUT ? `${JSON.stringify(result, null, 2)}\n` : `${table(result)}\n`);
}

const watchdog = setTimeout(() => {
  log(`gave up after ${DEADLINE_MS / 1000} s`);
  killAll();
  process.exit(1);
}, DEADLINE_MS);
watchdog.unref();
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}
process.on("exit", killAll);

main().then(
  () => {
    clearTimeout(watchdog);
    killAll();
  },
  (error) => {
    log(`failed: ${error.stack ?? error}`);
    killAll();
    process.exitCode = 1;
  },
);
