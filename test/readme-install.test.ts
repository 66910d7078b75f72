// The README's host snippets must start a working server: each sandbox entry (Claude Desktop, Cursor,
// VS Code JSON; the Claude Code command line) is run as its host would run it, through initialize and a call.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, expect, it } from "vitest";
import { type Spawned, spawnServer } from "./helpers/spawn.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const install = readme.split("## Install and connect")[1]?.split("\n## ")[0] ?? "";
const here = (text: string) => text.replaceAll("/path/to/knock-sources-mcp", ROOT);

interface Entry {
  command: string;
  args: string[];
  env?: Record<string, string>;
}
const sandboxEntries: Array<[string, Entry]> = [];
for (const [, block] of install.matchAll(/```json\n([\s\S]*?)```/g)) {
  const config = JSON.parse(block ?? "{}");
  const servers: Record<string, Entry> = config.mcpServers ?? config.servers ?? {};
  for (const [name, entry] of Object.entries(servers)) {
    if (entry.args.includes("--sandbox")) sandboxEntries.push([`${name} (json)`, entry]);
  }
}
for (const [, line] of install.matchAll(/^claude mcp add knock-sandbox -- (.+)$/gm)) {
  const [command = "", ...args] = (line ?? "").split(" ");
  sandboxEntries.push(["knock-sandbox (claude mcp add)", { command, args }]);
}

const running: Spawned[] = [];
afterEach(() => {
  for (const s of running.splice(0)) s.child.kill("SIGKILL");
});

it("has a sandbox snippet for Claude Desktop, Cursor, VS Code and Claude Code", () => {
  expect(sandboxEntries).toHaveLength(4);
});

it.each(sandboxEntries)("%s starts the sandbox and answers", async (_name, entry) => {
  expect(entry.command).toBe("node");
  const [script = "", ...args] = entry.args.map(here);
  const server = spawnServer(args, entry.env ?? {}, script);
  running.push(server);
  await server.initialize();
  const call = await server.request("tools/call", { name: "list_sources", arguments: {} });
  expect(call.result.isError).toBeUndefined();
  expect(server.stderr()).toMatch(/local sandbox/);
  server.child.stdin.end();
  expect((await server.exited).code).toBe(0);
});
