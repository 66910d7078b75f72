import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PROVIDERS } from "../../src/sandbox/catalog/index.js";
import { type Client, expectKnockError, FIXED_NOW, movableClock, withSandbox } from "./helpers.js";

let client: Client;
let close: () => Promise<void>;
let clock: ReturnType<typeof movableClock>;
beforeEach(async () => {
  clock = movableClock();
  ({ client, close } = await withSandbox({ now: clock.now }));
});
afterEach(() => close());

const ENV = "?environment=development";

describe("GET /v1/sources", () => {
  it("lists the seeded sources without environment_settings unless included", async () => {
    const res = await client.get("/v1/sources");
    expect(res.status).toBe(200);
    expect(res.json.entries.map((e: { key: string }) => e.key)).toEqual(["stripe", "app-webhooks"]);
    for (const entry of res.json.entries) {
      expect(Object.keys(entry).sort()).toEqual(["custom_image_url", "description", "key", "name"]);
    }
  });

  it("includes every environment, or only the requested one", async () => {
    const all = await client.get("/v1/sources?include[]=environment_settings");
    expect(Object.keys(all.json.entries[0].environment_settings).sort()).toEqual([
      "development",
      "production",
      "staging",
    ]);
    const one = await client.get(
      "/v1/sources?environment=staging&include=environment_settings&annotate=true",
    );
    expect(Object.keys(one.json.entries[1].environment_settings)).toEqual(["staging"]);
    expect(one.json.entries[1].environment_settings.staging.settings.event_type_path).toBe("body.type");
  });

  it("rejects include values outside the enum and unknown environments", async () => {
    const bad = await client.get("/v1/sources?include[]=mappings");
    expectKnockError(bad, 422, "invalid_params");
    expect(bad.json.errors).toEqual([{ field: "include", message: expect.any(String), type: null }]);
    expectKnockError(await client.get("/v1/sources?environment=qa"), 404, "resource_missing");
  });
});

