import { describe, expect, it } from "vitest";
import { type CacheHint, connect, ERAS, payloadOf, testConfig } from "../helpers/mcp.js";
import { rejection, textOf, useHarness } from "./helpers.js";

// How long a 2026-era host may keep each read, and for whom: Knock's provider templates are the same for
// every caller and change with Knock releases; an account's sources and logs are its own and change often.
const PROVIDER: CacheHint = { ttlMs: 3_600_000, cacheScope: "public" };
const SOURCE: CacheHint = { ttlMs: 5_000, cacheScope: "private" };
const LOGS: CacheHint = { ttlMs: 2_000, cacheScope: "private" };
const LOG: CacheHint = { ttlMs: 10_000, cacheScope: "private" };

describe.each(ERAS)("%s", (era) => {
  describe("resources/read", () => {
    const h = useHarness({}, era);

    const read = async (uri: string, hint: CacheHint) => {
      const result = payloadOf(era, await h().session.mcp.readResource({ uri }), hint);
      expect(result.contents).toHaveLength(1);
      expect(result.contents[0]).toMatchObject({ uri, mimeType: "application/json" });
      return JSON.parse(textOf(result));
    };

    it("reads a provider with everything include can add", async () => {
      const provider = await read("knock://source-providers/stripe", PROVIDER);
      expect(provider.key).toBe("stripe");
      expect(Object.keys(provider.example_payloads ?? {}).length).toBeGreaterThan(0);
      expect(Array.isArray(provider.default_action_mappings)).toBe(true);
      expect(provider).toHaveProperty("static_fields");
      expect(provider.provider).toHaveProperty("branding");
    });

    it("reads a source's settings and mappings in one environment", async () => {
      const source = await read("knock://production/sources/stripe", SOURCE);
      expect(source.key).toBe("stripe");
      expect(Object.keys(source.environment_settings)).toEqual(["production"]);
      expect(Array.isArray(source.environment_settings.production.mappings)).toBe(true);
    });

    it("reads the recent logs with their actions and page_info", async () => {
      const logs = await read("knock://development/sources/stripe/logs", LOGS);
      expect(logs.entries.length).toBeGreaterThan(0);
      expect(logs.entries.length).toBeLessThanOrEqual(50);
      expect(logs.entries.every((e: { actions?: unknown }) => Array.isArray(e.actions))).toBe(true);
      expect(logs.page_info).toMatchObject({ page_size: 50 });
    });

    it("reads one log by id with its actions", async () => {
      const newest = (await h().client.listSourceLogs("stripe", { environment: "development", limit: 2 }))
        .entries;
      const second = newest[1];
      if (!second) throw new Error("the seeded sandbox should hold logs");
      const log = await read(`knock://development/sources/stripe/logs/${second.id}`, LOG);
      expect(log.id).toBe(second.id);
      expect(log.event).toBe(second.event);
      expect(Array.isArray(log.actions)).toBe(true);
    });

    it("decodes percent-encoded variables", async () => {
      await h().client.upsertSource("my source", "development", { name: "Spaced out" });
      const rehearsed = await h().client.rehearseSource("my source", "development", { type: "ping" });
      const source = await read("knock://development/sources/my%20source", SOURCE);
      expect(source).toMatchObject({ key: "my source", name: "Spaced out" });
      const logs = await read("knock://development/sources/my%20source/logs", LOGS);
      expect(logs.entries.map((e: { id: string }) => e.id)).toEqual([rehearsed.log_id]);
      const log = await read(`knock://development/sources/my%20source/logs/${rehearsed.log_id}`, LOG);
      expect(log.id).toBe(rehearsed.log_id);
    });

    it.each([
      // Outside the four templates the SDK's own read handler answers: resource not found (SEP-2164).
      ["an unknown scheme", "https://example.com/x", -32602, "Resource not found: https://example.com/x"],
      ["an unknown path", "knock://development/things/stripe", -32602, "Resource not found"],
      ["a malformed escape", "knock://development/sources/bad%zz", -32602, "malformed percent-escape"],
      ["an unknown source", "knock://development/sources/nope", -32602, 'no source "nope"'],
      ["an unknown provider", "knock://source-providers/nope", -32602, "list_source_providers"],
      ["an unknown environment", "knock://qa/sources/stripe", -32602, '"qa"'],
      [
        "an unknown log id",
        "knock://development/sources/stripe/logs/log_nope",
        -32602,
        'no event log "log_nope"',
      ],
    ])("answers %s with a JSON-RPC error that says what to do", async (_what, uri, code, text) => {
      const error = await rejection(h().session.mcp.readResource({ uri }));
      expect(error.code).toBe(code);
      expect(error.message).toContain(text);
      expect(error.message).not.toMatch(/MCP error -32\d+: MCP error/);
    });

    it("explains how to set a token when none is configured", async () => {
      const session = await connect(testConfig({ serviceToken: undefined }), undefined, era);
      try {
        const error = await rejection(
          session.mcp.readResource({ uri: "knock://development/sources/stripe" }),
        );
        expect(error.message).toContain("No Knock service token is configured");
        expect(error.message).toContain("KNOCK_SERVICE_TOKEN");
      } finally {
        await session.close();
      }
    });
  });

  describe("resources/read within the result budget", () => {
    const h = useHarness({ maxResultChars: 6_000 }, era);

    it("a logs resource over --max-result-chars holds fewer, whole logs whose cursor continues exactly", async () => {
      const uri = "knock://development/sources/stripe/logs";
      const text = textOf(payloadOf(era, await h().session.mcp.readResource({ uri }), LOGS));
      expect(text.length).toBeLessThanOrEqual(6_000);
      const page = JSON.parse(text);
      expect(page.entries.length).toBeGreaterThan(0);
      expect(page.entries.length).toBeLessThan(8);
      // The page was asked for again with a smaller limit, so Knock's own cursor follows the last entry shown.
      expect(page.page_info.page_size).toBe(page.entries.length);
      expect(h().http.requests.filter((r) => r.includes("/logs"))).toHaveLength(2);
    });
  });
});
