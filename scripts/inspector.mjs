#!/usr/bin/env node
// `npm run inspector [-- era…]`: checks the built server with the official MCP Inspector CLI, as a third-party
// client sees it, in each protocol era (default: modern and auto). One line per check on stdout, then
// "inspector: N passed, N failed"; the Inspector's own stderr goes to stderr when a check fails.
//
// The Inspector (2.12) needs Node >= 22.19 while the server's floor is Node 20.18, so the two run apart: the
// Inspector from tools/inspector/, on its Node 22 (see tools-package.mjs), the server on the Node running
// this script.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ENTRY, ensureBuilt, ROOT } from "./ensure-built.mjs";
import { toolsPackage } from "./tools-package.mjs";

const TOOLS = toolsPackage("inspector", { tool: "the Inspector", minNode: [22, 19] });
const INSPECTOR = join(
  TOOLS.dir,
  "node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js",
);
const ERAS = ["modern", "auto", "legacy"];
const TIMEOUT_MS = 60_000;

// The sandbox seeds a source "stripe" (see list_sources) and serves the provider templates.
const CHECKS = [
  {
    name: "tools/list --strict",
    args: ["--method", "tools/list", "--strict"],
    verify: ({ result, schemaFindings = [] }) => {
      const findings = schemaFindings.flatMap(({ toolName, findings }) =>
        findings.map((f) => ({ toolName, ...f })),
      );
      const errors = findings.filter((f) => f.severity === "error").length;
      const summary = `${result.tools.length} tools, ${errors} errors, ${findings.length - errors} warnings`;
      const [first] = findings;
      if (first)
        throw new Error(`${summary}; first: ${first.toolName} ${first.schema} ${first.path}: ${first.issue}`);
      return summary;
    },
  },
  {
    name: "tools/call get_source",
    args: ["--method", "tools/call", "--tool-name", "get_source", "--tool-args-json", '{"key":"stripe"}'],
    verify: ({ result }) => {
      if (result.structuredContent?.key !== "stripe") throw new Error("the result is not the source stripe");
      return "source stripe";
    },
  },
  {
    name: "resources/templates/list",
    args: ["--method", "resources/templates/list"],
    verify: ({ result }) => {
      const uris = result.resourceTemplates.map((t) => t.uriTemplate);
      if (!uris.includes("knock://source-providers/{provider}"))
        throw new Error(`no provider template in ${uris}`);
      return `${uris.length} templates`;
    },
  },
  {
    name: "resources/read",
    args: ["--method", "resources/read", "--uri", "knock://source-providers/stripe"],
    verify: ({ result }) => {
      const [content] = result.contents;
      if (JSON.parse(content.text).key !== "stripe")
        throw new Error("the contents are not the stripe template");
      return `${content.uri} (${content.text.length} chars)`;
    },
  },
];

// One Inspector run. Its --format json puts the result on stdout and an {"error": …} envelope on stderr
// (exit 5 for an isError result, 6 for a --strict error). -e: the Inspector does not pass on this
// process's environment, so the sandbox is switched on explicitly. Returns the check's summary, or throws
// with the Inspector's stderr attached as details.
function run(node, era, check) {
  const args = [INSPECTOR, "--cli", "--protocol-era", era, "--format", "json", "-e", "KNOCK_SANDBOX=true"];
  const child = spawnSync(node, [...args, ...check.args, process.execPath, ENTRY], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: TIMEOUT_MS,
  });
  // What the Inspector said on stderr, less the error envelope that the FAIL line already quotes.
  let details = child.stderr ?? "";
  try {
    if (child.error?.code === "ETIMEDOUT") throw new Error(`timed out after ${TIMEOUT_MS / 1000} s`);
    if (child.error) throw child.error;
    if (child.status === 0) return check.verify(JSON.parse(child.stdout));
    const lines = details.trimEnd().split("\n");
    let message = lines.at(-1) || "no output";
    try {
      message = JSON.parse(message).error.message;
      details = lines.slice(0, -1).join("\n");
      // An isError result is on stdout: its text says why.
      const text = JSON.parse(child.stdout).result?.content?.[0]?.text;
      if (text) message += ` ${text}`;
    } catch {}
    // The Inspector's wording when server/discover brings no 2026-era answer (a 2025-era server says
    // "Method not found"): say what it means for this server.
    if (era === "modern" && message.includes("via server/discover"))
      message += ": the server speaks only the 2025 era (initialize)";
    throw new Error(`exit ${child.status}: ${message}`);
  } catch (error) {
    error.details = details;
    throw error;
  }
}

const eras = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ["modern", "auto"];
const unknown = eras.filter((era) => !ERAS.includes(era));
if (unknown.length > 0) {
  process.stderr.write(`usage: npm run inspector [-- ${ERAS.join("|")}…]; unknown: ${unknown.join(" ")}\n`);
  process.exit(2);
}

let node;
try {
  ensureBuilt();
  TOOLS.ensureInstalled();
  node = TOOLS.node();
} catch (error) {
  process.stderr.write(`inspector: ${error.message}\n`);
  process.exit(1);
}
const nodeVersion = spawnSync(node, ["--version"], { encoding: "utf8" }).stdout.trim();
process.stdout.write(
  `MCP Inspector ${TOOLS.installedVersion("@modelcontextprotocol/inspector")} on Node ${nodeVersion}; ` +
    `server: Node ${process.version} ${process.execPath} dist/index.js, KNOCK_SANDBOX=true\n`,
);

let passed = 0;
let failed = 0;
for (const era of eras) {
  for (const check of CHECKS) {
    const label = `${era.padEnd(6)} ${check.name.padEnd(24)}`;
    try {
      process.stdout.write(`ok   ${label} ${run(node, era, check)}\n`);
      passed++;
    } catch (error) {
      process.stdout.write(`FAIL ${label} ${error.message}\n`);
      if (error.details?.trim()) process.stderr.write(`${error.details.trimEnd().replace(/^/gm, "    ")}\n`);
      failed++;
    }
  }
}
process.stdout.write(`inspector: ${passed} passed, ${failed} failed\n`);
process.exitCode = failed > 0 ? 1 : 0;
