// The per-call yardstick: the plainest SDK v2 server that does what our get_source does on the wire. Its
// one tool, get_source, GETs the source from the Knock Management API with the global fetch and the bearer
// token, and returns the JSON as text and as structuredContent: no output schema, no retries, no error
// mapping. Served by `serveStdio` in both protocol eras, with our environment (KNOCK_MGMT_BASE_URL,
// KNOCK_SERVICE_TOKEN).
import { McpServer } from "@modelcontextprotocol/server";
import { serveStdio } from "@modelcontextprotocol/server/stdio";
import { z } from "zod";

const base = process.env.KNOCK_MGMT_BASE_URL;
const token = process.env.KNOCK_SERVICE_TOKEN;

serveStdio(
  () => {
    const server = new McpServer(
      { name: "fetch-baseline", version: "0.0.0" },
      { capabilities: { tools: {} } },
    );
    server.registerTool(
      "get_source",
      { description: "Get one source by key.", inputSchema: z.object({ key: z.string() }) },
      async ({ key }) => {
        const url = `${base}/v1/sources/${encodeURIComponent(key)}?environment=development`;
        const response = await fetch(url, {
          headers: { authorization: `Bearer ${token}`, accept: "application/json" },
        });
        const source = await response.json();
        if (!response.ok) return { isError: true, content: [{ type: "text", text: JSON.stringify(source) }] };
        return { content: [{ type: "text", text: JSON.stringify(source) }], structuredContent: source };
      },
    );
    return server;
  },
  { legacy: "serve" },
);
