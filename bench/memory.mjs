// Whether a long-lived server's memory keeps growing with the calls it answers: RSS over many get_source
// calls, and the live heap after forced GCs to tell retained memory from V8's sawtooth.
import { WebSocket } from "undici";
import { inspect, LEGACY, memorySample, openSession, pool } from "./lib.mjs";
import { callGetSource, spawnOurs } from "./servers.mjs";

export const MEM_CONCURRENCY = 50;
// 20,000 is past the aim's window: it shows whether growth goes on or levels off.
export const MEM_CHECKPOINTS = [1_000, 2_500, 5_000, 10_000, 20_000];

/**
 * Calls get_source up to each checkpoint (MEM_CONCURRENCY in flight) and samples the server's RSS there.
 * With `forceGc`, the server runs under --inspect and each sample also forces a full GC through the
 * inspector and reads the live heap: RSS follows V8's GC sawtooth, the heap after GC says whether memory
 * is retained. That GC changes the RSS that follows, so the RSS aim is judged on a server without it.
 */
async function memoryRun(emulatorUrl, checkpoints, forceGc) {
  const rpc = spawnOurs(emulatorUrl, forceGc ? ["--inspect=127.0.0.1:0"] : []);
  let devtools;
  const settle = () => new Promise((resolve) => setTimeout(resolve, 250));
  try {
    const session = await openSession(rpc, LEGACY);
    if (forceGc) {
      const wsUrl = /ws:\/\/127\.0\.0\.1:\d+\/[\w-]+/.exec(rpc.stderr)?.[0];
      if (!wsUrl) throw new Error(`no inspector URL on stderr: ${rpc.stderr}`);
      devtools = await inspect(WebSocket, wsUrl);
    }
    const sample = async (calls) => {
      await settle();
      return { calls, ...(await memorySample(rpc.pid, devtools)) };
    };
    const samples = [await sample(0)];
    let done = 0;
    for (const checkpoint of checkpoints) {
      await pool(checkpoint - done, MEM_CONCURRENCY, () => callGetSource(session));
      done = checkpoint;
      samples.push(await sample(done));
    }
    return samples;
  } finally {
    devtools?.close();
    await rpc.close();
  }
}

export async function memory(emulatorUrl) {
  const samples = await memoryRun(emulatorUrl, MEM_CHECKPOINTS, false);
  const afterGc = await memoryRun(emulatorUrl, [1_000, 10_000], true);
  const at = (list, n) => list.find((s) => s.calls === n);
  return {
    concurrency: MEM_CONCURRENCY,
    samples,
    afterGc,
    rssAt1k: at(samples, 1_000).rssBytes,
    rssAt10k: at(samples, 10_000).rssBytes,
    growthBytes: at(samples, 10_000).rssBytes - at(samples, 1_000).rssBytes,
    heapGrowthAfterGcBytes:
      at(afterGc, 10_000).heapUsedAfterGcBytes - at(afterGc, 1_000).heapUsedAfterGcBytes,
  };
}
