// Live-log subscriptions are bounded, canonical, shared and quiet: a connection watches at most
// MAX_LIVE_RESOURCES event-log resources (more is refused with advice), spellings of one URI are one
// resource polled once, and an outage is one stderr line per resource, not one per tick. In both eras, over
// a real HTTP fake Knock; the bound over HTTP listen streams against the built server.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Client } from "@modelcontextprotocol/client";
import type { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it, vi } from "vitest";
import { MAX_LIVE_RESOURCES } from "../../src/resources/subscriptions.js";
import { json } from "../helpers/fake-api.js";
import { httpClient, startHttpServer, stopReplica } from "../helpers/http-server.js";
import { ERAS, type Era } from "../helpers/mcp.js";
import { rejection } from "../resources/helpers.js";
import { examples, faultSession, sleep } from "./helpers.js";

const INTERVAL = 100;
const TOKEN = "knock_st_subscriptions_0123456789";
const logsUri = (key: string) => `knock://development/sources/${key}/logs`;

type Session = Awaited<ReturnType<typeof faultSession>>;

/** A fake Knock whose newest log per source the test moves on, and which can go down. */
function fakeKnock() {
  const newest: Record<string, string> = {};
  const polls: Record<string, number> = {};
  let down = false;
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const key = /^\/v1\/sources\/([^/?]+)\/logs/.exec(req.url ?? "")?.[1];
    if (!key) return json(res, 404, { code: "resource_missing", message: "no route", status: 404 });
    polls[key] = (polls[key] ?? 0) + 1;
    if (down) {
      // Knock's message quoting the token: what stderr shows of it must not.
      return json(res, 503, { code: "unavailable", message: `down for ${TOKEN}`, status: 503 });
    }
    const [log] = examples.SourceLogsResponse.entries;
    json(res, 200, { ...examples.SourceLogsResponse, entries: [{ ...log, id: newest[key] ?? "log_1" }] });
  };
  return {
    newest,
    polls,
    handler,
    setDown(value: boolean) {
      down = value;
    },
  };
}

/** How a host of the era watches resources, and what it is told. */
function watcher(mcp: Client, era: Era) {
  const updates: string[] = [];
  if (era === "2025-11-25") {
    const legacy = mcp as unknown as LegacyClient;
    legacy.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      updates.push(n.params.uri);
    });
    return {
      updates,
      /** One resources/subscribe per URI; stopping unsubscribes each. */
      async watch(uris: string[]) {
        for (const uri of uris) await legacy.subscribeResource({ uri });
        return async () => {
          for (const uri of uris) await legacy.unsubscribeResource({ uri });
        };
      },
      /** One watch of one resource, as the era's host would ask. */
      one: (uri: string) => legacy.subscribeResource({ uri }),
    };
  }
  mcp.setNotificationHandler("notifications/resources/updated", (n) => {
    updates.push(n.params.uri);
  });
  return {
    updates,
    /** One listen stream naming every URI; stopping closes it. */
    async watch(uris: string[]) {
      const stream = await mcp.listen({ resourceSubscriptions: uris });
      return () => stream.close();
    },
    one: (uri: string) => mcp.listen({ resourceSubscriptions: [uri] }),
  };
}

