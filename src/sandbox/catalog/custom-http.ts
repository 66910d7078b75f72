import { branding } from "./branding.js";
import type { ProviderTemplate } from "./types.js";
import { SANDBOX_VARS } from "./vars.js";

// A starting point for any system that can POST JSON, with the defaults Knock's custom source page gives
// (knocklabs/docs, content/integrations/sources/custom.mdx): the event type at body.type; like the default
// script described there, an x-webhook-secret header compared with a variable (here WEBHOOK_SECRET);
// idempotency off until an idempotency key path is set. The timestamp path is the sandbox's own choice.
const SCRIPT = `// Compare the x-webhook-secret header with the WEBHOOK_SECRET variable.
function main(ctx) {
  const secret = ctx.vars.WEBHOOK_SECRET;
  if (!secret) return { verified: false, reason: "WEBHOOK_SECRET is not set" };
  const sent = ctx.headers["x-webhook-secret"];
  if (!sent) return { verified: false, reason: "missing x-webhook-secret header" };
  return timingSafeEqual(sent, secret) ? { verified: true } : { verified: false, reason: "x-webhook-secret does not match" };
}
`;

const HEADERS = {
  "content-type": "application/json",
  "user-agent": "acme-backend/4.2 (+https://acme.example)",
  "x-webhook-secret": SANDBOX_VARS.WEBHOOK_SECRET as string,
};

export const customHttp: ProviderTemplate = {
  key: "custom-http",
  version: "1.0.0",
  provider: {
    name: "Custom HTTP",
    description: "Receive JSON events from any system that can send an HTTP POST.",
    categories: ["Infrastructure", "Communications"],
    website_url: null,
    webhook_docs_url: "https://docs.knock.app/integrations/sources/custom",
    webhook_config_deep_link: null,
    knock_tutorial_url: "https://docs.knock.app/integrations/sources/custom",
    branding: branding("custom-http", null),
  },
  default_settings: {
    event_type_path: "body.type",
    enforce_verification: false,
    idempotency_key_path: null,
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
          type: "comment.created",
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
          type: "order.shipped",
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
      WEBHOOK_SECRET: {
        type: "string",
        title: "Webhook secret",
        description: "Events verify when their x-webhook-secret header equals this value.",
      },
    },
    additionalProperties: false,
  },
};
