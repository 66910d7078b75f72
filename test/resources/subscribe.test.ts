import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type Harness, rejection, startHarness } from "./helpers.js";

const INTERVAL = 100;
const LOGS = "knock://development/sources/stripe/logs";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const logPolls = (h: Harness) => h.http.requests.filter((r) => r.endsWith("/logs")).length;

async function subscribedHarness() {
  const h = await startHarness({ pollIntervalMs: INTERVAL });
  const updates: string[] = [];
  h.session.mcp.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
    updates.push(n.params.uri);
  });
  return { h, updates };
}

describe("resources/subscribe", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
    vi.restoreAllMocks();
  });

  it("tells the subscriber when a newer log appears, and stops after unsubscribe", async () => {
    const started = await subscribedHarness();
    h = started.h;
    await h.session.mcp.subscribeResource({ uri: LOGS });
    // Polling alone, with no new log, says nothing.
    await sleep(INTERVAL * 3);
    expect(started.updates).toEqual([]);
    expect(logPolls(h)).toBeGreaterThanOrEqual(2);

    await h.client.rehearseSource("stripe", "development", { type: "invoice.paid", data: { object: {} } });
    await vi.waitFor(() => expect(started.updates).toEqual([LOGS]), { timeout: 2000 });
    // Said once per new log, not once per poll.
    await sleep(INTERVAL * 3);
    expect(started.updates).toEqual([LOGS]);

    await h.session.mcp.unsubscribeResource({ uri: LOGS });
    await sleep(INTERVAL * 2);
    const polls = logPolls(h);
    await h.client.rehearseSource("stripe", "development", { type: "invoice.paid", data: { object: {} } });
    await sleep(INTERVAL * 5);
    expect(started.updates).toEqual([LOGS]);
    expect(logPolls(h)).toBe(polls);
  });

  it("honours an unsubscribe that arrives while the subscribe is still fetching the newest log", async () => {
    const started = await subscribedHarness();
    h = started.h;
    // Both requests are sent before either is answered: the unsubscribe lands while the subscribe awaits.
    const subscribed = h.session.mcp.subscribeResource({ uri: LOGS });
    const unsubscribed = h.session.mcp.unsubscribeResource({ uri: LOGS });
    await Promise.all([subscribed, unsubscribed]);
    const polls = logPolls(h);
    await h.client.rehearseSource("stripe", "development", { type: "invoice.paid", data: { object: {} } });
    await sleep(INTERVAL * 5);
    expect(started.updates).toEqual([]);
    expect(logPolls(h)).toBe(polls);
  });

  it("does not poll while nobody is subscribed", async () => {
    h = await startHarness({ pollIntervalMs: INTERVAL });
    await h.session.mcp.readResource({ uri: LOGS });
    const after = h.http.requests.length;
    await sleep(INTERVAL * 4);
    expect(h.http.requests.length).toBe(after);
  });

  it("refuses to subscribe to anything but a logs resource, or to an unknown source", async () => {
    h = await startHarness({ pollIntervalMs: INTERVAL });
    const notLogs = await rejection(
      h.session.mcp.subscribeResource({ uri: "knock://development/sources/stripe" }),
    );
    expect(notLogs.code).toBe(-32602);
    expect(notLogs.message).toContain("Only event-log resources");
    const unknown = await rejection(
      h.session.mcp.subscribeResource({ uri: "knock://development/sources/nope/logs" }),
    );
    expect(unknown.code).toBe(-32002);
    expect(unknown.message).toContain("list_sources");
    await sleep(INTERVAL * 3);
    expect(logPolls(h)).toBe(1);
  });

  it("logs a failed poll to stderr and keeps polling", async () => {
    const started = await subscribedHarness();
    h = started.h;
    const stderr = vi.spyOn(console, "error").mockImplementation(() => undefined);
    await h.session.mcp.subscribeResource({ uri: LOGS });
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
    await h.client.rehearseSource("stripe", "development", { type: "invoice.paid", data: { object: {} } });
    await vi.waitFor(() => expect(started.updates).toEqual([LOGS]), { timeout: 2000 });
    const warnings = stderr.mock.calls.map((c) => String(c[0]));
    expect(warnings.some((w) => w.includes(`could not check ${LOGS}`) && w.includes("boom"))).toBe(true);
  });

  it("stops every timer when the client goes away, and sends nothing after", async () => {
    const started = await subscribedHarness();
    h = started.h;
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const send = vi.spyOn(h.session.server.server, "sendResourceUpdated");
      await h.session.mcp.subscribeResource({ uri: LOGS });
      await h.session.mcp.subscribeResource({ uri: "knock://production/sources/stripe/logs" });
      await h.session.mcp.close();
      const polls = logPolls(h);
      await h.client.rehearseSource("stripe", "development", { type: "invoice.paid", data: { object: {} } });
      await sleep(INTERVAL * 5);
      expect(logPolls(h)).toBe(polls);
      expect(send).not.toHaveBeenCalled();
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});
