import { findProvider, SANDBOX_VARS } from "./catalog/index.js";
import { stripeSigned } from "./catalog/signing.js";
import { seededIds } from "./ids.js";
import { runMappings } from "./pipeline/actions.js";
import { runCatalogScript } from "./pipeline/script-trusted.js";
import {
  ENVIRONMENTS,
  type Environment,
  isPlainObject,
  type SandboxState,
  type StoredLog,
  type StoredMapping,
  type StoredSource,
} from "./types.js";
import { newSource } from "./upsert.js";

// First-start data, so a fresh sandbox has something to list: a Stripe source from the Stripe template and a
// custom HTTP source, plus ~three dozen logs over the last six days. Ids come from a fixed-seed generator and
// times are relative to now(), so two fresh sandboxes started at the same instant hold identical state.

const SEED = 0x6b6e6f63;
const HOUR_MS = 60 * 60 * 1000;
export const SEEDED_LOG_COUNT = 36;

interface SampleEvent {
  source: string;
  event: string;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

function mapping(
  event_type: string,
  action_type: StoredMapping["action_type"],
  action_parameters: Record<string, unknown>,
  at: string,
  pending_commit = false,
): StoredMapping {
  return {
    event_type,
    action_type,
    action_parameters,
    active: true,
    is_deleted: false,
    created_at: at,
    updated_at: at,
    pending_commit,
  };
}

function appWebhookEvent(event: string, n: number, overrides: Record<string, unknown> = {}): SampleEvent {
  const data: Record<string, unknown> = {
    "user.created": {
      user: { id: `user_${100 + n}`, email: `user${100 + n}@example.com`, name: `User ${100 + n}` },
    },
    "order.shipped": {
      order_id: `ord_${2000 + n}`,
      customer_id: `user_${100 + (n % 7)}`,
      account_id: "acct_acme",
      carrier: "UPS",
    },
    "account.closed": { account_id: `acct_${n}` },
  }[event] as Record<string, unknown>;
  return {
    source: "app-webhooks",
    event,
    body: { id: `evt_app_${n}`, type: event, data: { ...data, ...overrides } },
    headers: { "content-type": "application/json", "user-agent": "acme-backend/2.3" },
  };
}

function stripeSamples(): SampleEvent[] {
  const template = findProvider("stripe");
  const fromTemplate = Object.entries(template?.example_payloads ?? {}).flatMap(([event, payloads]) =>
    payloads.map((payload) => ({
      source: "stripe",
      event,
      body: payload.body,
      headers: payload.headers,
    })),
  );
  if (fromTemplate.length > 0) return fromTemplate;
  return ["invoice.paid", "customer.subscription.created"].map((event, i) => ({
    source: "stripe",
    event,
    body: { id: `evt_stripe_${i}`, type: event, data: { object: { customer: `cus_${i}` } } },
    headers: { "content-type": "application/json" },
  }));
}

/**
 * Example payloads repeat; distinct ids keep the seeded history looking like separate deliveries. The body
 * changes, so it is signed again, as Stripe would have signed that delivery. A `tampered` delivery is changed
 * after signing (as by a proxy that rewrote it), so its signature no longer matches.
 */
function stripeSample(sample: SampleEvent, n: number, tampered: boolean): SampleEvent {
  const body = structuredClone(sample.body);
  if (typeof body.id === "string") body.id = `${body.id}_${n}`;
  const signedAt = /(?:^|,)t=(\d+)/.exec(sample.headers["stripe-signature"] ?? "")?.[1];
  const signed =
    signedAt === undefined ? { body, headers: sample.headers } : stripeSigned(body, Number(signedAt));
  const delivered = tampered ? { ...signed.body, livemode: !signed.body.livemode } : signed.body;
  return { ...sample, body: delivered, headers: { ...signed.headers } };
}

function seedSources(nowIso: string, ids: ReturnType<typeof seededIds>): StoredSource[] {
  const stripe = newSource("stripe", "Stripe", nowIso, ids, findProvider("stripe"));
  stripe.description = "Billing events from Stripe (seeded from the Stripe template)";
  if (!findProvider("stripe")) {
    for (const env of ENVIRONMENTS) {
      Object.assign(stripe.environments[env].settings, {
        event_type_path: "body.type",
        idempotency_key_path: "body.id",
      });
    }
  }
  for (const env of ENVIRONMENTS) {
    for (const m of stripe.environments[env].mappings) m.pending_commit = false;
  }

  const app = newSource("app-webhooks", "App webhooks", nowIso, ids);
  app.description = "Custom HTTP webhooks sent by the Acme backend";
  for (const env of ENVIRONMENTS) {
    const settings = app.environments[env].settings;
    settings.event_type_path = "body.type";
    settings.idempotency_key_path = "body.id";
    settings.timestamp_path = "body.created_at";
    app.environments[env].mappings = [
      mapping(
        "user.created",
        "users_identify",
        { id: "body.data.user.id", email: "body.data.user.email", name: "body.data.user.name" },
        nowIso,
      ),
      mapping(
        "user.created",
        "workflows_trigger",
        { key: "welcome", recipients: "body.data.user.id", data: "body.data" },
        nowIso,
      ),
      mapping(
        "order.shipped",
        "workflows_trigger",
        {
          key: "order-shipped",
          recipients: "body.data.customer_id",
          data: "body.data",
          tenant: "body.data.account_id",
        },
        nowIso,
        env === "development",
      ),
      mapping("account.closed", "tenants_delete", { id: "body.data.account_id" }, nowIso),
    ];
  }
  return [stripe, app];
}

/**
 * The first-start state. Each seeded delivery of a source with a preprocess script went through that script
 * for real: its log holds what the script returned (for the one Stripe delivery that failed verification,
 * `reason: "signature mismatch"`), run with the sandbox's default variables.
 */
export function seedState(now: Date): SandboxState {
  const ids = seededIds(SEED);
  const nowMs = now.getTime();
  const sources = seedSources(new Date(nowMs - 7 * 24 * HOUR_MS).toISOString(), ids);
  const stripeEvents = stripeSamples();
  const appEvents = ["user.created", "order.shipped", "user.created", "account.closed"];
  const logs: StoredLog[] = [];

  const deliveries = Array.from({ length: SEEDED_LOG_COUNT }, (_, i) => {
    let sample: SampleEvent;
    // One Stripe delivery whose signature did not verify.
    if (i % 3 === 0)
      sample = stripeSample(stripeEvents[(i / 3) % stripeEvents.length] as SampleEvent, i, i === 15);
    else if (i === 10)
      sample = appWebhookEvent("order.shipped", i, { customer_id: null }); // fails its action
    else sample = appWebhookEvent(appEvents[i % appEvents.length] as string, i);
    const environment: Environment = i % 5 === 4 ? "production" : i % 7 === 6 ? "staging" : "development";
    const source = sources.find((s) => s.key === sample.source) as StoredSource;
    return { sample, environment, source };
  });
  const outputs = deliveries.map(({ sample, environment, source }) => {
    const script = source.environments[environment].settings.preprocess_script;
    if (!script) return null;
    const ctx = { vars: { ...SANDBOX_VARS }, body: sample.body, rawBody: JSON.stringify(sample.body) };
    const result = runCatalogScript(script.source, { ...ctx, headers: sample.headers });
    return result.ok ? result.output : { verified: false, reason: result.error };
  });

  for (const [i, { sample, environment, source }] of deliveries.entries()) {
    const n = SEEDED_LOG_COUNT - i;
    // Oldest first, so seq grows with time like it would for live traffic.
    const insertedAt = new Date(nowMs - n * 4 * HOUR_MS + 17 * 60 * 1000).toISOString();
    const settings = source.environments[environment].settings;
    const output = outputs[i] ?? null;
    const verified = output?.verified === true;
    const log: StoredLog = {
      id: ids.id("log"),
      seq: i,
      source_key: source.key,
      environment,
      event: sample.event,
      data: isPlainObject(sample.body) ? structuredClone(sample.body) : null,
      inserted_at: insertedAt,
      preprocess_output: output,
      source: null,
      verification_status: `${settings.enforce_verification ? "enforced" : "unenforced"}:${verified ? "verified" : "unverified"}`,
      idempotency_key: null,
      idempotent: false,
      replay_of: null,
      actions: [],
    };
    if (verified || !settings.enforce_verification) {
      const envelope = { body: sample.body, headers: sample.headers, preprocess: output };
      log.actions = runMappings(
        source.environments[environment].mappings,
        sample.event,
        envelope,
        insertedAt,
        ids,
      ).actions;
    }
    logs.push(log);
  }
  return { version: 1, next_seq: SEEDED_LOG_COUNT, sources, logs };
}
