// The response budget: results stay under --max-result-chars, lists lose whole entries, huge values are
// shortened with a marker, and what the host receives still matches the tool's output schema.
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { SourceLogsResponse } from "../src/knock/schemas.js";
import { fitToBudget, size } from "../src/mcp/budget.js";
import { connect, testConfig } from "./helpers/mcp.js";
import { mockKnock } from "./helpers/mock-knock.js";
import { sandboxClient } from "./helpers/sandbox.js";

const log = (i: number, dataChars = 500) => ({
  id: `log_${i}`,
  event: "invoice.paid",
  inserted_at: "2026-11-01T00:00:00Z",
  data: { note: "x".repeat(dataChars), i },
  preprocess_output: null,
  source: null,
  verification_status: "enforced:verified",
});

describe("fitToBudget", () => {
  it("leaves a result that fits untouched", () => {
    const value = { entries: [log(1)] };
    expect(fitToBudget(value, 10_000)).toBe(value);
  });

  it("cuts a list by whole entries and says how many were left out", () => {
    const value = { entries: Array.from({ length: 100 }, (_, i) => log(i)) };
    const out = fitToBudget(value, 10_000);
    expect(size(out)).toBeLessThanOrEqual(10_000);
    const entries = out.entries as unknown[];
    expect(entries.length).toBeGreaterThan(10);
    expect(entries).toEqual(value.entries.slice(0, entries.length));
    expect(out.truncated).toMatchObject({ omitted_entries: 100 - entries.length });
    expect(JSON.stringify(out.truncated)).toMatch(/entries were left out/);
  });

  it("shortens the largest field of a single huge object with a marker", () => {
    const value = { ...log(1, 3_000_000), preprocess_output: { small: true } };
    const out = fitToBudget(value, 20_000);
    expect(size(out)).toBeLessThanOrEqual(20_000);
    expect((out.data as { note: string }).note).toMatch(/…\[shortened \d+ characters\]$/);
    expect(out.preprocess_output).toEqual({ small: true });
    expect(out.id).toBe("log_1");
    expect(out.truncated).toMatchObject({ shortened_fields: ["data.note"] });
  });

  it("cuts a wide object of many small values by whole keys", () => {
    const data = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i]));
    const out = fitToBudget({ id: "log_1", event: "e", data }, 5_000);
    expect(size(out)).toBeLessThanOrEqual(5_000);
    expect((out.data as Record<string, unknown>)["…[shortened]"]).toMatch(/more keys/);
  });

  it("counts its own note: the shortened result with the note fits", () => {
    for (const budget of [2_000, 2_500, 5_000]) {
      const value = { id: "x", event: "e", a: "a".repeat(3_000), b: "b".repeat(3_000), c: "c".repeat(3_000) };
      expect(size(fitToBudget(value, budget))).toBeLessThanOrEqual(budget);
    }
  });

  it("undoes a cut that would break the result's schema, and shortens something else", () => {
    const schema = z.looseObject({ provider: z.looseObject({ name: z.string(), description: z.string() }) });
    const provider = {
      name: "Stripe",
      description: "Billing",
      ...Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`extra${i}`, i])),
    };
    const value = { provider, note: "n".repeat(4_000) };
    const out = fitToBudget(value, 3_000, (v) => schema.safeParse(v).success);
    expect(schema.safeParse(out).success).toBe(true);
    expect((out.note as string).length).toBeLessThan(4_000);
    expect(out.provider).toMatchObject({ name: "Stripe", description: "Billing" });
  });

  it("keeps a single oversized entry, shortened inside, rather than an empty list", () => {
    const out = fitToBudget({ entries: [log(1, 100_000)], page_info: { page_size: 1 } }, 5_000);
    expect(size(out)).toBeLessThanOrEqual(5_000);
    expect(out.entries).toHaveLength(1);
    expect(SourceLogsResponse.safeParse(out).success).toBe(true);
  });
});

