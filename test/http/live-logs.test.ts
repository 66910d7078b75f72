// Live logs over HTTP, and what each era gets. A 2026-era caller's listen stream is told of a new log in
// its own account only, found by polling Knock with its own token; a write tells the writer's streams
// that the resource list changed, and nobody else's. A 2025-era HTTP client is served statelessly: it is
// offered no subscription it could never be told about.
import type { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { afterEach, describe, expect, it, vi } from "vitest";
import examples from "../fixtures/knock-mapi-sources-examples.json" with { type: "json" };
import { json, startFakeApi } from "../helpers/fake-api.js";
import { httpClient, startHttpServer, stopReplica } from "../helpers/http-server.js";
import { rejection } from "../resources/helpers.js";

const ALICE = "knock_st_alice_live_0123456789";
const BOB = "knock_st_bob_live_9876543210";
const LOGS = "knock://development/sources/stripe/logs";

const running: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const stop of running.splice(0).reverse()) await stop();
});

/** A fake Knock with one account per token: the newest log id of each can be moved on by the test. */
async function accounts() {
  const newest: Record<string, string> = { [ALICE]: "log_a1", [BOB]: "log_b1" };
  const polls: Record<string, number> = { [ALICE]: 0, [BOB]: 0 };
  const api = await startFakeApi((req, res) => {
    const token = String(req.headers.authorization).replace(/^Bearer /, "");
    if (req.method === "PUT") return json(res, 200, { source: examples.Source });
    if (req.url?.includes("/logs")) {
      polls[token] = (polls[token] ?? 0) + 1;
      const [log] = examples.SourceLogsResponse.entries;
      return json(res, 200, { ...examples.SourceLogsResponse, entries: [{ ...log, id: newest[token] }] });
    }
    json(res, 200, examples.SourcesResponse);
  });
  const replica = await startHttpServer(["--poll-interval-ms", "1000"], { KNOCK_MGMT_BASE_URL: api.url });
  running.push(api.close, stopReplica(replica));
  return { newest, polls, replica };
}

describe("2026-07-28 over HTTP", () => {
  it("a caller's stream hears of a new log in its own account only, polled with its own token", async () => {
    const { newest, polls, replica } = await accounts();
    const heard: Record<string, string[]> = { alice: [], bob: [] };
    const alice = await httpClient(replica.url, "2026-07-28", ALICE);
    const bob = await httpClient(replica.url, "2026-07-28", BOB);
    running.push(
      () => alice.close(),
      () => bob.close(),
    );
    alice.setNotificationHandler(
      "notifications/resources/updated",
      (n) => void heard.alice?.push(n.params.uri),
    );
    bob.setNotificationHandler("notifications/resources/updated", (n) => void heard.bob?.push(n.params.uri));
    // Both name the same URI: it is a different resource in each account.
    const aliceStream = await alice.listen({ resourceSubscriptions: [LOGS] });
    await bob.listen({ resourceSubscriptions: [LOGS] });
    await vi.waitFor(() => expect(polls[BOB]).toBeGreaterThanOrEqual(1));

    newest[ALICE] = "log_a2";
    await vi.waitFor(() => expect(heard.alice).toEqual([LOGS]), { timeout: 5_000 });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(heard.bob).toEqual([]);

    // Closing the stream stops its polling; the other caller's goes on.
    await aliceStream.close();
    await new Promise((r) => setTimeout(r, 300));
    const alicePolls = polls[ALICE];
    const bobPolls = polls[BOB] ?? 0;
    await new Promise((r) => setTimeout(r, 2_200));
    expect(polls[ALICE]).toBe(alicePolls);
    expect(polls[BOB]).toBeGreaterThan(bobPolls);
  });

  it("a write tells the writer's own streams that the resource list changed, and no one else's", async () => {
    const { replica } = await accounts();
    const changed = { alice: 0, bob: 0 };
    const alice = await httpClient(replica.url, "2026-07-28", ALICE);
    const bob = await httpClient(replica.url, "2026-07-28", BOB);
    running.push(
      () => alice.close(),
      () => bob.close(),
    );
    alice.setNotificationHandler("notifications/resources/list_changed", () => void changed.alice++);
    bob.setNotificationHandler("notifications/resources/list_changed", () => void changed.bob++);
    await alice.listen({ resourcesListChanged: true });
    await bob.listen({ resourcesListChanged: true });

    const written = await alice.callTool({
      name: "upsert_source",
      arguments: { key: "segment-source", name: "S" },
    });
    expect(written.isError).toBeUndefined();
    await vi.waitFor(() => expect(changed.alice).toBe(1));
    await new Promise((r) => setTimeout(r, 300));
    expect(changed.bob).toBe(0);
  });

  it("bounds the listen streams one caller may hold on a replica, with 429 and a reason", async () => {
    const replica = await startHttpServer(["--sandbox"]);
    running.push(stopReplica(replica));
    const client = await httpClient(replica.url, "2026-07-28");
    running.push(() => client.close());
    const streams = [];
    for (let i = 0; i < 16; i++) streams.push(await client.listen({ resourceSubscriptions: [LOGS] }));
    await expect(client.listen({ resourceSubscriptions: [LOGS] })).rejects.toThrow(/429|listen streams open/);
    await streams[0]?.close();
    await expect(client.listen({ resourceSubscriptions: [LOGS] })).resolves.toBeDefined();
  });
});

describe("2025-11-25 over HTTP", () => {
  it("is served statelessly: no subscription or list_changed is offered, everything else works", async () => {
    const { replica } = await accounts();
    const client = await httpClient(replica.url, "2025-11-25", ALICE);
    running.push(() => client.close());
    expect(client.getServerCapabilities()?.resources).toEqual({ subscribe: false, listChanged: false });
    const refused = await rejection((client as unknown as LegacyClient).subscribeResource({ uri: LOGS }));
    expect(refused.code).toBe(-32601);
    const read = await client.readResource({ uri: LOGS });
    expect(JSON.parse((read.contents[0] as { text: string }).text).entries[0].id).toBe("log_a1");
  });
});
