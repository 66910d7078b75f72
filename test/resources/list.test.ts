import type { Resource } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { type CacheHint, connect, ERAS, payloadOf, resourcesPage, testConfig } from "../helpers/mcp.js";
import { type Harness, rejection, useHarness } from "./helpers.js";

// One account's sources as the catalog holds them; a write through this server says list_changed.
const LIST_HINT: CacheHint = { ttlMs: 30_000, cacheScope: "private" };

async function listAll(h: Harness): Promise<{ pages: number; resources: Resource[] }> {
  const resources: Resource[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = payloadOf(h.session.era, await resourcesPage(h.session, cursor), LIST_HINT);
    pages += 1;
    expect(page.resources.length).toBeLessThanOrEqual(100);
    resources.push(...page.resources);
    cursor = page.nextCursor;
  } while (cursor !== undefined && pages < 50);
  return { pages, resources };
}

describe.each(ERAS)("%s", (era) => {
  describe("resources/list", () => {
    const h = useHarness({}, era);

    it("enumerates provider templates and, per source and environment, the source and its logs", async () => {
      const providers = (await h().client.listSourceProviders()).entries;
      const sources = (await h().client.listSources({ include: ["environment_settings"] })).entries;
      const { resources } = await listAll(h());
      const uris = resources.map((r) => r.uri);

      expect(uris).toContain("knock://source-providers/stripe");
      expect(uris).toContain("knock://development/sources/stripe");
      expect(uris).toContain("knock://production/sources/stripe/logs");
      const expected =
        providers.length +
        sources.reduce((n, s) => n + 2 * Object.keys(s.environment_settings ?? {}).length, 0);
      expect(resources).toHaveLength(expected);
      expect(resources.every((r) => r.mimeType === "application/json")).toBe(true);

      const stripe = resources.find((r) => r.uri === "knock://source-providers/stripe");
      expect(stripe?.name).toBe("Stripe — provider template");
      const logs = resources.find((r) => r.uri === "knock://development/sources/stripe/logs");
      expect(logs?.name).toBe("stripe · development — event logs");
      expect(logs?.description).toContain("list_source_logs");
    });

    it("pages through more sources than one page holds, each URI once", async () => {
      for (let i = 0; i < 105; i += 1) {
        await h().client.upsertSource(`bulk-${String(i).padStart(3, "0")}`, "development", {
          name: `Bulk ${i}`,
        });
      }
      // Past the cache's lifetime would be slow to wait for; a fresh session has its own cache.
      const fresh = await connect(testConfig(), h().client, era);
      try {
        const before = h().http.requests.length;
        const h2 = { ...h(), session: fresh };
        const { pages, resources } = await listAll(h2);
        const uris = resources.map((r) => r.uri);
        const sources = (await h().client.listSources({ include: ["environment_settings"] })).entries;
        const providers = (await h().client.listSourceProviders()).entries;
        const expected =
          providers.length +
          sources.reduce((n, s) => n + 2 * Object.keys(s.environment_settings ?? {}).length, 0);

        expect(sources.length).toBeGreaterThan(100);
        expect(new Set(uris).size).toBe(uris.length);
        expect(uris).toHaveLength(expected);
        expect(pages).toBe(Math.ceil(expected / 100));
        expect(uris).toContain("knock://staging/sources/bulk-104/logs");
        // Every page came from one sources call and one providers call (cached), plus the two above.
        expect(h().http.requests.length - before).toBe(4);
      } finally {
        await fresh.close();
      }
    });

    it("refuses a cursor it did not make", async () => {
      for (const cursor of ["not-a-cursor", Buffer.from('{"v":2}').toString("base64url")]) {
        const error = await rejection(h().session.mcp.listResources({ cursor }));
        expect(error.code).toBe(-32602);
        expect(error.message).toContain("is not a cursor from this server");
      }
    });

    it("is empty, not an error, without a service token", async () => {
      const session = await connect(testConfig({ serviceToken: undefined }), undefined, era);
      try {
        expect(payloadOf(era, await session.mcp.listResources(), LIST_HINT).resources).toEqual([]);
      } finally {
        await session.close();
      }
    });
  });
});
