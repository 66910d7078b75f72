#!/usr/bin/env node
// `npm run bench`: start-up and per-call time in both protocol eras (2025-11-25, 2026-07-28) against bare
// SDK v2 servers, throughput, memory, MCP over Streamable HTTP (throughput, latency and RSS against a bare SDK
// v2 HTTP server), context cost and package footprint of the built server (dist/index.js), each printed next
// to its aim. `--json` prints one JSON object instead. Builds first when
// dist/ is missing or older than src/. Everything runs locally: the Knock API is the project's own emulator
// (`sandbox-server`) on 127.0.0.1. Not a test: figures short of an aim, and a server that does not answer
// an era, are findings.
import { performance } from "node:perf_hooks";
import { ensureBuilt } from "../scripts/ensure-built.mjs";
import { perCallAndThroughput, SEQ_CALLS, THROUGHPUT_CONCURRENCY, THROUGHPUT_ROUNDS } from "./calls.mjs";
import { COLD_RUNS, coldStart } from "./cold-start.mjs";
import { contextCost } from "./context-cost.mjs";
import { eraCheck } from "./eras.mjs";
import { footprint } from "./footprint.mjs";
import {
  HTTP_LEVELS,
  HTTP_MEM_CHECKPOINTS,
  HTTP_MEM_CONCURRENCY,
  HTTP_ROUNDS,
  httpMemory,
  httpThroughput,
  MEM_CAP_MS,
} from "./http.mjs";
import { ERAS, killAll } from "./lib.mjs";
import { MEM_CHECKPOINTS, MEM_CONCURRENCY, memory } from "./memory.mjs";
import { findings, machine, table } from "./report.mjs";
import { startEmulator } from "./servers.mjs";

const JSON_OUT = process.argv.includes("--json");
const DEADLINE_MS = 330_000;
/** Kept free at the end of the run for the footprint (npm pack) and the report. */
const MARGIN_MS = 25_000;
const AIMS = {
  coldRatio: 1.0,
  perCallRatio: 1.0,
  overheadMs: 1.5,
  toolsListBytes: 14 * 1024,
  rssGrowthBytes: 5 * 1024 * 1024,
  httpThroughputRatio: 1.0,
  httpP99Ratio: 1.0,
  httpRssGrowthBytes: 10 * 1024 * 1024,
};
/** The concurrency level the HTTP aims are judged at. */
const HTTP_AIM_LEVEL = 64;
/** Per era: whether `figure` (null when not measured) is within `aim`; null when not measured. */
const perEra = (byEra, figure, aim) =>
  Object.fromEntries(ERAS.map((v) => [v, byEra[v][figure] === null ? null : byEra[v][figure] <= aim]));

/** The HTTP aims, at HTTP_AIM_LEVEL callers; null where a server gave no figure. */
function httpAims(http, httpMem) {
  const level = http.levels.find((l) => l.concurrency === HTTP_AIM_LEVEL);
  const judged = (ratio, met) => (ratio === null || ratio === undefined ? null : met(ratio));
  return {
    httpThroughput: judged(level?.throughputRatio, (r) => r >= AIMS.httpThroughputRatio),
    httpP99: judged(level?.p99Ratio, (r) => r <= AIMS.httpP99Ratio),
    // A run cut short by its time cap is judged only when it already grew past the aim.
    httpRssGrowth:
      httpMem.growthBytes === null
        ? null
        : httpMem.complete || httpMem.growthBytes > AIMS.httpRssGrowthBytes
          ? httpMem.growthBytes <= AIMS.httpRssGrowthBytes
          : null,
  };
}

const started = performance.now();
const log = (line) =>
  process.stderr.write(`bench: ${line} (at ${((performance.now() - started) / 1000).toFixed(0)} s)\n`);

async function main() {
  const began = performance.now();
  const build = ensureBuilt();
  log(`eras: which server answers ${ERAS.join(" and ")} (SDK v2 Client)`);
  const eras = await eraCheck();
  log(`cold start: ${COLD_RUNS} runs each per era, interleaved`);
  const cold = await coldStart(eras);
  log("context cost");
  const context = await contextCost();
  const emulator = await startEmulator();
  let calls;
  let mem;
  let http;
  let httpMem;
  try {
    log(
      `per-call: ${SEQ_CALLS} get_source per era, ours / fetch server / raw undici interleaved; throughput ${THROUGHPUT_ROUNDS}×${THROUGHPUT_CONCURRENCY}`,
    );
    calls = await perCallAndThroughput(emulator.url, eras);
    log(
      `memory: ${MEM_CHECKPOINTS.at(-1)} calls, ${MEM_CONCURRENCY} in flight, fresh server; then 10000 with forced GC`,
    );
    mem = await memory(emulator.url);
    log(
      `http: get_source at ${HTTP_LEVELS.join(", ")} callers, ours / bare SDK v2 HTTP server, ${HTTP_ROUNDS} interleaved rounds each (2026-07-28)`,
    );
    http = await httpThroughput(emulator);
    log(
      `http memory: ${HTTP_MEM_CHECKPOINTS.at(-1)} requests, ${HTTP_MEM_CONCURRENCY} in flight, fresh replica of ours`,
    );
    // Within what is left of the run's deadline, less a margin for the footprint and the report.
    httpMem = await httpMemory(
      emulator,
      Math.min(MEM_CAP_MS, DEADLINE_MS - (performance.now() - began) - MARGIN_MS),
    );
  } finally {
    await emulator.close();
  }
  log("footprint");
  const foot = footprint();
  const result = {
    date: new Date().toISOString(),
    machine: machine(),
    build,
    eras,
    coldStart: cold,
    perCall: calls.perCall,
    throughput: calls.throughput,
    memory: mem,
    http: { ...http, memory: httpMem },
    context,
    footprint: foot,
    findings: findings(eras, cold, calls.perCall, http, httpMem),
    aims: {
      coldStart: perEra(cold.eras, "ratio", AIMS.coldRatio),
      perCall: perEra(calls.perCall.eras, "ratio", AIMS.perCallRatio),
      overhead: perEra(calls.perCall.eras, "overheadMs", AIMS.overheadMs),
      toolsList: context.tools.bytes <= AIMS.toolsListBytes,
      rssGrowth: mem.growthBytes <= AIMS.rssGrowthBytes,
      ...httpAims(http, httpMem),
    },
    aimValues: { ...AIMS, httpAimLevel: HTTP_AIM_LEVEL },
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
