// The embedded sandbox on loopback with our real client in front of it: the undici path end to end.
import { afterAll, beforeAll } from "vitest";
import type { Config } from "../../src/config.js";
import { KnockClient } from "../../src/knock/client.js";
import { KnockHttp } from "../../src/knock/http.js";
import { type SandboxOptions, startSandbox } from "../../src/sandbox/index.js";
import { connect, type Era, testConfig } from "./mcp.js";

export async function sandboxClient(options: SandboxOptions = {}) {
  const sandbox = await startSandbox(options);
  const http = new KnockHttp({
    baseUrl: sandbox.url,
    token: "knock-sources-mcp-sandbox-token",
    userAgent: "knock-sources-mcp/test",
    timeoutMs: 5_000,
    maxRetries: 0,
  });
  return {
    sandbox,
    client: new KnockClient(http),
    close: async () => {
      await http.close();
      await sandbox.close();
    },
  };
}

/**
 * A describe block's MCP session of the given era against its own fresh sandbox: started before the
 * block's tests, closed after them. Read `env` and `session` inside the tests.
 */
export function useSandboxSession(era: Era, overrides: Partial<Config> = {}) {
  const live = {} as {
    env: Awaited<ReturnType<typeof sandboxClient>>;
    session: Awaited<ReturnType<typeof connect>>;
  };
  beforeAll(async () => {
    live.env = await sandboxClient();
    live.session = await connect(testConfig({ sandbox: true, ...overrides }), live.env.client, era);
  });
  afterAll(async () => {
    await live.session.close();
    await live.env.close();
  });
  return live;
}
