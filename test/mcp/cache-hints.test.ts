// The cache hints 2026-era clients receive on list and read results, and that 2025-era clients never see:
// a provider template is Knock's and the same for everyone, a source or a logs page is one account's and
// goes stale quickly.
import { describe, expect, it } from "vitest";
import { RESOURCE_TEMPLATES } from "../../src/resources/templates.js";
import { useHarness } from "../resources/helpers.js";

const READS: Record<string, string> = {
  provider: "knock://source-providers/stripe",
  source: "knock://development/sources/stripe",
  logs: "knock://development/sources/stripe/logs",
};

describe("2026-07-28: cache hints that are true", () => {
  const h = useHarness({}, "2026-07-28");

  it("tools/list, resources/templates/list and server/discover are the same for every caller for an hour", async () => {
    const mcp = h().session.mcp;
    expect(await mcp.listTools()).toMatchObject({ ttlMs: 3_600_000, cacheScope: "public" });
    expect(await mcp.listResourceTemplates()).toMatchObject({ ttlMs: 3_600_000, cacheScope: "public" });
  });

  it("resources/list is one account's, for as long as the server's own catalog keeps it", async () => {
    expect(await h().session.mcp.listResources()).toMatchObject({ ttlMs: 30_000, cacheScope: "private" });
  });

  it.each(Object.entries(READS))("a %s read carries its template's freshness", async (kind, uri) => {
    const template = RESOURCE_TEMPLATES.find((t) => t.kind === kind);
    // Bypassing the client's own cache, which would otherwise answer a repeated read by these very hints.
    const read = await h().session.mcp.readResource({ uri }, { cacheMode: "bypass" });
    expect(read).toMatchObject({ ttlMs: template?.freshness.ttlMs, cacheScope: template?.freshness.scope });
  });

  it("the values say what they should: Knock's templates are public and long-lived, account data private and short", () => {
    const by = Object.fromEntries(RESOURCE_TEMPLATES.map((t) => [t.kind, t.freshness]));
    expect(by.provider).toEqual({ ttlMs: 3_600_000, scope: "public" });
    for (const kind of ["source", "logs", "log"]) expect(by[kind]?.scope).toBe("private");
    expect(by.logs?.ttlMs).toBeLessThanOrEqual(5_000);
  });
});

describe("2025-11-25: no cache fields", () => {
  const h = useHarness({}, "2025-11-25");

  it("neither lists nor reads carry ttlMs or cacheScope", async () => {
    const mcp = h().session.mcp;
    for (const result of [
      await mcp.listTools(),
      await mcp.listResources(),
      await mcp.readResource({ uri: READS.provider as string }),
    ]) {
      expect(result).not.toHaveProperty("ttlMs");
      expect(result).not.toHaveProperty("cacheScope");
    }
  });
});