describe("the budget through the tools", () => {
  let session: Awaited<ReturnType<typeof connect>> | undefined;
  afterEach(async () => {
    await session?.close();
  });

  it("list_source_logs asks again for as many logs as fit, so page_info.after continues exactly", async () => {
    const knock = mockKnock();
    const page = (n: number, after: string) => ({
      status: 200,
      body: {
        entries: Array.from({ length: n }, (_, i) => log(i, 2_000)),
        page_info: { after, before: null, page_size: n },
      },
    });
    knock.enqueue(page(50, "cursor-after-50"), page(9, "cursor-after-9"));
    session = await connect(testConfig({ maxResultChars: 20_000 }), knock.client);
    const result = await session.mcp.callTool({ name: "list_source_logs", arguments: { key: "stripe" } });
    expect(knock.requests.map((r) => r.path)).toEqual([
      "/v1/sources/stripe/logs?environment=development",
      expect.stringMatching(/^\/v1\/sources\/stripe\/logs\?environment=development&limit=\d+$/),
    ]);
    const text = (result.content as Array<{ text: string }>)[0]?.text ?? "";
    expect(text.length).toBeLessThanOrEqual(20_000);
    expect(result.structuredContent).toMatchObject({ page_info: { after: "cursor-after-9" } });
  });

  it("a log whose data is megabytes comes back shortened, under the budget, and schema-valid", async () => {
    const knock = mockKnock();
    knock.always({
      status: 200,
      body: { entries: [log(1, 5_000_000)], page_info: { after: null, before: null, page_size: 1 } },
    });
    session = await connect(testConfig({ maxResultChars: 30_000 }), knock.client);
    const result = await session.mcp.callTool({
      name: "list_source_logs",
      arguments: { key: "stripe", id: "log_1" },
    });
    expect(result.isError).toBeUndefined();
    const text = (result.content as Array<{ text: string }>)[0]?.text ?? "";
    expect(text.length).toBeLessThanOrEqual(30_000);
    expect(JSON.parse(text)).toEqual(result.structuredContent);
    expect(text).toMatch(/…\[shortened \d+ characters\]/);
  });

  it("every provider template comes back whole or shortened, never over a small budget, never invalid", async () => {
    const env = await sandboxClient();
    try {
      session = await connect(testConfig({ maxResultChars: 5_000 }), env.client);
      const { entries } = (await env.client.listSourceProviders()) as { entries: Array<{ key: string }> };
      for (const { key } of entries) {
        const result = await session.mcp.callTool({
          name: "get_source_provider",
          arguments: {
            key,
            include: [
              "branding",
              "default_action_mappings",
              "example_payloads",
              "preprocessing_script",
              "static_fields",
            ],
          },
        });
        const text = (result.content as Array<{ text: string }>)[0]?.text ?? "";
        expect(result.isError, `${key}: ${text}`).toBeUndefined();
        expect(text.length, key).toBeLessThanOrEqual(5_000);
        expect(JSON.parse(text)).toMatchObject({ key, provider: { name: expect.any(String) } });
      }
    } finally {
      await env.close();
    }
  });

  it("a list without paging is cut by whole entries with a note", async () => {
    const knock = mockKnock();
    const entries = Array.from({ length: 400 }, (_, i) => ({
      key: `source-${i}`,
      name: `Source ${i}`,
      description: "d".repeat(200),
    }));
    knock.always({ status: 200, body: { entries } });
    session = await connect(testConfig({ maxResultChars: 10_000 }), knock.client);
    const result = await session.mcp.callTool({ name: "list_sources", arguments: {} });
    const structured = result.structuredContent as {
      entries: unknown[];
      truncated: { omitted_entries: number };
    };
    expect(structured.entries.length + structured.truncated.omitted_entries).toBe(400);
    expect(((result.content as Array<{ text: string }>)[0]?.text ?? "").length).toBeLessThanOrEqual(10_000);
  });
});
