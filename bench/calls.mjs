// What a tool call costs on top of the HTTP request it wraps (get_source through MCP against the same GET
// through undici), and how many calls one server answers per second with many in flight.
import { performance } from "node:perf_hooks";
import { Agent, request } from "undici";
import { stats } from "./lib.mjs";
import { callGetSource, startOurs } from "./servers.mjs";

const WARMUP_CALLS = 200;
export const SEQ_CALLS = 1_000;
export const THROUGHPUT_ROUNDS = 10;
export const THROUGHPUT_CONCURRENCY = 100;

export async function perCallAndThroughput(emulatorUrl) {
  const session = await startOurs(emulatorUrl);
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 8 });
  const url = `${emulatorUrl}/v1/sources/stripe?environment=development`;
  const raw = async () => {
    const { statusCode, body } = await request(url, {
      dispatcher: agent,
      headers: { authorization: "Bearer x", accept: "application/json" },
    });
    const value = await body.json();
    if (statusCode !== 200) throw new Error(`raw GET answered ${statusCode}: ${JSON.stringify(value)}`);
    return value;
  };
  try {
    const first = await callGetSource(session);
    if (first.structuredContent?.key !== "stripe")
      throw new Error("get_source did not return the stripe source");
    for (let i = 0; i < WARMUP_CALLS; i += 1) {
      await callGetSource(session);
      await raw();
    }
    const mcp = [];
    const direct = [];
    // Interleaved one-for-one, so that both see the same emulator, GC and machine state.
    for (let i = 0; i < SEQ_CALLS; i += 1) {
      let t = performance.now();
      await callGetSource(session);
      mcp.push(performance.now() - t);
      t = performance.now();
      await raw();
      direct.push(performance.now() - t);
    }
    const m = stats(mcp);
    const d = stats(direct);

    const rounds = [];
    for (let r = 0; r < THROUGHPUT_ROUNDS; r += 1) {
      const t = performance.now();
      await Promise.all(Array.from({ length: THROUGHPUT_CONCURRENCY }, () => callGetSource(session)));
      rounds.push(performance.now() - t);
    }
    const totalMs = rounds.reduce((a, b) => a + b, 0);
    return {
      perCall: { calls: SEQ_CALLS, warmup: WARMUP_CALLS, mcp: m, raw: d, overheadMs: m.median - d.median },
      throughput: {
        rounds: THROUGHPUT_ROUNDS,
        concurrency: THROUGHPUT_CONCURRENCY,
        callsPerSecond: (THROUGHPUT_ROUNDS * THROUGHPUT_CONCURRENCY * 1000) / totalMs,
        roundMs: stats(rounds),
      },
    };
  } finally {
    await agent.close();
    await session.rpc.close();
  }
}
