// rehearse_source_event says why a rehearsal failed or ran no action, from the rehearsal's own log and, for
// an event no mapping took, the source's mappings: against the sandbox, and against a fake Knock that shows
// only what the API documents. Both protocol eras, each against its own sandbox and fake.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { callTool, connect, ERAS, payloadOf, type Session, testConfig } from "./helpers/mcp.js";
import { mockKnock } from "./helpers/mock-knock.js";
import { sandboxClient } from "./helpers/sandbox.js";

async function rehearse(session: Session, args: Record<string, unknown>) {
  const result = payloadOf(
    session.era,
    await callTool(session, { name: "rehearse_source_event", arguments: args }),
  );
  const text = (result.content as Array<{ text: string }>)[0]?.text ?? "";
  if (result.isError) throw new Error(`rehearse_source_event failed: ${text}`);
  expect(JSON.parse(text)).toEqual(result.structuredContent);
  return result.structuredContent as Record<string, any>;
}

describe.each(ERAS)("against the sandbox (%s)", (era) => {
  let env: Awaited<ReturnType<typeof sandboxClient>>;
  let session: Session;
  let example: { body: Record<string, unknown>; headers: Record<string, string> };

  beforeAll(async () => {
    env = await sandboxClient();
    session = await connect(testConfig({ sandbox: true }), env.client, era);
    await env.client.upsertSource("billing", "development", {
      name: "Billing",
      preconfigured_provider: "stripe",
    });
    const stripe = await env.client.getSourceProvider("stripe", ["example_payloads"]);
    example = (stripe.example_payloads as Record<string, any[]>)["invoice.paid"]?.[0];
  });
  afterAll(async () => {
    await session.close();
    await env.close();
  });

  it("a verification failure gives the script's own reason", async () => {
    const tampered = await rehearse(session, {
      key: "billing",
      payload: { ...example, body: { ...example.body, livemode: true } },
    });
    expect(tampered.status).toBe("error");
    expect(tampered.explanation).toBe(
      'Rejected by verification (enforced): the preprocess script returned verified: false, reason "signature mismatch". No actions ran.',
    );
    const { "stripe-signature": _dropped, ...unsigned } = example.headers;
    const missing = await rehearse(session, { key: "billing", payload: { ...example, headers: unsigned } });
    expect(missing.explanation).toMatch(/reason "missing stripe-signature header"/);
  });

  it("a replay names the log it repeats; a success has no explanation", async () => {
    const payload = { ...example, body: example.body };
    const first = await rehearse(session, { key: "billing", payload });
    expect(first).toMatchObject({ status: "ok", action_logs_count: 1 });
    expect(first).not.toHaveProperty("explanation");
    const replay = await rehearse(session, { key: "billing", payload });
    expect(replay).toMatchObject({ status: "ok", action_logs_count: 0 });
    expect(replay.explanation).toBe(
      `An idempotent replay of log ${first.log_id} (same idempotency key and event type within 24 hours): no actions ran.`,
    );
  });

  it("an unmapped event names the event types that have mappings", async () => {
    const res = await rehearse(session, {
      key: "app-webhooks",
      payload: { body: { id: "evt_unmapped", type: "invoice.voided" }, headers: {} },
    });
    expect(res).toMatchObject({ status: "ok", action_logs_count: 0 });
    expect(res.explanation).toBe(
      'No active mapping for event type "invoice.voided" in development; mapped event types: user.created, order.shipped, account.closed.',
    );
  });

  it("a failed action says which and why", async () => {
    const res = await rehearse(session, {
      key: "app-webhooks",
      payload: { body: { id: "evt_noone", type: "order.shipped", data: { account_id: "a" } }, headers: {} },
    });
    expect(res.explanation).toBe(
      "1 of 1 actions failed: workflows_trigger: recipients: path body.data.customer_id resolved to nothing.",
    );
  });
});