describe("GET /v1/sources/{key}", () => {
  it("returns one environment's settings and mappings", async () => {
    const res = await client.get(`/v1/sources/app-webhooks${ENV}`);
    expect(res.status).toBe(200);
    expect(Object.keys(res.json).sort()).toEqual([
      "created_at",
      "custom_image_url",
      "description",
      "environment_settings",
      "key",
      "name",
      "updated_at",
    ]);
    expect(Object.keys(res.json.environment_settings)).toEqual(["development"]);
    const dev = res.json.environment_settings.development;
    expect(Object.keys(dev.settings).sort()).toEqual([
      "endpoint",
      "enforce_verification",
      "event_type_path",
      "idempotency_key_path",
      "preprocess_script",
      "timestamp_path",
    ]);
    expect(dev.settings.endpoint).toMatch(
      /^https:\/\/api\.knock\.app\/integrations\/receive\/src_[A-Za-z0-9]+$/,
    );
    expect(dev.mappings[0]).toEqual({
      event_type: "user.created",
      action_type: "users_identify",
      action_parameters: expect.any(Object),
      active: true,
      is_deleted: false,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
  });

  it("requires environment, 404s unknown environment and unknown source", async () => {
    const missing = await client.get("/v1/sources/stripe");
    expectKnockError(missing, 422, "invalid_params");
    expect(missing.json.errors).toEqual([{ field: "environment", message: "is required", type: null }]);
    expect(missing.json.type).toBe("invalid_request_error");
    const env = await client.get("/v1/sources/stripe?environment=qa");
    expectKnockError(env, 404, "resource_missing");
    expect(env.json.message).toContain("qa");
    const src = await client.get(`/v1/sources/nope${ENV}`);
    expectKnockError(src, 404, "resource_missing");
    expect(src.json.type).toBe("api_error");
    expect(src.json.message).toContain("nope");
  });
});

describe("PUT /v1/sources/{key}", () => {
  it("creates a source with settings in every environment, each with its own endpoint", async () => {
    const res = await client.put(`/v1/sources/orders${ENV}`, {
      source: {
        name: "Orders",
        description: "Order events",
        environment_settings: {
          development: {
            settings: { event_type_path: "body.event", idempotency_key_path: "body.id" },
            mappings: [
              {
                event_type: "order.created",
                action_type: "workflows_trigger",
                action_parameters: { key: "order-created", recipients: "body.user" },
              },
            ],
          },
        },
      },
    });
    expect(res.status).toBe(200);
    const source = res.json.source;
    expect(source).toMatchObject({
      key: "orders",
      name: "Orders",
      description: "Order events",
      custom_image_url: null,
    });
    expect(source.created_at).toBe(FIXED_NOW.toISOString());
    expect(source.environment_settings.development.settings).toMatchObject({
      event_type_path: "body.event",
      idempotency_key_path: "body.id",
      enforce_verification: false,
      preprocess_script: null,
    });
    expect(source.environment_settings.development.mappings).toEqual([
      {
        event_type: "order.created",
        action_type: "workflows_trigger",
        action_parameters: { key: "order-created", recipients: "body.user" },
        active: true,
        is_deleted: false,
        created_at: FIXED_NOW.toISOString(),
        updated_at: FIXED_NOW.toISOString(),
      },
    ]);
    const endpoints = new Set<string>();
    for (const env of ["development", "staging", "production"]) {
      const got = await client.get(`/v1/sources/orders?environment=${env}`);
      expect(got.status).toBe(200);
      endpoints.add(got.json.environment_settings[env].settings.endpoint);
      if (env !== "development") expect(got.json.environment_settings[env].mappings).toEqual([]);
    }
    expect(endpoints.size).toBe(3);
    const list = await client.get("/v1/sources");
    expect(list.json.entries.map((e: { key: string }) => e.key)).toContain("orders");
  });

  it("applies the merge rule on update", async () => {
    await client.put(`/v1/sources/m${ENV}`, {
      source: {
        name: "M",
        description: "first",
        custom_image_url: "https://img.example/x.png",
        environment_settings: {
          development: {
            settings: {
              event_type_path: "body.a",
              timestamp_path: "body.ts",
              enforce_verification: true,
              region: "eu",
            },
            mappings: [
              { event_type: "a", action_type: "users_identify", action_parameters: { id: "body.id" } },
              // Not a workflow trigger: those must be marked deleted before they go (tested below).
              { event_type: "b", action_type: "users_delete", action_parameters: { id: "body.u" } },
            ],
          },
        },
      },
    });
    const before = (await client.get(`/v1/sources/m${ENV}`)).json;
    clock.advance(60_000);
    const res = await client.put(`/v1/sources/m${ENV}`, {
      source: {
        name: "M2",
        custom_image_url: null,
        environment_settings: {
          development: {
            settings: {
              timestamp_path: null,
              enforce_verification: false,
              region: null,
              idempotency_key_path: "body.k",
            },
            mappings: [
              {
                event_type: "a",
                action_type: "users_identify",
                action_parameters: { id: "body.user_id" },
                active: false,
              },
              { event_type: "c", action_type: "tenants_set", action_parameters: { id: "body.t" } },
            ],
          },
        },
      },
    });
    expect(res.status).toBe(200);
    const s = res.json.source;
    expect(s.name).toBe("M2");
    expect(s.description).toBe("first"); // not given: kept
    expect(s.custom_image_url).toBeNull(); // null: cleared
    expect(s.created_at).toBe(before.created_at);
    expect(s.updated_at).toBe(new Date(FIXED_NOW.getTime() + 60_000).toISOString());
    const dev = s.environment_settings.development;
    expect(dev.settings.event_type_path).toBe("body.a"); // kept
    expect(dev.settings.timestamp_path).toBeNull(); // cleared
    expect(dev.settings.idempotency_key_path).toBe("body.k"); // replaced
    expect(dev.settings.enforce_verification).toBe(false);
    expect(dev.settings).not.toHaveProperty("region");
    expect(dev.settings.endpoint).toBe(before.environment_settings.development.settings.endpoint);
    // Wholesale replacement: "b" is gone, "a" keeps created_at, "c" is new.
    expect(dev.mappings.map((m: { event_type: string }) => m.event_type)).toEqual(["a", "c"]);
    expect(dev.mappings[0].created_at).toBe(FIXED_NOW.toISOString());
    expect(dev.mappings[0].updated_at).toBe(s.updated_at);
    expect(dev.mappings[0].active).toBe(false);
    expect(dev.mappings[1].created_at).toBe(s.updated_at);

    // Without environment_settings, the environment is untouched.
    const again = await client.put(`/v1/sources/m${ENV}`, { source: { name: "M3" } });
    expect(again.json.source.environment_settings.development.mappings).toHaveLength(2);
    expect(again.json.source.description).toBe("first");
  });

  it("refuses to drop a workflow trigger mapping not marked deleted, and changes nothing", async () => {
    const trigger = (key: string, extra: Record<string, unknown> = {}) => ({
      event_type: "order.shipped",
      action_type: "workflows_trigger",
      action_parameters: { key, recipients: "body.user" },
      ...extra,
    });
    const identify = {
      event_type: "user.created",
      action_type: "users_identify",
      action_parameters: { id: "body.id" },
    };
    const put = (name: string, mappings: unknown[], settings: Record<string, unknown> = {}) =>
      client.put(`/v1/sources/wt${ENV}`, {
        source: { name, environment_settings: { development: { settings, mappings } } },
      });
    expect(
      (await put("WT", [trigger("order-shipped"), identify], { event_type_path: "body.type" })).status,
    ).toBe(200);
    const before = await client.get(`/v1/sources/wt${ENV}`);
    clock.advance(60_000);

    // Left out, or replaced by a trigger of another workflow: refused, with the request's other changes.
    for (const mappings of [[identify], [trigger("order-dispatched"), identify]]) {
      const refused = await put("WT renamed", mappings, { event_type_path: "body.kind" });
      expectKnockError(refused, 422, "invalid_params");
      expect(refused.json.errors).toEqual([
        {
          field: "environment_settings.development.mappings",
          message: expect.stringMatching(/workflow "order-shipped".*marked deleted.*is_deleted: true/),
          type: null,
        },
      ]);
      expect((await client.get(`/v1/sources/wt${ENV}`)).json).toEqual(before.json);
    }

    // Marked deleted: still listed, as deleted, and it needs a commit.
    const marked = await put("WT", [trigger("order-shipped", { is_deleted: true }), identify]);
    expect(marked.status).toBe(200);
    expect(marked.json.source.environment_settings.development.mappings[0]).toMatchObject({
      event_type: "order.shipped",
      is_deleted: true,
    });
    const status = await client.get("/v1/sources/wt/status?environment=development");
    expect(status.json.mappings_requiring_commit).toEqual([
      {
        resource_key: "order-shipped",
        action_type: "workflows_trigger",
        event_type: "order.shipped",
        active: true,
        is_deleted: true,
        status: "deleted",
      },
    ]);
    // Then it may go; other action types are replaced as they always were.
    const gone = await put("WT", []);
    expect(gone.status).toBe(200);
    expect(gone.json.source.environment_settings.development.mappings).toEqual([]);
  });

  it("validates the body: wrapper, name, other environments, mappings", async () => {
    const noWrapper = await client.put(`/v1/sources/v${ENV}`, { name: "x" });
    expectKnockError(noWrapper, 422, "invalid_params");
    expect(noWrapper.json.errors[0].field).toBe("source");
    expectKnockError(await client.put(`/v1/sources/v${ENV}`, undefined), 422, "invalid_params");
    const noName = await client.put(`/v1/sources/v${ENV}`, { source: { description: "d" } });
    expect(noName.json.errors.map((e: { field: string }) => e.field)).toEqual(["name"]);
    const otherEnv = await client.put(`/v1/sources/v${ENV}`, {
      source: { name: "V", environment_settings: { production: { settings: {} } } },
    });
    expectKnockError(otherEnv, 422, "invalid_params");
    expect(otherEnv.json.errors).toEqual([
      { field: "environment_settings.production", message: expect.any(String), type: null },
    ]);
    const badMappings = await client.put(`/v1/sources/v${ENV}`, {
      source: {
        name: "V",
        environment_settings: {
          development: {
            mappings: [
              { event_type: "x", action_type: "send_email" },
              {
                event_type: "x",
                action_type: "workflows_trigger",
                action_parameters: { recipients: "body.u" },
              },
              { event_type: 3, action_type: "users_identify", action_parameters: "body" },
            ],
          },
        },
      },
    });
    expect(badMappings.json.errors.map((e: { field: string }) => e.field)).toEqual([
      "environment_settings.development.mappings[0].action_type",
      "environment_settings.development.mappings[1].action_parameters.key",
      "environment_settings.development.mappings[2].event_type",
      "environment_settings.development.mappings[2].action_parameters",
    ]);
    expectKnockError(
      await client.put(`/v1/sources/v${ENV}`, {
        source: { name: "V", preconfigured_provider: "no-such-provider" },
      }),
      422,
      "invalid_params",
    );
    expectKnockError(await client.put("/v1/sources/v", { source: { name: "V" } }), 422, "invalid_params");
    expectKnockError(
      await client.put("/v1/sources/v?environment=qa", { source: { name: "V" } }),
      404,
      "resource_missing",
    );
    // Nothing was created by the failed attempts.
    expectKnockError(await client.get(`/v1/sources/v${ENV}`), 404, "resource_missing");
  });

  it("sets, validates and clears the preprocess script", async () => {
    const script = { language: "javascript", source: "function main(ctx) { return { verified: true }; }" };
    const set = await client.put(`/v1/sources/s${ENV}`, {
      source: {
        name: "S",
        environment_settings: { development: { settings: { preprocess_script: { ...script, extra: 1 } } } },
      },
    });
    expect(set.json.source.environment_settings.development.settings.preprocess_script).toEqual(script);
    const bad = await client.put(`/v1/sources/s${ENV}`, {
      source: {
        name: "S",
        environment_settings: {
          development: {
            settings: { preprocess_script: { language: "python", source: 1 }, enforce_verification: "yes" },
          },
        },
      },
    });
    expectKnockError(bad, 422, "invalid_params");
    expect(bad.json.errors.map((e: { field: string }) => e.field)).toEqual([
      "environment_settings.development.settings.preprocess_script.language",
      "environment_settings.development.settings.preprocess_script.source",
      "environment_settings.development.settings.enforce_verification",
    ]);
    const cleared = await client.put(`/v1/sources/s${ENV}`, {
      source: { name: "S", environment_settings: { development: { settings: { preprocess_script: null } } } },
    });
    expect(cleared.json.source.environment_settings.development.settings.preprocess_script).toBeNull();
  });

  it("bootstraps from a provider template on create only", async () => {
    const template = PROVIDERS[0];
    if (!template) throw new Error("the catalog has no providers");
    const res = await client.put(`/v1/sources/from-template?environment=staging`, {
      source: { name: "From template", preconfigured_provider: template.key },
    });
    expect(res.status).toBe(200);
    const staging = res.json.source.environment_settings.staging;
    expect(staging.settings).toMatchObject({
      event_type_path: template.default_settings.event_type_path,
      enforce_verification: template.default_settings.enforce_verification,
      idempotency_key_path: template.default_settings.idempotency_key_path,
      timestamp_path: template.default_settings.timestamp_path,
      preprocess_script: template.default_settings.preprocessing_script,
    });
    expect(
      staging.mappings.map((m: { event_type: string; action_type: string }) => [m.event_type, m.action_type]),
    ).toEqual(template.default_action_mappings.map((m) => [m.event_type, m.action_type]));
    expect(
      staging.mappings.every((m: { active: boolean; is_deleted: boolean }) => m.active && !m.is_deleted),
    ).toBe(true);
    const prod = await client.get("/v1/sources/from-template?environment=production");
    expect(prod.json.environment_settings.production.mappings).toHaveLength(
      template.default_action_mappings.length,
    );

    // On update the provider is ignored: a custom source stays custom.
    await client.put(`/v1/sources/custom${ENV}`, { source: { name: "Custom" } });
    const upd = await client.put(`/v1/sources/custom${ENV}`, {
      source: { name: "Custom", preconfigured_provider: template.key },
    });
    expect(upd.json.source.environment_settings.development.mappings).toEqual([]);
    expect(upd.json.source.environment_settings.development.settings.event_type_path).toBeNull();
  });
});

describe("GET /v1/sources/{key}/status", () => {
  it("counts events and lists workflow mappings needing a commit", async () => {
    const res = await client.get("/v1/sources/app-webhooks/status?environment=development");
    expect(res.status).toBe(200);
    expect(res.json.mappings_count).toBe(4);
    expect(res.json.events_count).toBeGreaterThan(0);
    expect(Date.parse(res.json.last_event_received)).toBeLessThanOrEqual(FIXED_NOW.getTime());
    // Seeded: only the development order-shipped trigger is uncommitted.
    expect(res.json.mappings_requiring_commit).toEqual([
      {
        resource_key: "order-shipped",
        action_type: "workflows_trigger",
        event_type: "order.shipped",
        active: true,
        is_deleted: false,
        status: "updated",
      },
    ]);
    const defaultEnv = await client.get("/v1/sources/app-webhooks/status");
    expect(defaultEnv.json).toEqual(res.json);
    const prod = await client.get("/v1/sources/app-webhooks/status?environment=production");
    expect(prod.json.mappings_requiring_commit).toEqual([]);

    await client.put(`/v1/sources/app-webhooks${ENV}`, {
      source: {
        name: "App webhooks",
        environment_settings: {
          development: {
            mappings: [
              {
                event_type: "user.created",
                action_type: "workflows_trigger",
                action_parameters: { key: "welcome", recipients: "body.data.user.id", data: "body.data" },
              },
              {
                event_type: "order.shipped",
                action_type: "workflows_trigger",
                action_parameters: { key: "order-shipped", recipients: "body.data.customer_id" },
                is_deleted: true,
              },
              {
                event_type: "x",
                action_type: "workflows_trigger",
                action_parameters: { key: "new-flow", recipients: "body.u" },
              },
            ],
          },
        },
      },
    });
    const after = await client.get("/v1/sources/app-webhooks/status?environment=development");
    expect(after.json.mappings_count).toBe(3);
    // "welcome" was unchanged by this upsert, so it does not need a commit.
    expect(
      after.json.mappings_requiring_commit.map((m: { resource_key: string; status: string }) => [
        m.resource_key,
        m.status,
      ]),
    ).toEqual([
      ["order-shipped", "deleted"],
      ["new-flow", "updated"],
    ]);
  });

  it("counts only the last 30 days and reports null for a source with no logs", async () => {
    await client.put(`/v1/sources/quiet${ENV}`, { source: { name: "Quiet" } });
    const quiet = await client.get("/v1/sources/quiet/status?environment=development");
    expect(quiet.json).toEqual({
      events_count: 0,
      last_event_received: null,
      mappings_count: 0,
      mappings_requiring_commit: [],
    });
    const now = await client.get("/v1/sources/app-webhooks/status?environment=development");
    clock.advance(40 * 24 * 60 * 60 * 1000);
    const later = await client.get("/v1/sources/app-webhooks/status?environment=development");
    expect(now.json.events_count).toBeGreaterThan(0);
    expect(later.json.events_count).toBe(0);
    expect(later.json.last_event_received).toBe(now.json.last_event_received);
    expectKnockError(await client.get("/v1/sources/nope/status"), 404, "resource_missing");
  });
});

describe("GET /v1/sources/{key}/events", () => {
  it("lists unique events newest first, per environment or across all", async () => {
    const dev = await client.get("/v1/sources/app-webhooks/events?environment=development");
    expect(dev.status).toBe(200);
    const names = dev.json.entries.map((e: { event: string }) => e.event);
    expect(new Set(names).size).toBe(names.length);
    expect(names.sort()).toEqual(["account.closed", "order.shipped", "user.created"]);
    const times = dev.json.entries.map((e: { last_received_at: string }) => Date.parse(e.last_received_at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const all = await client.get("/v1/sources/app-webhooks/events");
    const allLatest = Math.max(
      ...all.json.entries.map((e: { last_received_at: string }) => Date.parse(e.last_received_at)),
    );
    expect(allLatest).toBeGreaterThanOrEqual(Math.max(...times));
    const logs = await client.get("/v1/sources/app-webhooks/logs?environment=production&limit=100");
    const prodEvents = await client.get("/v1/sources/app-webhooks/events?environment=production");
    expect(prodEvents.json.entries.map((e: { event: string }) => e.event).sort()).toEqual(
      [...new Set(logs.json.entries.map((l: { event: string }) => l.event))].sort(),
    );
    expectKnockError(await client.get("/v1/sources/nope/events"), 404, "resource_missing");
  });
});
