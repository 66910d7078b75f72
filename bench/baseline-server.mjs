// Baseline for the cold-start benchmark: the smallest honest MCP server on the same SDK (1.32) — one
// McpServer, a StdioServerTransport and nine trivial tools, each with a zod input of one string field.
// Whatever our server costs at start-up beyond this is ours, not the SDK's or Node's.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const server = new McpServer({ name: "baseline", version: "0.0.0" }, { capabilities: { tools: {} } });
for (let i = 1; i <= 9; i += 1) {
  server.registerTool(
    `tool_${i}`,
    { description: `Trivial tool ${i}.`, inputSchema: z.object({ text: z.string() }) },
    async ({ text }) => ({ content: [{ type: "text", text }] }),
  );
}
process.stdin.once("end", () => process.exit(0));
process.stdin.once("close", () => process.exit(0));
await server.connect(new StdioServerTransport());
