// Every tool of the table, registered in one loop, each call through the one error boundary and the one
// result pass. Hosts get each result twice, as structuredContent and as the same JSON in a text item,
// because some read only one of the two.
import type { CallToolResult, McpServer } from "@modelcontextprotocol/server";
import { MIME } from "../resources/read.js";
import { uriOf } from "../resources/uris.js";
import type { ToolDefinition } from "../tools/define-tool.js";
import type { Connection } from "./connection.js";
import { describeError, MissingTokenError } from "./describe-error.js";
import { portableSchema } from "./json-schema.js";
import { DEFAULT_PAGE_SIZE, resultWithinBudget } from "./result.js";

export function registerTools(
  server: McpServer,
  tools: readonly ToolDefinition[],
  connection: Connection,
): void {
  for (const tool of tools) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: portableSchema(tool.input),
        outputSchema: portableSchema(tool.output),
        annotations: tool.annotations,
      },
      (args: unknown, ctx) => runTool(tool, args as Record<string, unknown>, ctx.mcpReq.signal, connection),
    );
  }
}

async function runTool(
  tool: ToolDefinition,
  args: Record<string, unknown>,
  signal: AbortSignal,
  connection: Connection,
): Promise<CallToolResult> {
  const { client, config, secrets } = connection;
  try {
    if (!client) throw new MissingTokenError();
    const context = { client, defaultEnvironment: config.environment, signal };
    const { value, text } = await resultWithinBudget(
      (limit) => tool.handler((limit === undefined ? args : { ...args, limit }) as never, context),
      {
        where: tool.name,
        maxChars: config.maxResultChars,
        secrets,
        accept: (candidate) => tool.output.safeParse(candidate).success,
        pagedFrom: tool.paged ? ((args.limit as number | undefined) ?? DEFAULT_PAGE_SIZE) : undefined,
      },
    );
    if (tool.changesCatalog) connection.catalogChanged();
    const links = (tool.links?.(value as never, args as never, config.environment) ?? []).map((log) => ({
      type: "resource_link" as const,
      uri: uriOf({ kind: "log", ...log }),
      name: `Event log ${log.logId}`,
      mimeType: MIME,
    }));
    return { content: [{ type: "text", text }, ...links], structuredContent: value };
  } catch (error) {
    return { isError: true, content: [{ type: "text", text: describeError(error, tool.name, secrets) }] };
  }
}
