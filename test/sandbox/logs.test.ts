import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Client, expectKnockError, FIXED_NOW, movableClock, withSandbox } from "./helpers.js";

let client: Client;
let close: () => Promise<void>;
let clock: ReturnType<typeof movableClock>;
const MINUTE = 60_000;
const EVENTS = ["a", "b", "a", "c", "a", "b", "a"];

beforeEach(async () => {
  clock = movableClock();
  ({ client, close } = await withSandbox({ now: clock.now }));
  await client.put("/v1/sources/pg?environment=development", {
    source: {
      name: "Paging",
      environment_settings: { development: { settings: { event_type_path: "body.type" } } },
    },
  });
  // Seven logs one minute apart (the last two share a timestamp, so ordering falls back to insertion).
  for (const [i, type] of EVENTS.entries()) {
    if (i < EVENTS.length - 1) clock.advance(MINUTE);
    const res = await client.post("/v1/sources/pg/rehearse?environment=development", {
      payload: { body: { type, n: i } },
    });
    expect(res.json.status).toBe("ok");
  }
});
afterEach(() => close());

type Log = { id: string; event: string; inserted_at: string; data: { n: number } };
const logsPath = (query: string) => `/v1/sources/pg/logs?environment=development&${query}`;

describe("GET /v1/sources/{key}/logs", () => {
  it("lists newest first with page_info", async () => {
    const res = await client.get(logsPath(""));
    expect(res.status).toBe(200);
    expect(res.json.page_info).toEqual({ after: null, before: null, page_size: 50 });
    expect(res.json.entries.map((l: Log) => l.data.n)).toEqual([6, 5, 4, 3, 2, 1, 0]);
    expect(Object.keys(res.json.entries[0]).sort()).toEqual([
      "data",
      "event",
      "id",
      "inserted_at",
      "preprocess_output",
      "source",
      "verification_status",
    ]);
    expect(res.json.entries[0]).toMatchObject({
      source: "rehearsal",
      verification_status: "unenforced:unverified",
    });
    expect(res.json.entries[0].id).toMatch(/^log_[A-Za-z0-9]+$/);
  });

  it("pages forward with after and back with before", async () => {
    const forward: number[][] = [];
    const pages: Array<{ after: string | null; before: string | null }> = [];
    let after: string | null = null;
    do {
      const res = await client.get(logsPath(`limit=3${after ? `&after=${after}` : ""}`));
      expect(res.status).toBe(200);
      expect(res.json.page_info.page_size).toBe(3);
      forward.push(res.json.entries.map((l: Log) => l.data.n));
      pages.push(res.json.page_info);
      after = res.json.page_info.after;
    } while (after);
    expect(forward).toEqual([[6, 5, 4], [3, 2, 1], [0]]);
    expect(pages[0]?.before).toBeNull();
    expect(pages[1]?.before).not.toBeNull();

    const back1 = await client.get(logsPath(`limit=3&before=${pages[2]?.before}`));
    expect(back1.json.entries.map((l: Log) => l.data.n)).toEqual([3, 2, 1]);
    const back2 = await client.get(logsPath(`limit=3&before=${back1.json.page_info.before}`));
    expect(back2.json.entries.map((l: Log) => l.data.n)).toEqual([6, 5, 4]);
    expect(back2.json.page_info.before).toBeNull();
    expect(back2.json.page_info.after).toBe(pages[0]?.after);
  });

  it("keeps cursors stable when new logs arrive", async () => {
    const first = await client.get(logsPath("limit=2"));
    clock.advance(MINUTE);
    await client.post("/v1/sources/pg/rehearse?environment=development", {
      payload: { body: { type: "z", n: 7 } },
    });
    const next = await client.get(logsPath(`limit=2&after=${first.json.page_info.after}`));
    expect(next.json.entries.map((l: Log) => l.data.n)).toEqual([4, 3]);
  });

  it("validates limit and cursors", async () => {
    for (const limit of ["0", "101", "abc", "2.5", "-1", ""]) {
      const res = await client.get(logsPath(`limit=${limit}`));
      expectKnockError(res, 422, "invalid_params");
      expect(res.json.errors).toEqual([{ field: "limit", message: expect.any(String), type: null }]);
    }
    expect((await client.get(logsPath("limit=100"))).status).toBe(200);
    for (const name of ["after", "before"]) {
      for (const cursor of ["not-a-cursor!", Buffer.from("12:ab").toString("base64url"), "bm9wZQ"]) {
        const res = await client.get(logsPath(`${name}=${encodeURIComponent(cursor)}`));
        expectKnockError(res, 422, "invalid_params");
        expect(res.json.errors[0].field).toBe(name);
      }
    }
  });

  it("includes actions only when asked", async () => {
    await client.put("/v1/sources/pg?environment=development", {
      source: {
        name: "Paging",
        environment_settings: {
          development: {
            mappings: [
              { event_type: "a", action_type: "users_identify", action_parameters: { id: "body.n" } },
            ],
          },
        },
      },
    });
    clock.advance(MINUTE);
    await client.post("/v1/sources/pg/rehearse?environment=development", {
      payload: { body: { type: "a", n: 9 } },
    });
    const without = await client.get(logsPath("limit=1"));
    expect(without.json.entries[0]).not.toHaveProperty("actions");
    const withActions = await client.get(logsPath("limit=2&include[]=actions"));
    const [newest, older] = withActions.json.entries;
    expect(newest.actions).toEqual([
      {
        id: expect.stringMatching(/^act_[A-Za-z0-9]+$/),
        action_type: "users_identify",
        action_status: "success",
        action_parameters: { id: "body.n" },
        action_payload: { id: 9 },
        action_result: { id: expect.stringMatching(/^[0-9a-f-]{36}$/) },
        inserted_at: newest.inserted_at,
      },
    ]);
    expect(older.actions).toEqual([]);
    expectKnockError(await client.get(logsPath("include[]=nope")), 422, "invalid_params");
  });

  it("filters by event, id, date and time range, combinably", async () => {
    const all = (await client.get(logsPath(""))).json.entries as Log[];
    const byEvent = await client.get(logsPath("event=a"));
    expect(byEvent.json.entries.map((l: Log) => l.data.n)).toEqual([6, 4, 2, 0]);
    const target = all[3] as Log;
    const byId = await client.get(logsPath(`id=${target.id}`));
    expect(byId.json.entries.map((l: Log) => l.id)).toEqual([target.id]);
    expect((await client.get(logsPath(`id=${target.id}&event=b`))).json.entries).toEqual([]);

    // Logs sit at FIXED_NOW + 1..6 minutes. Bounds are inclusive.
    const t = (m: number) => new Date(FIXED_NOW.getTime() + m * MINUTE).toISOString();
    const range = await client.get(logsPath(`starting_at=${t(2)}&ending_at=${t(4)}`));
    expect(range.json.entries.map((l: Log) => l.data.n)).toEqual([3, 2, 1]);
    const rangeEvent = await client.get(logsPath(`starting_at=${t(2)}&ending_at=${t(4)}&event=a`));
    expect(rangeEvent.json.entries.map((l: Log) => l.data.n)).toEqual([2]);
    const offset = await client.get(
      logsPath(`starting_at=${encodeURIComponent("2026-08-20T14:05:00+02:00")}`),
    );
    expect(offset.json.entries.map((l: Log) => l.data.n)).toEqual([6, 5, 4]);

    const day = await client.get(logsPath("date=2026-08-20"));
    expect(day.json.entries).toHaveLength(7);
    expect((await client.get(logsPath("date=2026-08-19"))).json.entries).toEqual([]);
    const seededDay = await client.get(
      "/v1/sources/app-webhooks/logs?environment=development&date=2026-08-19&limit=100",
    );
    expect(seededDay.json.entries.length).toBeGreaterThan(0);
    for (const log of seededDay.json.entries) expect(log.inserted_at.slice(0, 10)).toBe("2026-08-19");

    const paged = await client.get(logsPath("event=a&limit=2"));
    expect(paged.json.entries.map((l: Log) => l.data.n)).toEqual([6, 4]);
    const paged2 = await client.get(logsPath(`event=a&limit=2&after=${paged.json.page_info.after}`));
    expect(paged2.json.entries.map((l: Log) => l.data.n)).toEqual([2, 0]);
    expect(paged2.json.page_info.after).toBeNull();
  });

  it("rejects invalid date formats", async () => {
    for (const [name, value] of [
      ["date", "2026/08/20"],
      ["date", "2026-02-30"],
      ["date", "yesterday"],
      ["starting_at", "2026-08-20"],
      ["starting_at", "2026-08-20T25:00:00Z"],
      ["ending_at", "noon"],
    ]) {
      const res = await client.get(logsPath(`${name}=${value}`));
      expectKnockError(res, 422, "invalid_params");
      expect(res.json.errors.map((e: { field: string }) => e.field)).toEqual([name]);
    }
  });

  it("requires environment and a known source; separates environments", async () => {
    const res = await client.get("/v1/sources/pg/logs");
    expect(res.json.errors).toEqual([{ field: "environment", message: "is required", type: null }]);
    expectKnockError(
      await client.get("/v1/sources/nope/logs?environment=development"),
      404,
      "resource_missing",
    );
    expectKnockError(await client.get("/v1/sources/pg/logs?environment=qa"), 404, "resource_missing");
    expect((await client.get("/v1/sources/pg/logs?environment=staging")).json.entries).toEqual([]);
  });

  it("has seeded logs, including a failed action and an unverified event", async () => {
    const seeded = [];
    for (const key of ["stripe", "app-webhooks"]) {
      for (const env of ["development", "staging", "production"]) {
        const res = await client.get(
          `/v1/sources/${key}/logs?environment=${env}&limit=100&include[]=actions`,
        );
        seeded.push(...res.json.entries);
      }
    }
    expect(seeded.length).toBe(36);
    expect(seeded.every((l) => l.source === null)).toBe(true);
    expect(
      seeded.some((l) => l.actions.some((a: { action_status: string }) => a.action_status === "error")),
    ).toBe(true);
    expect(
      seeded.some((l) => l.actions.some((a: { action_status: string }) => a.action_status === "success")),
    ).toBe(true);
    expect(seeded.some((l) => String(l.verification_status).endsWith(":unverified"))).toBe(true);
    for (const log of seeded) {
      expect(Date.parse(log.inserted_at)).toBeLessThan(FIXED_NOW.getTime());
      expect(Date.parse(log.inserted_at)).toBeGreaterThan(FIXED_NOW.getTime() - 7 * 24 * 60 * MINUTE);
    }
  });
});

describe("seeded logs", () => {
  it("hold what the source's script returned, with the reason for the one rejected Stripe delivery", async () => {
    const res = await client.get(
      "/v1/sources/stripe/logs?environment=development&limit=100&include[]=actions",
    );
    const logs = res.json.entries as Array<{
      verification_status: string;
      preprocess_output: Record<string, unknown> | null;
      actions: unknown[];
    }>;
    expect(logs.length).toBeGreaterThan(2);
    // The Stripe script derives the customer for mappings, and says why when it does not verify.
    for (const log of logs) expect(log.preprocess_output).toHaveProperty("customer_id");
    const rejected = logs.filter((log) => log.verification_status === "enforced:unverified");
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.preprocess_output).toMatchObject({ verified: false, reason: "signature mismatch" });
    expect(rejected[0]?.actions).toEqual([]);
    for (const log of logs.filter((l) => l.verification_status === "enforced:verified")) {
      expect(log.preprocess_output).toMatchObject({ verified: true });
    }
  });
});
