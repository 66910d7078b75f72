import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Client, expectKnockError, movableClock, withSandbox } from "./helpers.js";

let client: Client;
let close: () => Promise<void>;
let clock: ReturnType<typeof movableClock>;
const HOUR = 60 * 60 * 1000;

beforeEach(async () => {
  clock = movableClock();
  ({ client, close } = await withSandbox({ now: clock.now, vars: { TEST_SECRET: "s3cret" } }));
});
afterEach(() => close());

const VERIFY_SCRIPT = `
function main(ctx) {
  return {
    verified: ctx.headers["x-signature"] === ctx.vars.TEST_SECRET,
    user_id: ctx.body.user ? ctx.body.user.id : null,
    raw: ctx.rawBody,
  };
}`;

async function configure(
  key: string,
  settings: Record<string, unknown>,
  mappings: unknown[] = [],
  environment = "development",
): Promise<void> {
  const res = await client.put(`/v1/sources/${key}?environment=${environment}`, {
    source: { name: key, environment_settings: { [environment]: { settings, mappings } } },
  });
  expect(res.status).toBe(200);
}

function rehearse(key: string, payload: unknown, environment = "development") {
  return client.post(`/v1/sources/${key}/rehearse?environment=${environment}`, { payload });
}

async function logOf(key: string, id: string, environment = "development") {
  const res = await client.get(
    `/v1/sources/${key}/logs?environment=${environment}&id=${id}&include[]=actions`,
  );
  expect(res.json.entries).toHaveLength(1);
  return res.json.entries[0];
}

const trigger = {
  event_type: "signup",
  action_type: "workflows_trigger",
  action_parameters: { key: "welcome", recipients: "preprocess.user_id", data: "body" },
};

/** Settings of a source whose script verifies the x-signature header, with verification enforced. */
const VERIFYING = {
  event_type_path: "body.type",
  enforce_verification: true,
  preprocess_script: { language: "javascript", source: VERIFY_SCRIPT },
};

