// Baseline for the cold-start benchmark: the smallest honest MCP server on SDK v2 — a factory that builds
// one McpServer with nine trivial tools (each a zod input of one string field), served over stdio by
// `serveStdio`, which answers both protocol eras (2025 `initialize`, 2026-07-28 `server/discover`).
// Whatever our server costs at start-up beyond this is ours, not the SDK's or Node's.
import { McpServer } from "@modelcontextprotocol/server";
import { serveStdio } from "@modelcontextprotocol/server/stdio";
import { z } from "zod";

serveStdio(
  () => {
    const server = new McpServer({ name: "baseline", version: "0.0.0" }, { capabilities: { tools: {} } });
    for (let i = 1; i <= 9; i += 1) {
      server.registerTool(
        `tool_${i}`,
        { description: `Trivial tool ${i}.`, inputSchema: z.object({ text: z.string() }) },
        async ({ text }) => ({ content: [{ type: "text", text }] }),
      );
    }
    return server;
  },
  { legacy: "serve" },
);
