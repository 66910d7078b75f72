// Start-up to a usable tools/list, ours against the bare-SDK baseline: what a client waits for at every
// launch, and the part of it that our own code adds.
import { performance } from "node:perf_hooks";
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";
import { initialize, RpcChild, stats } from "./lib.mjs";
import { BASELINE, DIST, env, NO_API, ourEnv } from "./servers.mjs";

export const COLD_RUNS = 31;

async function coldStartOnce(command, args, childEnv) {
  const started = performance.now();
  const rpc = new RpcChild(command, args, childEnv);
  try {
    await initialize(rpc, LATEST_PROTOCOL_VERSION);
    const listed = await rpc.request("tools/list", {}, 15_000);
    const ms = performance.now() - started;
    if (!Array.isArray(listed.tools) || listed.tools.length === 0)
      throw new Error("tools/list returned no tools");
    return ms;
  } finally {
    await rpc.close();
  }
}

export async function coldStart() {
  const ours = [];
  const baseline = [];
  const oursEnv = ourEnv(NO_API);
  // One untimed run of each first, so that neither pays for a cold file cache.
  await coldStartOnce(process.execPath, [DIST], oursEnv);
  await coldStartOnce(process.execPath, [BASELINE], env({}));
  for (let i = 0; i < COLD_RUNS; i += 1) {
    // Interleaved, and alternating which goes first, so that drift in the machine hits both alike.
    const order = i % 2 === 0 ? ["ours", "baseline"] : ["baseline", "ours"];
    for (const which of order) {
      if (which === "ours") ours.push(await coldStartOnce(process.execPath, [DIST], oursEnv));
      else baseline.push(await coldStartOnce(process.execPath, [BASELINE], env({})));
    }
  }
  const o = stats(ours);
  const b = stats(baseline);
  return { runs: COLD_RUNS, ours: o, baseline: b, ratio: o.median / b.median };
}
