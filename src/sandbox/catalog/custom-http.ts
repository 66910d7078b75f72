import { branding } from "./branding.js";
import type { ProviderTemplate } from "./types.js";

// A starting point for any system that can POST JSON: an event name at body.event, an id, a timestamp. If
// WEBHOOK_SIGNING_SECRET is set, the script requires x-signature = hex HMAC-SHA256(secret, raw body).
const SCRIPT = `// Generic JSON webhook. Optional HMAC check: x-signature: <hex HMAC-SHA256(WEBHOOK_SIGNING_SECRET, raw body)>.
async function main(ctx) {
  const secret = ctx.vars.WEBHOOK_SIGNING_SECRET;
  if (!secret) return { verified: true };
  const sent = (ctx.headers["x-signature"] || "").replace(/^sha256=/, "");
  const expected = hmacSha256(secret, ctx.rawBody, "hex");
  return timingSafeEqual(sent, expected) ? { verified: true } : { verified: false, reason: "x-signature does not match" };
}
`;

const HEADERS = {
  "content-type": "application/json",
  "user-agent": "acme-backend/4.2 (+https://acme.example)",
};

export const customHttp: ProviderTemplate = {
  key: "custom-http",
  version: "1.0.0",
  provider: {
    name: "Custom HTTP",
    description: "Receive JSON events from any system that can send an HTTP POST.",
    categories: ["Infrastructure", "Communications"],
    website_url: null,
    webhook_docs_url: "https://docs.knock.app/integrations/sources/overview",
    webhook_config_deep_link: null,
    knock_tutorial_url: "https://docs.knock.app/integrations/sources/overview",
    branding: branding("custom-http", null),
  },
  default_settings: {
    event_type_path: "body.event",
    enforce_verification: false,
    idempotency_key_path: "body.id",
    timestamp_path: "body.timestamp",
    preprocessing_script: { language: "javascript", source: SCRIPT },
  },
  default_action_mappings: [
    {
      event_type: "comment.created",
      action_type: "workflows_trigger",
      action_parameters: {
        key: "new-comment",
        recipients: "body.data.recipient_ids",
        actor: "body.data.author_id",
        data: "body.data",
        tenant: "body.data.workspace_id",
      },
    },
    {
      event_type: "order.shipped",
      action_type: "workflows_trigger",
      action_parameters: { key: "order-shipped", recipients: "body.data.user_id", data: "body.data" },
    },
  ],
  example_payloads: {
    "comment.created": [
      {
        headers: HEADERS,
        body: {
          id: "evt_cmt_8f2a61c4",
          event: "comment.created",
          timestamp: "2026-01-08T12:00:00Z",
          data: {
            author_id: "user_sarah_harding",
            body: "Looks good, ship it!",
            comment_id: "cmt_5521",
            document_title: "Q1 launch plan",
            recipient_ids: ["user_nick_van_owen", "user_ian_malcolm"],
            workspace_id: "ws_jurassic",
          },
        },
      },
    ],
    "order.shipped": [
      {
        headers: HEADERS,
        body: {
          id: "evt_ord_31b7d09e",
          event: "order.shipped",
          timestamp: "2026-01-08T15:30:00Z",
          data: {
            carrier: "UPS",
            order_id: "ord_50314",
            tracking_number: "1Z999AA10123456784",
            tracking_url: "https://www.ups.com/track?tracknum=1Z999AA10123456784",
            user_id: "user_ian_malcolm",
          },
        },
      },
    ],
  },
  static_fields: {
    type: "object",
    properties: {
      WEBHOOK_SIGNING_SECRET: {
        type: "string",
        title: "Signing secret (optional)",
        description:
          "If set, events must carry x-signature: hex HMAC-SHA256 of the raw body with this secret.",
      },
    },
    additionalProperties: false,
  },
};
