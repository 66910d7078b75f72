import { describe, expect, it, vi } from "vitest";
import { Catalog } from "../../src/resources/catalog.js";
import { useHarness } from "./helpers.js";

describe("the cached catalog behind resources/list and completions", () => {
  const h = useHarness();

  it("makes one sources call and one providers call per lifetime, and forgets failures", async () => {
    let now = 0;
    const catalog = new Catalog(h().client, 30_000, () => now);
    const start = h().http.requests.length;
    const first = await catalog.get();
    await catalog.get();
    expect(h().http.requests.slice(start).sort()).toEqual(["GET /v1/source_providers", "GET /v1/sources"]);
    expect(first.sources.find((s) => s.key === "stripe")?.environments).toEqual([
      "development",
      "production",
      "staging",
    ]);

    now = 30_000;
    await h().client.upsertSource("late", "development", { name: "Late" });
    const refreshed = await catalog.get();
    expect(refreshed.sources.map((s) => s.key)).toContain("late");

    now = 60_000;
    const spy = vi.spyOn(h().client, "listSourceProviders").mockRejectedValueOnce(new Error("down"));
    await expect(catalog.get()).rejects.toThrow("down");
    spy.mockRestore();
    expect((await catalog.get()).providers.length).toBeGreaterThan(0);
  });
});
