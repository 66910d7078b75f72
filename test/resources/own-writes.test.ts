// A write through this server is seen at once: after upsert_source, resources/list and completions show
// the new source without waiting out the catalog's cache, and a client listening for resource-list
// changes is told, in both eras.
import type { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { ResourceListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ERAS, type Era } from "../helpers/mcp.js";
import { type Harness, startHarness } from "./helpers.js";

const NEW_KEY = "billing-webhooks";
const TEMPLATE = "knock://{environment}/sources/{source}";

/** Counts notifications/resources/list_changed the way a host of each era hears of them. */
async function hearListChanged(h: Harness, era: Era): Promise<{ count: () => number }> {
  let count = 0;
  if (era === "2025-11-25") {
    (h.session.mcp as unknown as LegacyClient).setNotificationHandler(
      ResourceListChangedNotificationSchema,
      () => {
        count += 1;
      },
    );
  } else {
    h.session.mcp.setNotificationHandler("notifications/resources/list_changed", () => {
      count += 1;
    });
    await h.session.mcp.listen({ resourcesListChanged: true });
  }
  return { count: () => count };
}

const listedUris = async (h: Harness) => {
  const uris: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await h.session.mcp.listResources(cursor === undefined ? {} : { cursor });
    uris.push(...page.resources.map((r) => r.uri));
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return uris;
};

const completedSources = async (h: Harness) =>
  (
    await h.session.mcp.complete({
      ref: { type: "ref/resource", uri: TEMPLATE },
      argument: { name: "source", value: "" },
      context: { arguments: { environment: "development" } },
    })
  ).completion.values;

describe.each(ERAS)("%s", (era) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("upsert_source makes the new source show in resources/list and completions at once, and says list_changed", async () => {
    h = await startHarness({}, era);
    const heard = await hearListChanged(h, era);
    // Both fill the catalog's cache, which would otherwise be kept for 30 seconds.
    expect(await listedUris(h)).not.toContain(`knock://development/sources/${NEW_KEY}`);
    expect(await completedSources(h)).not.toContain(NEW_KEY);
    const before = h.http.requests.filter((r) => r === "GET /v1/sources").length;

    const created = await h.session.mcp.callTool({
      name: "upsert_source",
      arguments: { key: NEW_KEY, name: "Billing webhooks", preconfigured_provider: "custom-http" },
    });
    expect(created.isError).toBeUndefined();
    await vi.waitFor(() => expect(heard.count()).toBe(1), { timeout: 2_000 });

    expect(await listedUris(h)).toContain(`knock://development/sources/${NEW_KEY}`);
    expect(await completedSources(h)).toContain(NEW_KEY);
    // Asked for once more after the write, then served from the refreshed cache.
    expect(h.http.requests.filter((r) => r === "GET /v1/sources").length).toBe(before + 1);
  });

  it("a refused upsert changes nothing and says nothing", async () => {
    h = await startHarness({}, era);
    const heard = await hearListChanged(h, era);
    await listedUris(h);
    const refused = await h.session.mcp.callTool({
      name: "upsert_source",
      arguments: { key: NEW_KEY, name: "Billing", preconfigured_provider: "no-such-provider" },
    });
    expect(refused.isError).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    expect(heard.count()).toBe(0);
    expect(await listedUris(h)).not.toContain(`knock://development/sources/${NEW_KEY}`);
  });
});