describe("POST /v1/sources/{key}/rehearse", () => {
  it("verifies with the preprocess script and maps values from preprocess.* paths", async () => {
    await configure("v", VERIFYING, [trigger]);
    const body = { type: "signup", user: { id: "u_1" } };
    const res = await rehearse("v", { body, headers: { "X-Signature": "s3cret" } });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      log_id: expect.stringMatching(/^log_/),
      status: "ok",
      action_logs_count: 1,
      successful_action_logs_count: 1,
      failed_action_logs_count: 0,
      errors: null,
    });
    const log = await logOf("v", res.json.log_id);
    expect(log).toMatchObject({
      event: "signup",
      data: body,
      source: "rehearsal",
      verification_status: "enforced:verified",
      preprocess_output: { verified: true, user_id: "u_1", raw: JSON.stringify(body) },
    });
    expect(log.actions[0]).toMatchObject({
      action_type: "workflows_trigger",
      action_status: "success",
      action_payload: { key: "welcome", recipients: "u_1", data: body },
    });
  });

  it("rejects an unverified event when verification is enforced", async () => {
    await configure("v", VERIFYING, [trigger]);
    const res = await rehearse("v", {
      body: { type: "signup", user: { id: "u_1" } },
      headers: { "x-signature": "wrong" },
    });
    expect(res.json).toMatchObject({
      status: "error",
      action_logs_count: 0,
      successful_action_logs_count: 0,
      failed_action_logs_count: 0,
    });
    expect(res.json.errors).toEqual([{ field: "verification", message: expect.any(String) }]);
    const log = await logOf("v", res.json.log_id);
    expect(log.verification_status).toBe("enforced:unverified");
    expect(log.actions).toEqual([]);
  });

  it("says why verification failed in the script's own words", async () => {
    const create = await client.put("/v1/sources/stripe-copy?environment=development", {
      source: { name: "Stripe copy", preconfigured_provider: "stripe" },
    });
    expect(create.status).toBe(200);
    const provider = await client.get("/v1/source_providers/stripe?include[]=example_payloads");
    const example = provider.json.example_payloads["invoice.paid"][0];
    const tampered = await rehearse("stripe-copy", { ...example, body: { ...example.body, livemode: true } });
    expect(tampered.json.errors).toEqual([
      {
        field: "verification",
        message: expect.stringMatching(/^the event was rejected: signature mismatch \(/),
      },
    ]);
    const { "stripe-signature": _signature, ...unsigned } = example.headers;
    const missing = await rehearse("stripe-copy", { ...example, headers: unsigned });
    expect(missing.json.errors[0].message).toMatch(
      /^the event was rejected: missing stripe-signature header/,
    );
    // A script that gives no reason still gets a sentence.
    await configure("v", VERIFYING, [trigger]);
    const bare = await rehearse("v", { body: { type: "signup" }, headers: {} });
    expect(bare.json.errors[0].message).toMatch(/did not return verified: true/);
  });

  it("runs unverified events when verification is not enforced", async () => {
    await configure(
      "u",
      { event_type_path: "body.type", preprocess_script: { language: "javascript", source: VERIFY_SCRIPT } },
      [trigger],
    );
    const res = await rehearse("u", { body: { type: "signup", user: { id: "u_2" } }, headers: {} });
    expect(res.json.status).toBe("ok");
    expect(res.json.successful_action_logs_count).toBe(1);
    expect((await logOf("u", res.json.log_id)).verification_status).toBe("unenforced:unverified");
    await configure("plain", { event_type_path: "body.type" });
    const plain = await rehearse("plain", { body: { type: "x" } });
    const log = await logOf("plain", plain.json.log_id);
    expect(log).toMatchObject({
      verification_status: "unenforced:unverified",
      preprocess_output: null,
      event: "x",
    });
  });

  it("reports a script that throws as a preprocess_script error and logs the event", async () => {
    const source = 'function main(ctx) { throw new Error("boom: " + ctx.body.type); }';
    await configure(
      "t",
      { event_type_path: "body.type", preprocess_script: { language: "javascript", source } },
      [trigger],
    );
    const res = await rehearse("t", { body: { type: "signup" } });
    expect(res.json.status).toBe("error");
    expect(res.json.action_logs_count).toBe(0);
    expect(res.json.errors).toHaveLength(1);
    expect(res.json.errors[0].field).toBe("preprocess_script");
    expect(res.json.errors[0].message).toContain("boom: signup");
    const log = await logOf("t", res.json.log_id);
    expect(log.actions).toEqual([]);
    expect(log.preprocess_output).toBeNull();
  });

  for (const [name, source, minMs] of [
    ["a synchronous infinite loop", "function main(ctx) { while (true) {} }", 900],
    // A promise nothing can settle may be detected early; it just must not hang the rehearsal.
    [
      "a promise that never resolves",
      "async function main(ctx) { await new Promise(() => {}); return { verified: true }; }",
      0,
    ],
  ] as const) {
    it(`stops ${name} within about a second and keeps serving meanwhile`, async () => {
      await configure(
        "loop",
        { event_type_path: "body.type", preprocess_script: { language: "javascript", source } },
        [trigger],
      );
      const started = Date.now();
      const pending = rehearse("loop", { body: { type: "signup" } }).then((res) => ({ res, at: Date.now() }));
      await new Promise((resolve) => setTimeout(resolve, 150));
      // The script must not block the server: another request is answered promptly while it runs.
      const otherStarted = Date.now();
      const other = await client.get("/v1/sources");
      expect(other.status).toBe(200);
      expect(Date.now() - otherStarted).toBeLessThan(500);
      const { res, at } = await pending;
      // Only the 1000 ms time limit can end a busy loop.
      expect(at - started).toBeGreaterThanOrEqual(minMs);
      expect(at - started).toBeLessThan(2500);
      expect(res.json.status).toBe("error");
      expect(res.json.errors[0].field).toBe("preprocess_script");
      expect((await client.get("/v1/sources")).status).toBe(200);
    });
  }

  describe("idempotency (docs: integrations/sources/overview.mdx, Source event idempotency)", () => {
    const identify = {
      event_type: "signup",
      action_type: "users_identify",
      action_parameters: { id: "body.user" },
    };
    const other = { ...identify, event_type: "login" };
    const idempotentSettings = {
      event_type_path: "body.type",
      idempotency_key_path: "headers.idempotency-key",
    };
    const payload = (type: string, key?: string) => ({
      body: { type, user: "u" },
      headers: key === undefined ? {} : { "Idempotency-Key": key },
    });

    it("replays a recorded execution within 24 h of it, per source and environment", async () => {
      for (const env of ["development", "staging"]) {
        await configure("idem", idempotentSettings, [identify], env);
      }
      const first = await rehearse("idem", payload("signup", "k-1"));
      expect(first.json).toMatchObject({ status: "ok", action_logs_count: 1 });
      expect(await logOf("idem", first.json.log_id)).not.toHaveProperty("idempotent");
      clock.advance(23 * HOUR);
      const replay = await rehearse("idem", payload("signup", "k-1"));
      expect(replay.json).toEqual({
        log_id: expect.any(String),
        status: "ok",
        action_logs_count: 0,
        successful_action_logs_count: 0,
        failed_action_logs_count: 0,
        errors: null,
      });
      const replayLog = await logOf("idem", replay.json.log_id);
      expect(replayLog).toMatchObject({ idempotent: true, replay_of: first.json.log_id });
      expect(replayLog.actions).toEqual([]);
      // Another environment is another configuration; so is another source.
      expect((await rehearse("idem", payload("signup", "k-1"), "staging")).json.action_logs_count).toBe(1);
      await configure("idem-2", idempotentSettings, [identify]);
      expect((await rehearse("idem-2", payload("signup", "k-1"))).json.action_logs_count).toBe(1);
      // The window runs from the recorded execution: a replay is not one, so it does not extend it.
      clock.advance(2 * HOUR);
      const after = await rehearse("idem", payload("signup", "k-1"));
      expect(after.json.action_logs_count).toBe(1);
      expect(await logOf("idem", after.json.log_id)).not.toHaveProperty("idempotent");
    });

    it("matches on the event type as well as the key", async () => {
      await configure("idem", idempotentSettings, [identify, other]);
      expect((await rehearse("idem", payload("signup", "k-1"))).json.action_logs_count).toBe(1);
      const login = await rehearse("idem", payload("login", "k-1"));
      expect(login.json).toMatchObject({ status: "ok", action_logs_count: 1 });
      expect(await logOf("idem", login.json.log_id)).not.toHaveProperty("idempotent");
      expect((await rehearse("idem", payload("login", "k-1"))).json.action_logs_count).toBe(0);
    });

    it("processes an event whose key is missing or invalid normally, just not idempotently", async () => {
      await configure("idem", idempotentSettings, [identify]);
      const invalid: Array<Record<string, unknown>> = [
        {},
        { "idempotency-key": "" },
        { "idempotency-key": "x".repeat(256) },
      ];
      for (const headers of invalid) {
        for (let i = 0; i < 2; i++) {
          const res = await rehearse("idem", { body: { type: "signup", user: "u" }, headers });
          expect(res.json, JSON.stringify(headers)).toMatchObject({
            status: "ok",
            action_logs_count: 1,
            errors: null,
          });
          expect(await logOf("idem", res.json.log_id)).not.toHaveProperty("idempotent");
        }
      }
      // A key that is not a string (headers are always strings; a body field need not be).
      await configure("idem-body", { event_type_path: "body.type", idempotency_key_path: "body.id" }, [
        identify,
      ]);
      for (const id of [42, { n: 1 }, null]) {
        for (let i = 0; i < 2; i++) {
          const res = await rehearse("idem-body", { body: { type: "signup", user: "u", id } });
          expect(res.json, JSON.stringify(id)).toMatchObject({ status: "ok", action_logs_count: 1 });
        }
      }
      // 255 characters is a valid key: its second delivery is a replay.
      const longest = payload("signup", "y".repeat(255));
      expect((await rehearse("idem", longest)).json.action_logs_count).toBe(1);
      expect((await rehearse("idem", longest)).json.action_logs_count).toBe(0);
    });

    it("records only successful executions: a failed or rejected run does not block the next", async () => {
      const broken = { ...identify, action_parameters: { id: "body.nobody" } };
      await configure("idem", idempotentSettings, [broken]);
      const failed = await rehearse("idem", payload("signup", "k-1"));
      expect(failed.json).toMatchObject({ status: "error", failed_action_logs_count: 1 });
      await configure("idem", idempotentSettings, [identify]);
      const fixed = await rehearse("idem", payload("signup", "k-1"));
      expect(fixed.json).toMatchObject({ status: "ok", successful_action_logs_count: 1 });
      expect((await rehearse("idem", payload("signup", "k-1"))).json.action_logs_count).toBe(0);

      await configure("guarded", { ...idempotentSettings, ...VERIFYING }, [
        { ...identify, action_parameters: { id: "body.user" } },
      ]);
      const rejected = await rehearse("guarded", {
        body: { type: "signup", user: "u" },
        headers: { "idempotency-key": "k-2", "x-signature": "wrong" },
      });
      expect(rejected.json.status).toBe("error");
      const accepted = await rehearse("guarded", {
        body: { type: "signup", user: "u" },
        headers: { "idempotency-key": "k-2", "x-signature": "s3cret" },
      });
      expect(accepted.json).toMatchObject({ status: "ok", action_logs_count: 1 });
    });
  });

  it("runs mappings in Knock's fixed order, skipping inactive, deleted and other events", async () => {
    const mappings = [
      {
        event_type: "e",
        action_type: "workflows_trigger",
        action_parameters: { key: "wf", recipients: "body.user" },
      },
      {
        event_type: "e",
        action_type: "audiences_add_member",
        action_parameters: { key: "body.audience", user_id: "body.user" },
      },
      {
        event_type: "e",
        action_type: "objects_subscribe",
        action_parameters: { id: "body.project", collection: "body.col", recipients: "body.user" },
      },
      { event_type: "e", action_type: "tenants_set", action_parameters: { id: "body.tenant" } },
      {
        event_type: "e",
        action_type: "objects_set",
        action_parameters: { id: "body.project", collection: "body.col" },
      },
      {
        event_type: "e",
        action_type: "users_identify",
        action_parameters: { id: "body.user", email: "body.email" },
      },
      { event_type: "e", action_type: "users_delete", action_parameters: { id: "body.user" }, active: false },
      {
        event_type: "e",
        action_type: "tenants_delete",
        action_parameters: { id: "body.tenant" },
        is_deleted: true,
      },
      { event_type: "other", action_type: "users_delete", action_parameters: { id: "body.user" } },
    ];
    await configure("order", { event_type_path: "body.kind" }, mappings);
    const body = {
      kind: "e",
      user: "u1",
      audience: "beta",
      project: "p1",
      col: "projects",
      tenant: "t1",
      email: "u1@x.io",
    };
    const res = await rehearse("order", { body });
    expect(res.json).toMatchObject({ status: "ok", action_logs_count: 6, successful_action_logs_count: 6 });
    const log = await logOf("order", res.json.log_id);
    expect(log.actions.map((a: { action_type: string }) => a.action_type)).toEqual([
      "users_identify",
      "objects_set",
      "tenants_set",
      "objects_subscribe",
      "audiences_add_member",
      "workflows_trigger",
    ]);
    expect(log.actions[0].action_payload).toEqual({ id: "u1", email: "u1@x.io" });
  });

  it("fails only the action whose required field resolves to nothing", async () => {
    await configure("req", { event_type_path: "body.type" }, [
      {
        event_type: "x",
        action_type: "workflows_trigger",
        action_parameters: { key: "wf", recipients: "body.nobody", data: "body" },
      },
      { event_type: "x", action_type: "users_identify", action_parameters: { id: "body.user" } },
      { event_type: "x", action_type: "objects_set", action_parameters: { id: "body.user" } },
    ]);
    const res = await rehearse("req", { body: { type: "x", user: "u1" } });
    expect(res.json).toMatchObject({
      status: "error",
      action_logs_count: 3,
      successful_action_logs_count: 1,
      failed_action_logs_count: 2,
    });
    expect(res.json.errors).toEqual([
      { field: "mappings[2].collection", message: expect.stringContaining("collection") },
      { field: "mappings[0].recipients", message: "recipients: path body.nobody resolved to nothing" },
    ]);
    const log = await logOf("req", res.json.log_id);
    const wf = log.actions.find((a: { action_type: string }) => a.action_type === "workflows_trigger");
    expect(wf).toMatchObject({
      action_status: "error",
      action_result: { error: "recipients: path body.nobody resolved to nothing" },
      action_payload: { key: "wf", recipients: null },
    });
    expect(
      log.actions.find((a: { action_type: string }) => a.action_type === "users_identify").action_status,
    ).toBe("success");
  });

  it("resolves array indexes in paths and reports a missing event type", async () => {
    await configure("arr", { event_type_path: "body.events.1.name" }, [
      {
        event_type: "second",
        action_type: "users_identify",
        action_parameters: { id: "body.events.0.user" },
      },
    ]);
    const ok = await rehearse("arr", { body: { events: [{ user: "u0" }, { name: "second" }] } });
    expect(ok.json.status).toBe("ok");
    expect((await logOf("arr", ok.json.log_id)).actions[0].action_payload).toEqual({ id: "u0" });
    const missing = await rehearse("arr", { body: { events: [] } });
    expect(missing.json.status).toBe("error");
    expect(missing.json.errors[0].field).toBe("event_type_path");
    expect(missing.json.log_id).toMatch(/^log_/);
  });

  it("refuses production and validates the request", async () => {
    const prod = await rehearse("stripe", { body: {} }, "production");
    expectKnockError(prod, 422, "invalid_params");
    expect(prod.json.errors).toEqual([
      { field: "environment", message: expect.stringContaining("production"), type: null },
    ]);
    for (const body of [undefined, {}, { payload: "x" }, { payload: [1] }, { payload: null }]) {
      const res = await client.post("/v1/sources/stripe/rehearse?environment=development", body);
      expectKnockError(res, 422, "invalid_params");
      expect(res.json.errors[0].field).toBe("payload");
    }
    const noEnv = await client.post("/v1/sources/stripe/rehearse", { payload: {} });
    expect(noEnv.json.errors).toEqual([{ field: "environment", message: "is required", type: null }]);
    expectKnockError(await rehearse("nope", { body: {} }), 404, "resource_missing");
  });

  it("makes the rehearsed event visible in events and status", async () => {
    await configure("vis", { event_type_path: "body.type" }, [], "staging");
    clock.advance(HOUR);
    const res = await rehearse("vis", { body: { type: "ping" } }, "staging");
    const events = await client.get("/v1/sources/vis/events?environment=staging");
    expect(events.json.entries).toEqual([{ event: "ping", last_received_at: clock.now().toISOString() }]);
    const status = await client.get("/v1/sources/vis/status?environment=staging");
    expect(status.json).toMatchObject({ events_count: 1, last_event_received: clock.now().toISOString() });
    expect((await client.get("/v1/sources/vis/events?environment=development")).json.entries).toEqual([]);
    expect(res.json.log_id).toMatch(/^log_/);
  });
});
