// The yardsticks' one tool, shared so that the stdio and the HTTP yardstick measure the same thing: an SDK v2
// server whose get_source GETs the source from the Knock Management API with the global fetch and a bearer
// token, and returns the JSON as text and as structuredContent: no output schema, no retries, no error mapping.
import { McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";

/** A fresh server named `name`, calling Knock at `base` with `token` (read per call: over HTTP it is the caller's). */
export function bareGetSourceServer(name, base, token) {
  const server = new McpServer({ name, version: "0.0.0" }, { capabilities: { tools: {} } });
  server.registerTool(
    "get_source",
    { description: "Get one source by key.", inputSchema: z.object({ key: z.string() }) },
    async ({ key }) => {
      const url = `${base}/v1/sources/${encodeURIComponent(key)}?environment=development`;
      const response = await fetch(url, {
        headers: { authorization: `Bearer ${token()}`, accept: "application/json" },
      });
      const source = await response.json();
      if (!response.ok) return { isError: true, content: [{ type: "text", text: JSON.stringify(source) }] };
      return { content: [{ type: "text", text: JSON.stringify(source) }], structuredContent: source };
    },
  );
  return server;
}