describe.each(ERAS)("live logs, %s", (era) => {
  let session: Session | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    await session?.close();
    session = undefined;
  });

  async function start(knock: ReturnType<typeof fakeKnock>, interval = INTERVAL) {
    session = await faultSession(knock.handler, {
      era,
      token: TOKEN,
      maxRetries: 0,
      // Generous: 100 first fetches at once on a loaded machine must not time out.
      timeoutMs: 5_000,
      config: { pollIntervalMs: interval },
    });
    return { session, ...watcher(session.mcp, era) };
  }

  it(`watches at most ${MAX_LIVE_RESOURCES} resources: of 1,000 attempts the rest are refused with advice, and Knock sees one request per resource per interval`, async () => {
    const knock = fakeKnock();
    const s = await start(knock, 250);
    const uris = Array.from({ length: 1_000 }, (_, i) => logsUri(`src-${i}`));
    const outcomes = await Promise.allSettled(uris.map((uri) => s.one(uri)));
    const refused = outcomes.flatMap((o) =>
      o.status === "rejected" ? [o.reason as Error & { code?: number }] : [],
    );
    expect(outcomes.length - refused.length).toBe(MAX_LIVE_RESOURCES);
    expect(refused.length).toBe(1_000 - MAX_LIVE_RESOURCES);
    for (const error of refused) {
      expect(error.code).toBe(-32600);
      expect(error.message).toContain(`at most ${MAX_LIVE_RESOURCES} event-log resources`);
      expect(error.message).toMatch(
        era === "2025-11-25" ? /Unsubscribe \(resources\/unsubscribe\)/ : /Close a listen stream/,
      );
    }
    // Each accepted one is fetched to learn its newest log; the refused ones never are.
    await vi.waitFor(() => expect(Object.keys(knock.polls)).toHaveLength(MAX_LIVE_RESOURCES));

    const before = s.session.api.requests.length;
    const window = 1_500;
    await sleep(window);
    const made = s.session.api.requests.length - before;
    expect(made).toBeGreaterThanOrEqual(MAX_LIVE_RESOURCES);
    expect(made).toBeLessThanOrEqual(MAX_LIVE_RESOURCES * (window / 250 + 1));
    expect(Object.keys(knock.polls)).toHaveLength(MAX_LIVE_RESOURCES);
  });

  it("counts two spellings of one URI as one resource: polled once, each spelling told of a new log", async () => {
    const knock = fakeKnock();
    const s = await start(knock);
    const spelled = logsUri("%73rc-0");
    const plain = logsUri("src-0");
    const stopSpelled = await s.watch([spelled]);
    const stopPlain = await s.watch([plain]);
    // A control resource watched alongside: the aliased one must be polled exactly as often.
    await s.watch([logsUri("other")]);
    await sleep(INTERVAL * 6);
    const aliased = knock.polls["src-0"] ?? 0;
    const control = knock.polls.other ?? 0;
    expect(control).toBeGreaterThanOrEqual(3);
    expect(Math.abs(aliased - control)).toBeLessThanOrEqual(1);

    knock.newest["src-0"] = "log_2";
    await vi.waitFor(() => expect([...s.updates].sort()).toEqual([spelled, plain].sort()), {
      timeout: 3_000,
    });
    await sleep(INTERVAL * 3);
    expect(s.updates).toHaveLength(2);

    if (era === "2025-11-25") {
      // Unsubscribing either spelling ends the one subscription.
      await stopPlain();
    } else {
      // A stream's end takes only its own interest: the other stream, naming the other spelling, still hears.
      await stopSpelled();
      knock.newest["src-0"] = "log_3";
      await vi.waitFor(() => expect(s.updates.slice(2)).toEqual([plain]), { timeout: 3_000 });
      await stopPlain();
    }
    await sleep(INTERVAL * 2);
    const polls = knock.polls["src-0"];
    await sleep(INTERVAL * 5);
    expect(knock.polls["src-0"]).toBe(polls);
    expect(knock.polls.other).toBeGreaterThan(control);
  });

  it("does not retry a poll that fails: an outage costs Knock one request per resource per interval", async () => {
    const knock = fakeKnock();
    session = await faultSession(knock.handler, {
      era,
      token: TOKEN,
      // Retries that a tool call would make; a poll must not.
      maxRetries: 2,
      timeoutMs: 5_000,
      config: { pollIntervalMs: 200 },
    });
    const s = watcher(session.mcp, era);
    await s.watch([logsUri("src-0")]);
    await vi.waitFor(() => expect(knock.polls["src-0"]).toBeGreaterThanOrEqual(1));
    const stderr = vi.spyOn(console, "error").mockImplementation(() => undefined);
    knock.setDown(true);
    const before = knock.polls["src-0"] ?? 0;
    await sleep(1_100);
    const during = (knock.polls["src-0"] ?? 0) - before;
    knock.setDown(false);
    stderr.mockRestore();
    // About five intervals of 200 ms: five polls (fewer on a loaded machine), where three attempts each
    // would be fifteen.
    expect(during).toBeGreaterThanOrEqual(1);
    expect(during).toBeLessThanOrEqual(7);
  });

  it("logs an outage once per resource and its end once, never the token", async () => {
    const knock = fakeKnock();
    const s = await start(knock);
    const uris = Array.from({ length: MAX_LIVE_RESOURCES }, (_, i) => logsUri(`src-${i}`));
    await s.watch(uris);
    // Every resource's newest log is known: what fails from here on are polls.
    await vi.waitFor(() => expect(Object.keys(knock.polls)).toHaveLength(uris.length));
    await sleep(INTERVAL);
    const stderr = vi.spyOn(console, "error").mockImplementation(() => undefined);
    knock.setDown(true);
    await sleep(2_500);
    knock.setDown(false);
    await vi.waitFor(
      () =>
        expect(stderr.mock.calls.filter((c) => String(c[0]).includes("answers again"))).toHaveLength(
          uris.length,
        ),
      { timeout: 3_000 },
    );
    const lines = stderr.mock.calls.map((c) => String(c[0]));
    const failed = lines.filter((line) => line.includes("could not check"));
    expect(failed).toHaveLength(uris.length);
    expect(new Set(failed.map((line) => /could not check (\S+)/.exec(line)?.[1]))).toEqual(new Set(uris));
    expect(lines).toHaveLength(2 * uris.length);
    expect(lines.join("\n")).not.toContain(TOKEN);
    expect(failed[0]).toContain("[redacted]");
  });
});

