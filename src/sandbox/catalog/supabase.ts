import { branding } from "./branding.js";
import type { ProviderTemplate } from "./types.js";

// Supabase Database Webhooks (pg_net) post {type, table, schema, record, old_record} and sign nothing; a shared
// secret can be added as a custom header. The script checks one if SUPABASE_WEBHOOK_SECRET is set. As Knock's
// Supabase page says (knocklabs/docs, content/integrations/sources/supabase.mdx), the event type is compiled
// from the schema, table and operation, `{schema}.{table}:{operation}` (e.g. auth.users:INSERT); the script
// returns it as normalized_event, the name of the custom source page's own example of this (custom.mdx,
// Preprocessing), and the event type path reads it there. No idempotency key: Supabase sends none.
const SCRIPT = `// Supabase database webhook: the event type is {schema}.{table}:{operation}. Optionally checks a shared
// secret sent in a custom "x-webhook-secret" header.
function main(ctx) {
  const body = ctx.body || {};
  const row = body.record || body.old_record || {};
  const derived = {
    normalized_event: (body.schema || "public") + "." + body.table + ":" + body.type,
    user_id: row.user_id || null,
    changed_fields:
      body.type === "UPDATE" && body.record && body.old_record
        ? Object.keys(body.record).filter((k) => JSON.stringify(body.record[k]) !== JSON.stringify(body.old_record[k]))
        : [],
  };
  const secret = ctx.vars.SUPABASE_WEBHOOK_SECRET;
  if (!secret) return { verified: true, ...derived };
  const sent = ctx.headers["x-webhook-secret"] || "";
  return timingSafeEqual(sent, secret)
    ? { verified: true, ...derived }
    : { verified: false, reason: "x-webhook-secret does not match", ...derived };
}
`;

const HEADERS = { "content-type": "application/json", "user-agent": "pg_net/0.14.0" };

const ORDER = {
  id: 1042,
  created_at: "2026-01-05T11:20:00.000000+00:00",
  currency: "usd",
  status: "pending",
  total_cents: 12900,
  updated_at: "2026-01-05T11:20:00.000000+00:00",
  user_id: "5d1c3b7a-9e2f-4a6b-8c0d-1e2f3a4b5c6d",
};

export const supabase: ProviderTemplate = {
  key: "supabase",
  version: "1.0.0",
  provider: {
    name: "Supabase",
    description: "Receive row changes from Supabase Database Webhooks (INSERT, UPDATE, DELETE).",
    categories: ["Infrastructure"],
    website_url: "https://supabase.com",
    webhook_docs_url: "https://supabase.com/docs/guides/database/webhooks",
    webhook_config_deep_link: "https://supabase.com/dashboard/project/_/integrations/webhooks/overview",
    knock_tutorial_url: null,
    branding: branding("supabase", { primary: "#3ECF8E", secondary: "#1C1C1C" }),
  },
  default_settings: {
    event_type_path: "preprocess.normalized_event",
    enforce_verification: false,
    idempotency_key_path: null,
    timestamp_path: null,
    preprocessing_script: { language: "javascript", source: SCRIPT },
  },
  default_action_mappings: [
    {
      event_type: "auth.users:INSERT",
      action_type: "users_identify",
      action_parameters: {
        id: "body.record.id",
        email: "body.record.email",
        name: "body.record.raw_user_meta_data.full_name",
      },
    },
    {
      event_type: "public.orders:INSERT",
      action_type: "workflows_trigger",
      action_parameters: { key: "order-received", recipients: "body.record.user_id", data: "body.record" },
    },
    {
      event_type: "public.orders:UPDATE",
      action_type: "workflows_trigger",
      action_parameters: {
        key: "order-status-changed",
        recipients: "body.record.user_id",
        data: "body.record",
        cancellation_key: "body.record.id",
      },
    },
    {
      event_type: "public.orders:DELETE",
      action_type: "workflows_trigger",
      action_parameters: {
        key: "order-deleted",
        recipients: "body.old_record.user_id",
        data: "body.old_record",
      },
    },
  ],
  example_payloads: {
    "auth.users:INSERT": [
      {
        headers: HEADERS,
        body: {
          type: "INSERT",
          table: "users",
          schema: "auth",
          record: {
            id: "5d1c3b7a-9e2f-4a6b-8c0d-1e2f3a4b5c6d",
            aud: "authenticated",
            created_at: "2026-01-05T10:58:41.204117+00:00",
            email: "ellie.sattler@example.com",
            raw_user_meta_data: { full_name: "Ellie Sattler" },
            role: "authenticated",
          },
          old_record: null,
        },
      },
    ],
    "public.orders:INSERT": [
      {
        headers: HEADERS,
        body: { type: "INSERT", table: "orders", schema: "public", record: ORDER, old_record: null },
      },
    ],
    "public.orders:UPDATE": [
      {
        headers: HEADERS,
        body: {
          type: "UPDATE",
          table: "orders",
          schema: "public",
          record: { ...ORDER, status: "shipped", updated_at: "2026-01-06T09:05:12.000000+00:00" },
          old_record: ORDER,
        },
      },
    ],
    "public.orders:DELETE": [
      {
        headers: HEADERS,
        body: { type: "DELETE", table: "orders", schema: "public", record: null, old_record: ORDER },
      },
    ],
  },
  static_fields: {
    type: "object",
    properties: {
      SUPABASE_WEBHOOK_SECRET: {
        type: "string",
        title: "Shared secret (optional)",
        description:
          "If set, events must carry it in an x-webhook-secret header (add it as an HTTP header of the webhook).",
      },
    },
    additionalProperties: false,
  },
};
