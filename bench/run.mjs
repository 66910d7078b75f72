#!/usr/bin/env node
// `npm run bench`: start-up and per-call time in both protocol eras (2025-11-25, 2026-07-28) against bare
// SDK v2 servers, throughput, memory, context cost and package footprint of the built server
// (dist/index.js), each printed next to its aim. `--json` prints one JSON object instead. Builds first when
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
import { ERAS, killAll } from "./lib.mjs";
import { MEM_CHECKPOINTS, MEM_CONCURRENCY, memory } from "./memory.mjs";
import { findings, machine, table } from "./report.mjs";
import { startEmulator } from "./servers.mjs";

const JSON_OUT = process.argv.includes("--json");
const DEADLINE_MS = 280_000;
const AIMS = {
  coldRatio: 1.0,
  perCallRatio: 1.0,
  overheadMs: 1.5,
  toolsListBytes: 14 * 1024,
  rssGrowthBytes: 5 * 1024 * 1024,
};
/** Per era: whether `figure` (null when not measured) is within `aim`; null when not measured. */
const perEra = (byEra, figure, aim) =>
  Object.fromEntries(ERAS.map((v) => [v, byEra[v][figure] === null ? null : byEra[v][figure] <= aim]));

const log = (line) => process.stderr.write(`bench: ${line}\n`);

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
  try {
    log(
      `per-call: ${SEQ_CALLS} get_source per era, ours / fetch server / raw undici interleaved; throughput ${THROUGHPUT_ROUNDS}×${THROUGHPUT_CONCURRENCY}`,
    );
    calls = await perCallAndThroughput(emulator.url, eras);
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
    eras,
    coldStart: cold,
    perCall: calls.perCall,
    throughput: calls.throughput,
    memory: mem,
    context,
    footprint: foot,
    findings: findings(eras, cold, calls.perCall),
    aims: {
      coldStart: perEra(cold.eras, "ratio", AIMS.coldRatio),
      perCall: perEra(calls.perCall.eras, "ratio", AIMS.perCallRatio),
      overhead: perEra(calls.perCall.eras, "overheadMs", AIMS.overheadMs),
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
