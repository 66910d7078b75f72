// Live logs in both eras: resources/subscribe (2025) and subscriptions/listen (2026-07-28). Either way the
// server polls Knock only while someone listens, says once per new log, and stops when the client goes.

import type { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ERAS, type Era } from "../helpers/mcp.js";
import { type Harness, rejection, startHarness } from "./helpers.js";

const INTERVAL = 100;
const LOGS = "knock://development/sources/stripe/logs";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const logPolls = (h: Harness) => h.http.requests.filter((r) => r.endsWith("/logs")).length;
const rehearse = (h: Harness) =>
  h.client.rehearseSource("stripe", "development", { type: "invoice.paid", data: { object: {} } });

/** How a host of each era asks to hear of a resource's changes, and stops. */
async function watching(era: Era, overrides: { pollIntervalMs: number } = { pollIntervalMs: INTERVAL }) {
  const h = await startHarness(overrides, era);
  const updates: string[] = [];
  let listen: (uri: string) => Promise<() => Promise<unknown>>;
  if (era === "2025-11-25") {
    const legacy = h.session.mcp as unknown as LegacyClient;
    legacy.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      updates.push(n.params.uri);
    });
    listen = async (uri) => {
      await legacy.subscribeResource({ uri });
      return () => legacy.unsubscribeResource({ uri });
    };
  } else {
    h.session.mcp.setNotificationHandler("notifications/resources/updated", (n) => {
      updates.push(n.params.uri);
    });
    listen = async (uri) => {
      const stream = await h.session.mcp.listen({ resourceSubscriptions: [uri] });
      return () => stream.close();
    };
  }
  return { h, updates, listen };
}

describe.each(ERAS)("live logs, %s", (era) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
    vi.restoreAllMocks();
  });

  it("tells the listener when a newer log appears, and stops polling when it stops listening", async () => {
    const w = await watching(era);
    h = w.h;
    const stop = await w.listen(LOGS);
    // Polling alone, with no new log, says nothing.
    await sleep(INTERVAL * 3);
    expect(w.updates).toEqual([]);
    expect(logPolls(h)).toBeGreaterThanOrEqual(2);

    await rehearse(h);
    await vi.waitFor(() => expect(w.updates).toEqual([LOGS]), { timeout: 2000 });
    // Said once per new log, not once per poll.
    await sleep(INTERVAL * 3);
    expect(w.updates).toEqual([LOGS]);

    await stop();
    await sleep(INTERVAL * 2);
    const polls = logPolls(h);
    await rehearse(h);
    await sleep(INTERVAL * 5);
    expect(w.updates).toEqual([LOGS]);
    expect(logPolls(h)).toBe(polls);
  });

  it("honours a stop that arrives while the start is still fetching the newest log", async () => {
    const w = await watching(era);
    h = w.h;
    const stopping = w.listen(LOGS).then((stop) => stop());
    await stopping;
    const polls = logPolls(h);
    await rehearse(h);
    await sleep(INTERVAL * 5);
    expect(w.updates).toEqual([]);
    expect(logPolls(h)).toBe(polls);
  });

  it("does not poll while nobody listens", async () => {
    h = await startHarness({ pollIntervalMs: INTERVAL }, era);
    await h.session.mcp.readResource({ uri: LOGS });
    const after = h.http.requests.length;
    await sleep(INTERVAL * 4);
    expect(h.http.requests.length).toBe(after);
  });

  it("logs a failed poll to stderr and keeps polling", async () => {
    const w = await watching(era);
    h = w.h;
    const stderr = vi.spyOn(console, "error").mockImplementation(() => undefined);
    await w.listen(LOGS);
    const original = h.http.request.bind(h.http);
    let failures = 0;
    vi.spyOn(h.http, "request").mockImplementation(async (spec) => {
      if (failures < 2) {
        failures += 1;
        throw new Error("boom");
      }
      return original(spec);
    });
    await vi.waitFor(() => expect(failures).toBe(2), { timeout: 2000 });
    await rehearse(h);
    await vi.waitFor(() => expect(w.updates).toEqual([LOGS]), { timeout: 2000 });
    const warnings = stderr.mock.calls.map((c) => String(c[0]));
    expect(warnings.some((w) => w.includes(`could not check ${LOGS}`) && w.includes("boom"))).toBe(true);
  });

  it("stops every timer when the client goes away, and sends nothing after", async () => {
    const w = await watching(era);
    h = w.h;
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const send = vi.spyOn(h.session.server.server, "sendResourceUpdated");
      await w.listen(LOGS);
      await w.listen("knock://production/sources/stripe/logs");
      await h.session.mcp.close();
      const polls = logPolls(h);
      await rehearse(h);
      await sleep(INTERVAL * 5);
      expect(logPolls(h)).toBe(polls);
      expect(send).not.toHaveBeenCalled();
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});

describe("resources/subscribe (2025 era)", () => {
  it("refuses to subscribe to anything but a logs resource, or to an unknown source", async () => {
    const h = await startHarness({ pollIntervalMs: INTERVAL }, "2025-11-25");
    try {
      const legacy = h.session.mcp as unknown as LegacyClient;
      const notLogs = await rejection(
        legacy.subscribeResource({ uri: "knock://development/sources/stripe" }),
      );
      expect(notLogs.code).toBe(-32602);
      expect(notLogs.message).toContain("Only event-log resources");
      const unknown = await rejection(
        legacy.subscribeResource({ uri: "knock://development/sources/nope/logs" }),
      );
      expect(unknown.code).toBe(-32602);
      expect(unknown.message).toContain("list_sources");
      await sleep(INTERVAL * 3);
      expect(logPolls(h)).toBe(1);
    } finally {
      await h.close();
    }
  });
});

describe("subscriptions/listen (2026-07-28 era)", () => {
  it("polls a URI while any stream names it, once however many do, and only log resources", async () => {
    const w = await watching("2026-07-28");
    try {
      // A source's settings do not change on their own: naming one starts no polling.
      const settings = await w.listen("knock://development/sources/stripe");
      await sleep(INTERVAL * 3);
      expect(logPolls(w.h)).toBe(0);
      await settings();

      const first = await w.listen(LOGS);
      const second = await w.listen(LOGS);
      await sleep(INTERVAL * 4);
      const bothOpen = logPolls(w.h);
      // One poller for the URI, not one per stream: about one request per interval.
      expect(bothOpen).toBeLessThanOrEqual(6);
      await first();
      await rehearse(w.h);
      await vi.waitFor(() => expect(w.updates).toEqual([LOGS]), { timeout: 2000 });
      await second();
      await sleep(INTERVAL * 2);
      const polls = logPolls(w.h);
      await sleep(INTERVAL * 4);
      expect(logPolls(w.h)).toBe(polls);
    } finally {
      await w.h.close();
    }
  });

  it("the acknowledgement grants resource subscriptions, since the server declares them", async () => {
    const h = await startHarness({ pollIntervalMs: INTERVAL }, "2026-07-28");
    try {
      const stream = await h.session.mcp.listen({
        resourceSubscriptions: [LOGS],
        resourcesListChanged: true,
      });
      expect(stream.honoredFilter).toEqual({ resourceSubscriptions: [LOGS], resourcesListChanged: true });
      await stream.close();
    } finally {
      await h.close();
    }
  });
});
