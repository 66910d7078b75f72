// Which server answers which protocol era, asked the way a host would: the SDK v2 Client over its stdio
// transport, pinned to 2025-11-25 (the `initialize` handshake) or to 2026-07-28 (`server/discover`, then
// the `_meta` envelope on every request), connecting and listing the tools. The measures then speak each
// era on the raw wire (bench/lib.mjs) to the servers that answered it; a server that did not is a finding,
// with the reason the SDK gave, not a failed run.
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { ERAS, MODERN } from "./lib.mjs";
import { BASELINE, DIST, env, FETCH_SERVER, NO_API, ourEnv } from "./servers.mjs";

const TIMEOUT_MS = 15_000;

/** The servers every era is checked on, by the names the results use. */
export const SERVERS = {
  ours: { args: [DIST], env: () => ourEnv(NO_API) },
  baseline: { args: [BASELINE], env: () => env({}) },
  fetchServer: { args: [FETCH_SERVER], env: () => ourEnv(NO_API) },
};

async function checkOne(server, version) {
  const client = new Client(
    { name: "knock-sources-mcp-bench", version: "0.0.0" },
    {
      versionNegotiation: {
        mode: version === MODERN ? { pin: MODERN } : "legacy",
        probe: { timeoutMs: TIMEOUT_MS },
      },
    },
  );
  // The SDK's stdio transport spawns and reaps its children itself (in the pinned era, a short-lived
  // sibling for the probe first); stderr is dropped so that nothing reaches the run's output.
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: server.args,
    env: server.env(),
    stderr: "ignore",
  });
  try {
    await client.connect(transport, { timeout: TIMEOUT_MS });
    const era = client.getProtocolEra();
    const expected = version === MODERN ? "modern" : "legacy";
    if (era !== expected) return { answered: false, reason: `connected in the ${era} era, not ${expected}` };
    const { tools } = await client.listTools(undefined, { timeout: TIMEOUT_MS });
    if (!Array.isArray(tools) || tools.length === 0)
      return { answered: false, reason: "tools/list: no tools" };
    return { answered: true, tools: tools.length };
  } catch (error) {
    return { answered: false, reason: `${error.code ? `${error.code}: ` : ""}${error.message}` };
  } finally {
    await client.close().catch(() => {});
  }
}

/** `{ [server]: { [version]: { answered, tools? , reason? } } }` for every server and era. */
export async function eraCheck() {
  const result = {};
  for (const [name, server] of Object.entries(SERVERS)) {
    result[name] = {};
    for (const version of ERAS) result[name][version] = await checkOne(server, version);
  }
  return result;
}
