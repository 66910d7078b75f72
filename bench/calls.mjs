// What a tool call costs, in each protocol era: get_source through our server against the same call
// through the plainest SDK v2 server that does it (bench/fetch-server.mjs: one global fetch), and against
// the bare GET through undici, the floor. Then how many calls one server answers per second with many in
// flight, ours and the yardstick's.
import { performance } from "node:perf_hooks";
import { Agent, request } from "undici";
import { ERAS, LEGACY, stats } from "./lib.mjs";
import { callGetSource, spawnFetchServer, spawnOurs, startSession } from "./servers.mjs";

const WARMUP_CALLS = 200;
export const SEQ_CALLS = 2_000;
export const THROUGHPUT_ROUNDS = 10;
export const THROUGHPUT_CONCURRENCY = 100;
const SPAWN = { ours: spawnOurs, fetchServer: spawnFetchServer };

async function throughput(session) {
  const rounds = [];
  for (let r = 0; r < THROUGHPUT_ROUNDS; r += 1) {
    const t = performance.now();
    await Promise.all(Array.from({ length: THROUGHPUT_CONCURRENCY }, () => callGetSource(session)));
    rounds.push(performance.now() - t);
  }
  const totalMs = rounds.reduce((a, b) => a + b, 0);
  return {
    rounds: THROUGHPUT_ROUNDS,
    concurrency: THROUGHPUT_CONCURRENCY,
    callsPerSecond: (THROUGHPUT_ROUNDS * THROUGHPUT_CONCURRENCY * 1000) / totalMs,
    roundMs: stats(rounds),
  };
}

/** A session on `name` in `version` whose first get_source worked; null, with the reason noted, if not. */
async function contender(name, emulatorUrl, version, reachable, unanswered) {
  if (!reachable[name][version].answered) {
    unanswered[name] = reachable[name][version].reason;
    return null;
  }
  let session;
  try {
    session = await startSession(SPAWN[name](emulatorUrl), version);
    const first = await callGetSource(session);
    if (first.structuredContent?.key !== "stripe")
      throw new Error("get_source did not return the stripe source");
    return session;
  } catch (error) {
    unanswered[name] = error.message;
    await session?.rpc.close();
    return null;
  }
}

export async function perCallAndThroughput(emulatorUrl, reachable) {
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
  const eras = {};
  const throughputs = {};
  try {
    for (const version of ERAS) {
      const unanswered = {};
      const ours = await contender("ours", emulatorUrl, version, reachable, unanswered);
      const theirs = await contender("fetchServer", emulatorUrl, version, reachable, unanswered);
      try {
        // Measured call by call and interleaved (ours, theirs, raw, theirs, ours, raw…), so that all three
        // see the same emulator, GC and machine state; which server goes first alternates, so that neither
        // gains from its place. Run against itself, the fetch server lands within about 3% of 1.00×.
        const servers = [
          ["ours", ours && (() => callGetSource(ours))],
          ["fetchServer", theirs && (() => callGetSource(theirs))],
        ].filter(([, call]) => call);
        const rounds = [
          [...servers, ["raw", raw]],
          [...[...servers].reverse(), ["raw", raw]],
        ];
        for (let i = 0; i < WARMUP_CALLS; i += 1) for (const [, call] of rounds[i % 2]) await call();
        const samples = Object.fromEntries(rounds[0].map(([name]) => [name, []]));
        for (let i = 0; i < SEQ_CALLS; i += 1) {
          for (const [name, call] of rounds[i % 2]) {
            const t = performance.now();
            await call();
            samples[name].push(performance.now() - t);
          }
        }
        const s = Object.fromEntries(Object.entries(samples).map(([name, list]) => [name, stats(list)]));
        eras[version] = {
          ours: s.ours ?? null,
          fetchServer: s.fetchServer ?? null,
          raw: s.raw,
          ratio: s.ours && s.fetchServer ? s.ours.median / s.fetchServer.median : null,
          overheadMs: s.ours ? s.ours.median - s.raw.median : null,
          unanswered,
        };
        if (version === LEGACY) {
          // One server at a time: concurrent rounds on two servers would share the two cores.
          throughputs.ours = ours ? await throughput(ours) : null;
          throughputs.fetchServer = theirs ? await throughput(theirs) : null;
        }
      } finally {
        await ours?.rpc.close();
        await theirs?.rpc.close();
      }
    }
  } finally {
    await agent.close();
  }
  return {
    perCall: { calls: SEQ_CALLS, warmup: WARMUP_CALLS, eras },
    throughput: { era: LEGACY, ...throughputs },
  };
}