describe.each(ERAS)("against Knock (a fake that shows only what the API documents) (%s)", (era) => {
  let session: Session | undefined;
  afterEach(async () => {
    await session?.close();
    session = undefined;
  });

  const quiet = {
    log_id: "log_1",
    status: "ok",
    action_logs_count: 0,
    successful_action_logs_count: 0,
    failed_action_logs_count: 0,
    errors: null,
  };
  const page = (log: Record<string, unknown>) => ({
    status: 200,
    body: { entries: [log], page_info: { after: null, before: null, page_size: 50 } },
  });
  const mapping = (event_type: string, extra: Record<string, unknown> = {}) => ({
    event_type,
    action_type: "workflows_trigger",
    action_parameters: { key: "wf", recipients: "body.user" },
    active: true,
    is_deleted: false,
    ...extra,
  });

  /** Knock's answer to GET source "app" with `mappings` in `environment`. */
  const appSource = (environment: string, mappings: unknown[]) => ({
    status: 200,
    body: {
      key: "app",
      name: "App",
      created_at: "2026-01-01T00:00:00Z",
      updated_at: "2026-01-01T00:00:00Z",
      environment_settings: { [environment]: { settings: {}, mappings } },
    },
  });

  async function withKnock(...replies: Array<{ status: number; body: unknown }>) {
    const knock = mockKnock();
    knock.enqueue(...replies);
    session = await connect(testConfig(), knock.client, era);
    return knock;
  }

  it("reads the log and the source's mappings for an event that ran nothing", async () => {
    const knock = await withKnock(
      { status: 200, body: quiet },
      page({ id: "log_1", event: "user.deleted", actions: [] }),
      appSource("staging", [
        mapping("user.created"),
        mapping("user.deleted", { active: false }),
        mapping("order.paid", { is_deleted: true }),
      ]),
    );
    const res = await rehearse(session as Session, {
      key: "app",
      environment: "staging",
      payload: { body: { type: "user.deleted" } },
    });
    expect(res.explanation).toBe(
      'No active mapping for event type "user.deleted" in staging; mapped event types: user.created.',
    );
    expect(knock.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /v1/sources/app/rehearse?environment=staging",
      "GET /v1/sources/app/logs?environment=staging&id=log_1&include[]=actions",
      "GET /v1/sources/app?environment=staging",
    ]);
  });

  it("calls a quiet event with active mappings a likely replay when the log has no label", async () => {
    await withKnock(
      { status: 200, body: quiet },
      page({ id: "log_1", event: "user.created", actions: [] }),
      appSource("development", [mapping("user.created")]),
    );
    const res = await rehearse(session as Session, { key: "app", payload: { body: {} } });
    expect(res.explanation).toMatch(
      /^No action ran, though event type "user.created" has active mappings: likely an idempotent replay/,
    );
  });

  it("quotes the reason in the log's preprocess_output when Knock's error says less", async () => {
    await withKnock(
      {
        status: 200,
        body: { ...quiet, status: "error", errors: [{ field: "verification", message: "not verified" }] },
      },
      page({ id: "log_1", event: "x", preprocess_output: { verified: false, reason: "bad signature" } }),
    );
    const res = await rehearse(session as Session, { key: "app", payload: { body: {} } });
    expect(res.explanation).toMatch(/reason "bad signature"\. No actions ran\.$/);
  });

  it("leaves the result as it is when the log cannot be read, and makes no call after a success", async () => {
    await withKnock({ status: 200, body: quiet }, { status: 404, body: { code: "resource_missing" } });
    const res = await rehearse(session as Session, { key: "app", payload: { body: {} } });
    expect(res).toEqual(quiet);
    await session?.close();

    const knock = await withKnock({
      status: 200,
      body: { ...quiet, action_logs_count: 1, successful_action_logs_count: 1 },
    });
    expect(await rehearse(session as Session, { key: "app", payload: { body: {} } })).not.toHaveProperty(
      "explanation",
    );
    expect(knock.requests).toHaveLength(1);
  });
});
