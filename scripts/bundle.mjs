#!/usr/bin/env node
// `npm run bundle [-- OUTPUT]`: an MCP Bundle (knock-sources-mcp.mcpb by default) that Claude Desktop installs
// with one click. It holds mcpb/manifest.json, the built server (dist/ as server/, which needs no
// node_modules: everything is bundled), a package.json that makes server/*.js ES modules, and the licences.
// The manifest maps the user's settings (token, environment, read-only, sandbox) to the server's variables.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ensureBuilt, ROOT } from "./ensure-built.mjs";

const output = resolve(process.argv[2] ?? join(ROOT, "knock-sources-mcp.mcpb"));
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
const manifest = JSON.parse(readFileSync(join(ROOT, "mcpb", "manifest.json"), "utf8"));
if (manifest.version !== pkg.version || manifest.name !== pkg.name) {
  throw new Error(
    `mcpb/manifest.json says ${manifest.name}@${manifest.version}, package.json ${pkg.name}@${pkg.version}`,
  );
}

// Never a bundle of stale code: dist/ is rebuilt when it is missing or older than src/.
ensureBuilt();

const stage = mkdtempSync(join(tmpdir(), "knock-sources-mcpb-"));
try {
  // The $schema path only resolves in the checkout; a bundle's manifest stands alone.
  const { $schema: _schema, ...shipped } = manifest;
  writeFileSync(join(stage, "manifest.json"), `${JSON.stringify(shipped, null, 2)}\n`);
  writeFileSync(
    join(stage, "package.json"),
    `${JSON.stringify({ name: pkg.name, version: pkg.version, private: true, type: "module", license: pkg.license }, null, 2)}\n`,
  );
  cpSync(join(ROOT, "dist"), join(stage, "server"), { recursive: true });
  cpSync(join(ROOT, "LICENSE"), join(stage, "LICENSE"));
  cpSync(join(ROOT, "README.md"), join(stage, "README.md"));
  run(join(ROOT, "node_modules", ".bin", "mcpb"), ["pack", stage, output]);
  process.stderr.write(`bundle written to ${output}\n`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}

function run(command, args) {
  // The tools' output goes to stderr: stdout stays the caller's.
  const result = spawnSync(command, args, { cwd: ROOT, stdio: ["ignore", 2, 2] });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed`);
}
