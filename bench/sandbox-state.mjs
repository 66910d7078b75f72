#!/usr/bin/env node
// `npm run bench:sandbox`: what keeping the sandbox's state on disk costs a rehearsal. It starts the built
// emulator (`sandbox-server`) twice — once in memory, once with `--state FILE` — and sends each the same
// rehearsals of ~1 MB payloads (a user.created event of the seeded app-webhooks source, whose workflow
// mapping copies body.data into its action payload, so each log holds the payload twice). It prints the
// median and p95 time per rehearsal of each, and the size on disk afterwards. `--json` prints one object;
// `--rehearsals N` changes the count (default 30). Not a test: the figures are findings.
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { ensureBuilt } from "../scripts/ensure-built.mjs";
import { killAll } from "./lib.mjs";
import { startEmulator } from "./servers.mjs";

const JSON_OUT = process.argv.includes("--json");
const countAt = process.argv.indexOf("--rehearsals");
const REHEARSALS = countAt > 0 ? Number(process.argv[countAt + 1]) : 30;
const PAYLOAD_BYTES = 1_000_000;
const log = (line) => process.stderr.write(`bench:sandbox: ${line}\n`);

/** A payload of about PAYLOAD_BYTES of JSON, distinct per `n` (its id is the idempotency key). */
function payload(n) {
  const body = {
    id: `evt_bench_${n}`,
    type: "user.created",
    data: { user: { id: `user_${n}`, email: `u${n}@example.com`, name: `User ${n}` }, blob: "" },
  };
  const base = JSON.stringify({ body, headers: {} }).length;
  body.data.blob = "x".repeat(PAYLOAD_BYTES - base);
  return { body, headers: { "content-type": "application/json" } };
}

/** How many logs the source still lists in development (its status counts them). */
async function logsKept(url) {
  const res = await fetch(`${url}/v1/sources/app-webhooks/status?environment=development`, {
    headers: { authorization: "Bearer bench" },
  });
  return (await res.json()).events_count;
}

async function rehearseAll(url) {
  const times = [];
  for (let n = 0; n < REHEARSALS; n++) {
    const text = JSON.stringify({ payload: payload(n) });
    const started = performance.now();
    const res = await fetch(`${url}/v1/sources/app-webhooks/rehearse?environment=development`, {
      method: "POST",
      headers: { authorization: "Bearer bench", "content-type": "application/json" },
      body: text,
    });
    const answer = await res.json();
    times.push(performance.now() - started);
    if (res.status !== 200 || answer.status !== "ok") {
      throw new Error(`rehearsal ${n} answered ${res.status} ${JSON.stringify(answer).slice(0, 300)}`);
    }
  }
  return times;
}

const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};
const summary = (times) => ({
  medianMs: Number(quantile(times, 0.5).toFixed(1)),
  p95Ms: Number(quantile(times, 0.95).toFixed(1)),
  lastMs: Number(times.at(-1).toFixed(1)),
});

async function main() {
  const build = ensureBuilt();
  const dir = mkdtempSync(join(tmpdir(), "knock-bench-state-"));
  try {
    log(`${REHEARSALS} rehearsals of ${PAYLOAD_BYTES} bytes, in memory`);
    const memory = await startEmulator([]);
    const inMemory = await rehearseAll(memory.url);
    const keptInMemory = await logsKept(memory.url).finally(() => memory.close());
    log(`${REHEARSALS} rehearsals of ${PAYLOAD_BYTES} bytes, with --state`);
    const state = join(dir, "state.json");
    const persisted = await startEmulator(["--state", state]);
    const onDisk = await rehearseAll(persisted.url);
    const keptOnDisk = await logsKept(persisted.url).finally(() => persisted.close());
    const files = Object.fromEntries(readdirSync(dir).map((name) => [name, statSync(join(dir, name)).size]));
    const result = {
      date: new Date().toISOString(),
      build,
      rehearsals: REHEARSALS,
      payloadBytes: PAYLOAD_BYTES,
      inMemory: { ...summary(inMemory), logsKept: keptInMemory },
      withState: { ...summary(onDisk), logsKept: keptOnDisk },
      files,
    };
    if (JSON_OUT) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
      const line = (name, s) =>
        `${name.padEnd(14)} median ${s.medianMs} ms, p95 ${s.p95Ms} ms, last ${s.lastMs} ms; ${s.logsKept} logs of the source kept`;
      const lines = [
        `${REHEARSALS} rehearsals of ${mb(PAYLOAD_BYTES)} payloads against the emulator:`,
        line("in memory", result.inMemory),
        line("with --state", result.withState),
        `on disk afterwards: ${Object.entries(files)
          .map(([name, size]) => `${name} ${mb(size)}`)
          .join(", ")}`,
      ];
      process.stdout.write(`${lines.join("\n")}\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

process.on("exit", killAll);
main().catch((error) => {
  log(`failed: ${error.stack ?? error}`);
  killAll();
  process.exitCode = 1;
});
