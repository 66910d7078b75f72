// Browsable resources: provider templates, a source in an environment, its logs and one log.
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { Config } from "../config.js";
import type { KnockClient } from "../knock/client.js";

export interface ResourceContext {
  config: Config;
  client: KnockClient | undefined;
  secrets: readonly string[];
}

export function registerResources(_server: McpServer, _context: ResourceContext): void {}
