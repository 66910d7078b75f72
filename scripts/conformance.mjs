#!/usr/bin/env node
// `npm run conformance [-- revision…]`: the official MCP conformance suite (@modelcontextprotocol/conformance,
// server mode) against the built server over Streamable HTTP (`dist/index.js --sandbox --port 0` on
// 127.0.0.1), once per protocol revision: `--spec-version 2025-11-25` (the 2025 era: the initialize
// handshake, through the SDK's stateless legacy fallback) and `--requirements 2026-07-28` (exactly what that
// revision requires: stateless, per-request _meta). conformance/expected-failures.yml lists the scenarios
// that need the suite's own fixture tools, prompts and resources; the suite judges every scenario against
// it (a listed one that passes fails the run too).
//
// stdout: a FAIL line per scenario that fails unexpectedly (or passes while listed), one tally line per
// revision, the number of expected failures, then "conformance: N passed, N failed". N counts scenarios:
// an expected failure counts neither as passed nor as failed, and neither does a scenario that
// --requirements runs without scoring it (extensions, pending scenarios: a line under the tally names
// those that fail). The suite's own output goes to stderr when a run fails.
//
// The suite (0.2.0-alpha.12: the stable 0.1.16 has no --requirements and no 2026-07-28 scenarios) needs
// Node >= 22, so it runs from tools/conformance/ on its Node 22 (see tools-package.mjs), the server on the
// Node running this script.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { ENTRY, ensureBuilt, ROOT } from "./ensure-built.mjs";
import { toolsPackage } from "./tools-package.mjs";

const TOOLS = toolsPackage("conformance", { tool: "the conformance suite", minNode: [22, 0] });
const SUITE_PACKAGE = join(TOOLS.dir, "node_modules/@modelcontextprotocol/conformance");
const SUITE = join(SUITE_PACKAGE, "dist/index.js");
const EXPECTED = join(ROOT, "conformance", "expected-failures.yml");
const REVISIONS = {
  "2025-11-25": ["--spec-version", "2025-11-25"],
  "2026-07-28": ["--requirements", "2026-07-28"],
};
const START_MS = 15_000;
const RUN_MS = 5 * 60_000;

/** Runs a command to its end (or `timeoutMs`), without blocking this process's event loop. */
function run(command, args, timeoutMs) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (chunk) => (output += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk) => (output += chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.once("close", (status) => {
      clearTimeout(timer);
      resolve({ status, timedOut, output });
    });
  });
}

