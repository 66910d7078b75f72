// Issue #12, finding 4: the preprocess-script queue was unbounded and first-come first-served, so with 30
// runaway rehearsals in flight a good rehearsal on another source waited 15 s. Now each source has its own
// bounded lane, lanes take turns, a job waits a bounded time, and what cannot be run is answered 503 with
// Retry-After, having logged nothing; the tool then says to wait and call again.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeScriptRunner } from "../../src/sandbox/pipeline/script.js";
import { connect, testConfig } from "../helpers/mcp.js";
import { sandboxClient } from "../helpers/sandbox.js";
import { textOf } from "./helpers.js";
import { scriptedSource } from "./sandbox-process.js";

const SCRIPT_TIMEOUT_MS = 1000;
let env: Awaited<ReturnType<typeof sandboxClient>>;
let session: Awaited<ReturnType<typeof connect>>;

beforeAll(async () => {
  env = await sandboxClient();
  session = await connect(testConfig({ sandbox: true }), env.client);
});
afterAll(async () => {
  await session.close();
  await env.close();
  await closeScriptRunner();
});

async function call(method: string, path: string, body: unknown) {
  const res = await fetch(`${env.sandbox.url}${path}`, {
    method,
    headers: { authorization: "Bearer knock_st_test", "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, retryAfter: res.headers.get("retry-after"), json: (await res.json()) as any };
}

async function withScript(key: string, script: string) {
  const res = await call("PUT", `/v1/sources/${key}?environment=development`, scriptedSource(key, script));
  expect(res.status).toBe(200);
}

const rehearse = (key: string) =>
  call("POST", `/v1/sources/${key}/rehearse?environment=development`, {
    payload: { body: { type: "ping" }, headers: {} },
  });

async function logCount(key: string): Promise<number> {
  const res = await call("GET", `/v1/sources/${key}/logs?environment=development&limit=100`, undefined);
  return res.json.entries.length;
}

describe("the preprocess-script queue under a flood of runaway scripts", () => {
  it("serves a good rehearsal on another source at once and turns the surplus away with 503", async () => {
    await withScript("runaway", "function main() { while (true) {} }");
    await withScript("good", "function main() { return { verified: true }; }");
    expect((await rehearse("good")).json.status).toBe("ok");

    const flood = Array.from({ length: 40 }, () => rehearse("runaway"));
    await new Promise((resolve) => setTimeout(resolve, 100));
    // The runaway source's lane is full: the tool is told to wait and call again.
    const tool = await session.mcp.callTool({
      name: "rehearse_source_event",
      arguments: { key: "runaway", payload: { body: { type: "ping" }, headers: {} } },
    });
    expect(tool.isError).toBe(true);
    expect(textOf(tool as never)).toMatch(
      /too busy.*HTTP 503.*nothing was logged.*Wait 2 s, then call again/s,
    );

    const started = performance.now();
    const good = await rehearse("good");
    const waited = performance.now() - started;
    expect(good.json).toMatchObject({ status: "ok", errors: null });
    // One script time limit (plus the hard-kill grace) for a worker to come free, and slack for a busy machine.
    expect(waited).toBeLessThan(SCRIPT_TIMEOUT_MS + 250 + 3000);

    const answers = await Promise.all(flood);
    const refused = answers.filter((a) => a.status === 503);
    const ran = answers.filter((a) => a.status === 200);
    expect(refused.length).toBeGreaterThan(0);
    for (const answer of refused) {
      expect(answer.retryAfter).toBe("2");
      expect(answer.json).toEqual({
        code: "service_unavailable",
        message: expect.stringMatching(/busy .*not run.*nothing was logged/),
        status: 503,
        type: "api_error",
      });
    }
    for (const answer of ran) {
      expect(answer.json.errors).toEqual([
        {
          field: "preprocess_script",
          message: `preprocess script did not finish within ${SCRIPT_TIMEOUT_MS} ms`,
        },
      ]);
    }
    // A refused rehearsal was not run, so it left no log.
    expect(await logCount("runaway")).toBe(ran.length);
  }, 60_000);
});
