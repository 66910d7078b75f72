// The test side of the MCP seam: a real SDK Client connected to our server over InMemoryTransport.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { Config } from "../../src/config.js";
import type { KnockClient } from "../../src/knock/client.js";
import { createServer } from "../../src/mcp/server.js";

export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    serviceToken: "knock_st_test_0123456789abcdef",
    baseUrl: "https://control.knock.app",
    environment: "development",
    readOnly: false,
    timeoutMs: 2_000,
    maxRetries: 0,
    sandbox: false,
    sandboxState: undefined,
    sandboxVars: {},
    maxResultChars: 60_000,
    pollIntervalMs: 15_000,
    ...overrides,
  };
}

export async function connect(config: Config, client: KnockClient | undefined) {
  const server = createServer(config, { client });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const mcp = new Client({ name: "test-client", version: "1.0.0" });
  await Promise.all([server.connect(serverSide), mcp.connect(clientSide)]);
  return {
    mcp,
    server,
    close: async () => {
      await mcp.close();
      await server.close();
    },
  };
}