/** Starts the server on a free loopback port; resolves once it prints the URL it serves MCP at. */
function startServer() {
  const args = [ENTRY, "--sandbox", "--host", "127.0.0.1", "--port", "0"];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
  // The last lines of its stderr (one access-log line per request), shown when something fails.
  const tail = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`the server printed no URL within ${START_MS / 1000} s:\n${tail.join("\n")}`));
    }, START_MS);
    let partial = "";
    child.stderr.setEncoding("utf8").on("data", (chunk) => {
      const lines = (partial + chunk).split("\n");
      partial = lines.pop();
      for (const line of lines) {
        tail.push(line);
        if (tail.length > 30) tail.shift();
        const url = /serving MCP over Streamable HTTP at (http:\/\/\S+\/mcp)/.exec(line)?.[1];
        if (url) {
          clearTimeout(timer);
          resolve({ child, url, tail });
        }
      }
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${signal ?? code}) before serving:\n${tail.join("\n")}`));
    });
  });
}

async function stopServer(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

// The scenarios a --requirements run runs without scoring them, by reason, from the suite's requirement set
// (read with the suite's own YAML parser).
function unscoredBy(revisionArgs) {
  if (revisionArgs[0] !== "--requirements") return new Map();
  const yaml = createRequire(join(TOOLS.dir, "package.json"))("yaml");
  const set = yaml.parse(
    readFileSync(join(SUITE_PACKAGE, "requirements", `${revisionArgs[1]}.yaml`), "utf8"),
  );
  return new Map(set.not_scored.filter((n) => n.leg === "server").map((n) => [n.scenario, n.reason]));
}

/**
 * What the suite printed, less its colours: the scenarios it ran, the ✓/✗ of each by its failed checks,
 * and its verdicts against the expected failures, by entry (`scenario` or `scenario:check-id`).
 */
function parseOutput(output) {
  const text = stripVTControlCharacters(output);
  const ran = [...text.matchAll(/^=== Running scenario: (\S+) ===$/gm)].map((m) => m[1]);
  const summary = new Map(
    [...text.matchAll(/^([✓✗]) (\S+): \d+ passed, \d+ failed$/gm)].map((m) => [m[2], m[1] === "✓"]),
  );
  const verdicts = { expected: [], stale: [], unexpected: [] };
  const headings = [
    ["Expected failures (in baseline):", "expected"],
    ["Stale baseline entries", "stale"],
    ["Unexpected failures (not in baseline):", "unexpected"],
  ];
  let section;
  for (const line of text.split("\n")) {
    const heading = headings.find(([start]) => line.startsWith(start));
    if (heading) section = heading[1];
    else if (section && /^ {2}[~✓✗] \S+$/.test(line)) verdicts[section].push(line.slice(4));
    else section = undefined;
  }
  return {
    ran,
    summary,
    verdicts,
    baselineChecked: /^Baseline (check passed|is stale)|^Unexpected failures detected/m.test(text),
  };
}

/** The checks the suite saved for a scenario (its -o folder: server-<scenario>-<timestamp>/checks.json). */
function checksOf(resultsDir, scenario) {
  const dir = readdirSync(resultsDir).find((name) =>
    new RegExp(`^server-${scenario.replace(/[^\w-]/g, "\\$&")}-\\d{4}-\\d\\d-\\d\\dT`).test(name),
  );
  if (!dir) return [];
  try {
    return JSON.parse(readFileSync(join(resultsDir, dir, "checks.json"), "utf8"));
  } catch {
    return [];
  }
}

/** What a FAIL line says about a verdict entry: the failed checks and their messages. */
function describe(resultsDir, entry, stale) {
  const [scenario, checkId] = entry.split(":");
  if (stale)
    return `${checkId ?? "the scenario"} passes: remove ${entry} from conformance/expected-failures.yml`;
  const failed = checksOf(resultsDir, scenario).filter(
    (c) => (c.status === "FAILURE" || c.status === "WARNING") && (!checkId || c.id === checkId),
  );
  if (failed.length === 0) return checkId ? `${checkId} failed` : "failed (no checks saved)";
  return failed
    .map((c) => `${c.id}${c.status === "WARNING" ? " (warning)" : ""}: ${c.errorMessage ?? c.description}`)
    .join("; ");
}

async function runRevision(node, url, revision) {
  const args = REVISIONS[revision];
  const resultsDir = mkdtempSync(join(tmpdir(), `conformance-${revision}-`));
  const suiteArgs = [
    SUITE,
    "server",
    "--url",
    url,
    ...args,
    "--expected-failures",
    EXPECTED,
    "-o",
    resultsDir,
  ];
  const { status, timedOut, output } = await run(node, suiteArgs, RUN_MS);
  const { ran, summary, verdicts, baselineChecked } = parseOutput(output);
  const unscored = unscoredBy(args);
  const scored = ran.filter((scenario) => !unscored.has(scenario));

  const scenarioOf = (entry) => entry.split(":")[0];
  const failing = new Set([...verdicts.unexpected, ...verdicts.stale].map(scenarioOf));
  const expected = new Set(verdicts.expected.map(scenarioOf).filter((s) => !failing.has(s)));
  // Per scenario: failed when the suite names it (or one of its checks) as an unexpected failure or a stale
  // entry; an expected failure when it failed only where the file lets it (a scenario listed per check
  // counts here when just those checks failed); passed otherwise.
  const tally = { passed: 0, failed: 0, expected: 0 };
  for (const scenario of scored) {
    if (failing.has(scenario)) tally.failed++;
    else if (expected.has(scenario)) tally.expected++;
    else tally.passed++;
  }
  const lines = [];
  for (const entry of verdicts.unexpected)
    lines.push(`FAIL ${revision} ${entry.padEnd(32)} ${describe(resultsDir, entry, false)}\n`);
  for (const entry of verdicts.stale)
    lines.push(`FAIL ${revision} ${entry.padEnd(32)} ${describe(resultsDir, entry, true)}\n`);

  // A run that ended without the suite's verdict (a crash, a time-out, an unreadable expected-failures
  // file) counts as one failed scenario and nothing passed; one whose exit code disagrees with the
  // verdicts read here, as one failed scenario more.
  const suiteFailed = status !== 0;
  if (timedOut || !baselineChecked || scored.length === 0 || suiteFailed !== tally.failed > 0) {
    const printed = stripVTControlCharacters(output).trimEnd().split("\n");
    const said = printed.find((l) => /^(Server test error|Validation error)/.test(l)) ?? printed.at(-1);
    const why = timedOut ? `timed out after ${RUN_MS / 1000} s` : `exited ${status}: ${said}`;
    lines.push(`FAIL ${revision} the suite ${why}\n`);
    if (timedOut || !baselineChecked || scored.length === 0) Object.assign(tally, { passed: 0, expected: 0 });
    if (tally.failed === 0) tally.failed = 1;
  }

  // Expected failures count neither as passed nor as failed; nor do the scenarios run unscored.
  lines.push(
    `${revision} (${args.join(" ")}): ${scored.length} scenarios: ${tally.passed} passed, ` +
      `${tally.failed} failed, ${tally.expected} expected failures` +
      (unscored.size > 0
        ? `; ${unscored.size} more run unscored (${[...new Set(unscored.values())].join(", ")})`
        : "") +
      "\n",
  );
  const failingUnscored = [...unscored.keys()].filter((s) => ran.includes(s) && summary.get(s) === false);
  if (failingUnscored.length > 0)
    lines.push(`  unscored, with failed checks: ${failingUnscored.join(" ")}\n`);

  // The suite's own output first, so that this revision's FAIL lines and tally stay together below it.
  if (tally.failed > 0) {
    process.stderr.write(`${output.trimEnd().replace(/^/gm, "    ")}\n`);
    process.stderr.write(`conformance ${revision}: the suite's results are in ${resultsDir}\n`);
  } else {
    rmSync(resultsDir, { recursive: true, force: true });
  }
  process.stdout.write(lines.join(""));
  return tally;
}

