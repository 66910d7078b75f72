// The MCP side: one McpServer, every tool registered from the table in one loop, and the one error
// boundary that turns any failure into an isError result the model can act on.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { type CallToolResult, ListToolsRequestSchema, type Tool } from "@modelcontextprotocol/sdk/types.js";
import type { Config } from "../config.js";
import type { KnockClient } from "../knock/client.js";
import { registerResources } from "../resources/index.js";
import { redactDeep } from "../shared/redact.js";
import { VERSION } from "../shared/version.js";
import type { ToolDefinition } from "../tools/define-tool.js";
import { toolsFor } from "../tools/index.js";
import { fitToBudget, size } from "./budget.js";
import { describeError, MissingTokenError, ResultTooLargeError } from "./describe-error.js";
import { serverInstructions } from "./instructions.js";
import { toPortableJsonSchema } from "./json-schema.js";

export interface ServerDeps {
  /** Absent when no service token is configured: every tool then explains how to set one. */
  client: KnockClient | undefined;
}

export function createServer(config: Config, deps: ServerDeps): McpServer {
  const server = new McpServer(
    { name: "knock-sources-mcp", title: "Knock sources", version: VERSION },
    {
      capabilities: { tools: {}, resources: { subscribe: true, listChanged: false }, completions: {} },
      instructions: serverInstructions({
        environment: config.environment,
        readOnly: config.readOnly,
        sandbox: config.sandbox,
      }),
    },
  );
  // In sandbox mode the token is a fixed placeholder, not a secret.
  const secrets = config.sandbox ? [] : [config.serviceToken].filter((s): s is string => Boolean(s));

  const tools = toolsFor(config.readOnly);
  for (const tool of tools) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: tool.input,
        outputSchema: tool.output,
        annotations: tool.annotations,
      },
      (args: unknown, extra) => runTool(tool, args, extra.signal, config, deps.client, secrets),
    );
  }
  // Replaces the SDK's tools/list (after registration, as the SDK requires) so the schemas hosts receive
  // are the portable ones; the SDK still validates arguments and results against the zod schemas.
  const listed: Tool[] = tools.map((tool) => ({
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: toPortableJsonSchema(tool.input, "input") as Tool["inputSchema"],
    outputSchema: toPortableJsonSchema(tool.output, "output") as Tool["outputSchema"],
    annotations: tool.annotations,
  }));
  server.server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: listed }));

  registerResources(server, { config, client: deps.client, secrets });
  return server;
}

async function runTool(
  tool: ToolDefinition,
  args: unknown,
  signal: AbortSignal,
  config: Config,
  client: KnockClient | undefined,
  secrets: readonly string[],
): Promise<CallToolResult> {
  try {
    if (!client) throw new MissingTokenError();
    const result = await tool.handler(args as never, {
      client,
      defaultEnvironment: config.environment,
      signal,
      maxResultChars: config.maxResultChars,
    });
    const valid = (candidate: Record<string, unknown>) => tool.output.safeParse(candidate).success;
    const value = fitToBudget(result as Record<string, unknown>, config.maxResultChars, valid);
    // A trimmed copy must fit and still match the output schema. An untouched result already fits, and the
    // client parsed it with that same schema, so the hot path pays for neither check again.
    if (value !== result && (size(value) > config.maxResultChars || !valid(value))) {
      throw new ResultTooLargeError(tool.name, config.maxResultChars);
    }
    const shown = redactDeep(value, secrets);
    return { content: [{ type: "text", text: JSON.stringify(shown) }], structuredContent: shown };
  } catch (error) {
    return {
      isError: true,
      content: [{ type: "text", text: describeError(error, tool.name, secrets) }],
    };
  }
}
