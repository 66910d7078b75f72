// list_source_logs refuses filters that exclude each other, instead of sending them and returning an empty
// page; filters that overlap go through as they are.
import { describe, expect, it } from "vitest";
import { connect, ERAS, testConfig } from "./helpers/mcp.js";
import { mockKnock } from "./helpers/mock-knock.js";

describe.each(ERAS)("%s", (era) => {
  it.each([
    ["a day before the range", { date: "2026-11-01", starting_at: "2026-11-02T00:00:00Z" }],
    ["a day after the range", { date: "2026-11-03", ending_at: "2026-11-02T23:59:59Z" }],
    [
      "a range that ends before it starts",
      { starting_at: "2026-11-02T10:00:00Z", ending_at: "2026-11-02T09:00:00Z" },
    ],
  ])("refuses %s, and sends nothing", async (_what, filters) => {
    const knock = mockKnock();
    const session = await connect(testConfig(), knock.client, era);
    try {
      const result = await session.mcp.callTool({
        name: "list_source_logs",
        arguments: { key: "stripe", ...filters },
      });
      expect(result.isError).toBe(true);
      expect(JSON.stringify(result.content)).toMatch(/leave no time between them/);
      expect(knock.requests).toHaveLength(0);
    } finally {
      await session.close();
      await knock.agent.close();
    }
  });

  it("sends a day with a range inside it", async () => {
    const knock = mockKnock();
    knock.always({ status: 200, body: { entries: [], page_info: { after: null, before: null } } });
    const session = await connect(testConfig(), knock.client, era);
    try {
      const result = await session.mcp.callTool({
        name: "list_source_logs",
        arguments: {
          key: "stripe",
          date: "2026-11-02",
          starting_at: "2026-11-02T08:00:00Z",
          ending_at: "2026-11-02T20:00:00Z",
        },
      });
      expect(result.isError).toBeUndefined();
      expect(knock.requests).toHaveLength(1);
    } finally {
      await session.close();
      await knock.agent.close();
    }
  });
});
