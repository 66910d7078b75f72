// A whole session against the built server as a host runs it: dist/index.js --sandbox spawned over stdio
// by the real SDK client of each era, calling every tool of the table, reading every resource template,
// completing, and hearing of a new log.
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport as LegacyStdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it, vi } from "vitest";
import { TOOLS } from "../src/tools/index.js";
import { ERAS, type Era } from "./helpers/mcp.js";
import { SESSION_CALLS } from "./helpers/session-calls.js";
import { ENTRY } from "./helpers/spawn.js";

const LOGS = "knock://development/sources/spawned-session/logs";
const serverParams = {
  command: process.execPath,
  args: [ENTRY, "--sandbox", "--poll-interval-ms", "1000"],
  env: { PATH: process.env.PATH ?? "" },
  stderr: "ignore" as const,
};

async function open(era: Era) {
  const info = { name: "spawned-session", version: "1.0.0" };
  const updates: string[] = [];
  if (era === "2025-11-25") {
    const legacy = new LegacyClient(info);
    legacy.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      updates.push(n.params.uri);
    });
    await legacy.connect(new LegacyStdioClientTransport(serverParams));
    const mcp = legacy as unknown as Client;
    return { mcp, updates, listen: (uri: string) => legacy.subscribeResource({ uri }) };
  }
  const mcp = new Client(info, { versionNegotiation: { mode: { pin: "2026-07-28" } } });
  mcp.setNotificationHandler("notifications/resources/updated", (n) => {
    updates.push(n.params.uri);
  });
  await mcp.connect(new StdioClientTransport(serverParams));
  return { mcp, updates, listen: (uri: string) => mcp.listen({ resourceSubscriptions: [uri] }) };
}

describe.each(ERAS)("the built server, %s", (era) => {
  it("serves every tool, every resource template, completions and a live log over stdio", async () => {
    const { mcp, updates, listen } = await open(era);
    try {
      const { tools } = await mcp.listTools();
      expect(tools.map((t) => t.name)).toEqual(TOOLS.map((t) => t.name));
      for (const tool of TOOLS) {
        const result = await mcp.callTool({ name: tool.name, arguments: SESSION_CALLS[tool.name] ?? {} });
        const text = (result.content as Array<{ type: string; text: string }>)[0]?.text ?? "";
        expect(result.isError, `${tool.name}: ${text}`).toBeUndefined();
        expect(JSON.parse(text)).toEqual(result.structuredContent);
        expect(tool.output.safeParse(result.structuredContent).success).toBe(true);
      }

      const { resourceTemplates } = await mcp.listResourceTemplates();
      expect(resourceTemplates).toHaveLength(4);
      for (const uri of [
        "knock://source-providers/stripe",
        "knock://development/sources/stripe",
        "knock://development/sources/app-webhooks/logs",
      ]) {
        const read = await mcp.readResource({ uri });
        expect(JSON.parse((read.contents[0] as { text: string }).text)).toBeTypeOf("object");
      }
      const { resources } = await mcp.listResources();
      expect(resources.map((r) => r.uri)).toContain("knock://development/sources/spawned-session");
      const completed = await mcp.complete({
        ref: { type: "ref/resource", uri: "knock://{environment}/sources/{source}" },
        argument: { name: "source", value: "spawn" },
      });
      expect(completed.completion.values).toEqual(["spawned-session"]);

      await listen(LOGS);
      await mcp.callTool({ name: "rehearse_source_event", arguments: SESSION_CALLS.rehearse_source_event });
      await vi.waitFor(() => expect(updates).toContain(LOGS), { timeout: 5_000, interval: 100 });
    } finally {
      await mcp.close();
    }
  });
});