const revisions = process.argv.slice(2).length > 0 ? process.argv.slice(2) : Object.keys(REVISIONS);
const unknown = revisions.filter((revision) => !(revision in REVISIONS));
if (unknown.length > 0) {
  const usage = `usage: npm run conformance [-- ${Object.keys(REVISIONS).join("|")}…]`;
  process.stderr.write(`${usage}; unknown: ${unknown.join(" ")}\n`);
  process.exit(2);
}

let node;
let server;
try {
  ensureBuilt();
  TOOLS.ensureInstalled();
  node = TOOLS.node();
  server = await startServer();
} catch (error) {
  process.stderr.write(`conformance: ${error.message}\n`);
  process.exit(1);
}
const nodeVersion = (await run(node, ["--version"], 10_000)).output.trim();
process.stdout.write(
  `MCP conformance suite ${TOOLS.installedVersion("@modelcontextprotocol/conformance")} on Node ${nodeVersion}; ` +
    `server: Node ${process.version} ${relative(ROOT, ENTRY)} --sandbox at ${server.url}\n`,
);

const total = { passed: 0, failed: 0, expected: 0 };
try {
  for (const revision of revisions) {
    const tally = await runRevision(node, server.url, revision);
    for (const key of Object.keys(total)) total[key] += tally[key];
  }
} finally {
  if (server.child.exitCode !== null) {
    process.stdout.write(`FAIL the server exited (${server.child.exitCode}) during the run\n`);
    process.stderr.write(`${server.tail.join("\n")}\n`);
    total.failed++;
  }
  await stopServer(server.child);
}
process.stdout.write(
  `expected failures: ${total.expected} scenarios (${relative(ROOT, EXPECTED)}), counted neither as passed nor as failed\n`,
);
process.stdout.write(`conformance: ${total.passed} passed, ${total.failed} failed\n`);
process.exitCode = total.failed > 0 ? 1 : 0;
