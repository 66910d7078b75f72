// Every request the HTTP server admits gets its own connection to Knock at once: a connection pool smaller than
// --max-concurrency queued admitted requests behind each other, which set the tail latency at 64 callers.
import { afterEach, expect, it } from "vitest";
import examples from "../fixtures/knock-mapi-sources-examples.json" with { type: "json" };
import { json, startFakeApi } from "../helpers/fake-api.js";
import { httpClient, startHttpServer, stopReplica } from "../helpers/http-server.js";

const running: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const stop of running.splice(0).reverse()) await stop();
});

const CALLERS = 48;

it(`${CALLERS} concurrent tool calls are all at Knock at the same time`, async () => {
  // Holds every request until all of them have arrived: with fewer connections than callers it never answers.
  const waiting: Array<() => void> = [];
  let mostAtOnce = 0;
  const api = await startFakeApi((_req, res) => {
    waiting.push(() => json(res, 200, examples.Source));
    mostAtOnce = Math.max(mostAtOnce, waiting.length);
    if (waiting.length === CALLERS) for (const answer of waiting.splice(0)) answer();
  });
  const replica = await startHttpServer(["--max-concurrency", "64", "--timeout-ms", "4000"], {
    KNOCK_MGMT_BASE_URL: api.url,
  });
  running.push(api.close, stopReplica(replica));
  const client = await httpClient(replica.url, "2026-07-28", "knock_st_team_0123456789");
  running.push(() => client.close().catch(() => undefined));

  const results = await Promise.all(
    Array.from({ length: CALLERS }, (_, i) =>
      client.callTool({ name: "get_source", arguments: { key: `source-${i}` } }),
    ),
  );
  expect(mostAtOnce).toBe(CALLERS);
  for (const result of results) expect(result.isError, JSON.stringify(result.content)).toBeUndefined();
});