describe("subscriptions/listen (2026-07-28 era)", () => {
  let session: Session | undefined;
  afterEach(async () => {
    await session?.close();
    session = undefined;
  });

  it(`refuses one stream naming more than ${MAX_LIVE_RESOURCES} resources, counting spellings of one as one`, async () => {
    const knock = fakeKnock();
    session = await faultSession(knock.handler, {
      era: "2026-07-28",
      timeoutMs: 5_000,
      config: { pollIntervalMs: INTERVAL },
    });
    const uris = Array.from({ length: MAX_LIVE_RESOURCES + 1 }, (_, i) => logsUri(`src-${i}`));
    const refused = await rejection(session.mcp.listen({ resourceSubscriptions: uris }));
    expect(refused.message).toContain(
      `would bring the event-log resources watched to ${MAX_LIVE_RESOURCES + 1}`,
    );
    await sleep(INTERVAL * 3);
    expect(session.api.requests).toHaveLength(0);

    // Another spelling of a resource already named adds nothing to the count.
    const within = [...uris.slice(0, MAX_LIVE_RESOURCES), logsUri("%73rc-0")];
    const stream = await session.mcp.listen({ resourceSubscriptions: within });
    await sleep(INTERVAL * 3);
    expect(Object.keys(knock.polls)).toHaveLength(MAX_LIVE_RESOURCES);
    // The connection's streams share the bound: one more resource on a second stream is refused.
    await expect(session.mcp.listen({ resourceSubscriptions: [logsUri("one-more")] })).rejects.toThrow(
      /Close a listen stream/,
    );
    await stream.close();
    await expect(session.mcp.listen({ resourceSubscriptions: [logsUri("one-more")] })).resolves.toBeDefined();
  });
});

describe("subscriptions/listen (2026-07-28 era), opened while Knock is down", () => {
  it("keeps checking, says so once, and tells the stream of the first new log after Knock is back", async () => {
    const knock = fakeKnock();
    knock.setDown(true);
    const session = await faultSession(knock.handler, {
      era: "2026-07-28",
      token: TOKEN,
      maxRetries: 0,
      timeoutMs: 5_000,
      config: { pollIntervalMs: INTERVAL },
    });
    try {
      const s = watcher(session.mcp, "2026-07-28");
      const stderr = vi.spyOn(console, "error").mockImplementation(() => undefined);
      await s.watch([logsUri("src-0")]);
      await vi.waitFor(() => expect(knock.polls["src-0"]).toBeGreaterThanOrEqual(3));
      knock.setDown(false);
      await vi.waitFor(() =>
        expect(stderr.mock.calls.some((c) => String(c[0]).includes("answers again"))).toBe(true),
      );
      // The first good answer is the baseline, not news.
      await sleep(INTERVAL * 3);
      expect(s.updates).toEqual([]);
      knock.newest["src-0"] = "log_2";
      await vi.waitFor(() => expect(s.updates).toEqual([logsUri("src-0")]), { timeout: 3_000 });
      const lines = stderr.mock.calls.map((c) => String(c[0]));
      expect(lines.filter((line) => line.includes("could not check"))).toHaveLength(1);
    } finally {
      vi.restoreAllMocks();
      await session.close();
    }
  });
});

describe("subscriptions/listen over HTTP", () => {
  const running: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const stop of running.splice(0).reverse()) await stop();
  });

  it(`bounds what one caller's streams watch together at ${MAX_LIVE_RESOURCES} resources`, async () => {
    const replica = await startHttpServer(["--sandbox"]);
    running.push(stopReplica(replica));
    const client = await httpClient(replica.url, "2026-07-28");
    running.push(() => client.close());
    const half = (from: number) =>
      Array.from({ length: MAX_LIVE_RESOURCES / 2 + 10 }, (_, i) => logsUri(`src-${from + i}`));
    const first = await client.listen({ resourceSubscriptions: half(0) });
    await expect(client.listen({ resourceSubscriptions: half(1_000) })).rejects.toThrow(
      /at most 100 event-log resources may be watched at once by your listen streams/,
    );
    await first.close();
    await expect(client.listen({ resourceSubscriptions: half(1_000) })).resolves.toBeDefined();
  });
});
