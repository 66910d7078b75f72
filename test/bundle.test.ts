// The MCP Bundle Claude Desktop installs: its manifest passes `mcpb validate`, matches package.json and
// maps each user setting to a variable the server reads; the packed bundle's entry point starts and answers.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { OPTIONS } from "../src/config.js";
import { type Spawned, spawnServer } from "./helpers/spawn.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const MCPB = join(ROOT, "node_modules", ".bin", "mcpb");
const run = promisify(execFile);
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
const manifest = JSON.parse(readFileSync(join(ROOT, "mcpb", "manifest.json"), "utf8"));

const work = mkdtempSync(join(tmpdir(), "knock-sources-bundle-test-"));
const running: Spawned[] = [];
afterAll(() => {
  for (const s of running) s.child.kill("SIGKILL");
  rmSync(work, { recursive: true, force: true });
});

/** What a host does with mcp_config: ${__dirname} is the unpacked bundle, ${user_config.x} the user's value. */
function substitute(text: string, dir: string, userConfig: Record<string, string>): string {
  return (
    text
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the manifest's own placeholder, literally.
      .replaceAll("${__dirname}", dir)
      .replace(/\$\{user_config\.([a-z_]+)\}/g, (_, key: string) => userConfig[key] ?? "")
  );
}

describe("the MCP Bundle", () => {
  it("has a manifest (version 0.4) that mcpb validate accepts, named and versioned as package.json", async () => {
    const { stdout } = await run(MCPB, ["validate", join(ROOT, "mcpb", "manifest.json")]);
    expect(stdout).toMatch(/validation passes/);
    expect(manifest.manifest_version).toBe("0.4");
    expect(manifest.name).toBe(pkg.name);
    expect(manifest.version).toBe(pkg.version);
  });

  it("asks for the token (sensitive), the environment and read-only mode, each mapped to a variable the server reads", () => {
    expect(manifest.user_config.service_token).toMatchObject({ type: "string", sensitive: true });
    expect(manifest.user_config.environment).toMatchObject({ type: "string", default: "development" });
    expect(manifest.user_config.read_only).toMatchObject({ type: "boolean", default: false });
    const env: Record<string, string> = manifest.server.mcp_config.env;
    const known = new Set(OPTIONS.map((o) => o.env));
    for (const name of Object.keys(env)) expect(known).toContain(name);
    const mapped = Object.values(env).map((v) => /^\$\{user_config\.([a-z_]+)\}$/.exec(v)?.[1]);
    expect(mapped.sort()).toEqual(Object.keys(manifest.user_config).sort());
  });

  it("npm run bundle packs a bundle whose entry point starts, as a host runs it, and answers", async () => {
    const bundle = join(work, "knock-sources-mcp.mcpb");
    await run(process.execPath, [join(ROOT, "scripts", "bundle.mjs"), bundle], { cwd: ROOT });
    const unpacked = join(work, "unpacked");
    await run(MCPB, ["unpack", bundle, unpacked]);
    const shipped = JSON.parse(readFileSync(join(unpacked, "manifest.json"), "utf8"));
    expect(shipped.version).toBe(pkg.version);

    // The user turned the sandbox on and left the rest as it came; an empty token counts as unset.
    const userConfig = { service_token: "", environment: "development", read_only: "false", sandbox: "true" };
    const { command, args, env } = shipped.server.mcp_config as {
      command: string;
      args: string[];
      env: Record<string, string>;
    };
    expect(command).toBe("node");
    const [entry, ...rest] = args.map((a) => substitute(a, unpacked, userConfig));
    const server = spawnServer(
      rest,
      Object.fromEntries(Object.entries(env).map(([k, v]) => [k, substitute(v, unpacked, userConfig)])),
      entry,
    );
    running.push(server);
    const init = await server.initialize();
    expect(init.serverInfo).toMatchObject({ name: "knock-sources-mcp", version: pkg.version });
    const call = await server.request("tools/call", { name: "list_source_providers", arguments: {} });
    expect(call.result.isError).toBeUndefined();
    expect(call.result.structuredContent.entries.length).toBeGreaterThan(0);
    expect(server.stderr()).toMatch(/local sandbox/);
    server.child.stdin.end();
    expect((await server.exited).code).toBe(0);
  }, 60_000);
});
