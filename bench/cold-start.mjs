// Start-up to a usable tools/list, ours against the bare SDK v2 baseline, in each protocol era: what a
// client waits for at every launch, and the part of it that our own code adds. In the 2025-11-25 era
// that is spawn → initialize → tools/list answered; in 2026-07-28, spawn → server/discover → tools/list,
// each request with the `_meta` envelope.
import { performance } from "node:perf_hooks";
import { SERVERS } from "./eras.mjs";
import { ERAS, RpcChild, stats } from "./lib.mjs";
import { startSession } from "./servers.mjs";

export const COLD_RUNS = 31;
const CONTENDERS = ["ours", "baseline"];

async function coldStartOnce(server, version) {
  const started = performance.now();
  const session = await startSession(new RpcChild(process.execPath, server.args, server.env()), version);
  try {
    const listed = await session.request("tools/list", {}, 15_000);
    const ms = performance.now() - started;
    if (!Array.isArray(listed.tools) || listed.tools.length === 0)
      throw new Error("tools/list returned no tools");
    return ms;
  } finally {
    await session.rpc.close();
  }
}

/**
 * Per era, `{ ours, baseline, ratio }` (stats, or null with the reason in `unanswered`). `reachable` is the
 * era check's result: a server that did not answer an era there is not started in it here.
 */
export async function coldStart(reachable) {
  const eras = {};
  for (const version of ERAS) {
    const samples = {};
    const unanswered = {};
    const drop = (name, error) => {
      unanswered[name] = error.message;
      delete samples[name];
    };
    for (const name of CONTENDERS) {
      const check = reachable[name][version];
      if (!check.answered) {
        unanswered[name] = check.reason;
        continue;
      }
      // One untimed run of each first, so that none pays for a cold file cache.
      try {
        await coldStartOnce(SERVERS[name], version);
        samples[name] = [];
      } catch (error) {
        drop(name, error);
      }
    }
    for (let i = 0; i < COLD_RUNS; i += 1) {
      // Interleaved, and alternating which goes first, so that drift in the machine hits both alike.
      const order = i % 2 === 0 ? CONTENDERS : [...CONTENDERS].reverse();
      for (const name of order) {
        if (!samples[name]) continue;
        try {
          samples[name].push(await coldStartOnce(SERVERS[name], version));
        } catch (error) {
          drop(name, error);
        }
      }
    }
    const ours = samples.ours ? stats(samples.ours) : null;
    const baseline = samples.baseline ? stats(samples.baseline) : null;
    eras[version] = {
      ours,
      baseline,
      ratio: ours && baseline ? ours.median / baseline.median : null,
      unanswered,
    };
  }
  return { runs: COLD_RUNS, eras };
}
