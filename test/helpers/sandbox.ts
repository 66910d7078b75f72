// The embedded sandbox on loopback with our real client in front of it: the undici path end to end.
import { KnockClient } from "../../src/knock/client.js";
import { KnockHttp } from "../../src/knock/http.js";
import { type SandboxOptions, startSandbox } from "../../src/sandbox/index.js";

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
