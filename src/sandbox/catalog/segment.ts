import { branding } from "./branding.js";
import type { ProviderTemplate } from "./types.js";

// Segment's Webhooks destination can sign with an X-Signature HMAC-SHA1; the sandbox offers only SHA-256, so this
// template trusts the endpoint URL (as most Segment setups do) and derives the customer's email.
const SCRIPT = `// Segment track calls: derive the customer's email from the traits or the event properties.
function main(ctx) {
  const body = ctx.body || {};
  const traits = (body.context && body.context.traits) || {};
  const properties = body.properties || {};
  return {
    verified: true,
    customer_email: traits.email || properties.email || null,
    user_id: body.userId || null,
  };
}
`;

const HEADERS = { "content-type": "application/json", "user-agent": "Segment.io/1.0" };

/** Where the Segment event spec keeps the event name, message id and time; RudderStack follows the same spec. */
export function segmentSpecSettings(script: string): ProviderTemplate["default_settings"] {
  return {
    event_type_path: "body.event",
    enforce_verification: false,
    idempotency_key_path: "body.messageId",
    timestamp_path: "body.timestamp",
    preprocessing_script: { language: "javascript", source: script },
  };
}

export const ORDER_COMPLETED: ProviderTemplate["default_action_mappings"][number] = {
  event_type: "Order Completed",
  action_type: "workflows_trigger",
  action_parameters: { key: "order-confirmation", recipients: "body.userId", data: "body.properties" },
};

const CONTEXT = {
  ip: "198.51.100.7",
  library: { name: "analytics.js", version: "next-1.72.0" },
  locale: "en-US",
  page: {
    path: "/checkout",
    referrer: "https://acme.example/cart",
    title: "Checkout",
    url: "https://acme.example/checkout",
  },
  traits: { email: "ian.malcolm@example.com", name: "Ian Malcolm", plan: "pro" },
  userAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0.0.0 Safari/537.36",
};

export const segment: ProviderTemplate = {
  key: "segment",
  version: "1.0.0",
  provider: {
    name: "Segment",
    description: "Receive customer events from Segment.",
    categories: ["Analytics"],
    website_url: "https://segment.com",
    webhook_docs_url: "https://segment.com/docs/connections/destinations/catalog/webhooks",
    webhook_config_deep_link: "https://app.segment.com/goto-my-workspace/destinations/catalog/webhooks",
    knock_tutorial_url: "https://docs.knock.app/integrations/sources/segment",
    branding: branding("segment", { primary: "#52BD95", secondary: "#1A2340" }),
  },
  default_settings: segmentSpecSettings(SCRIPT),
  default_action_mappings: [
    ORDER_COMPLETED,
    {
      event_type: "Signed Up",
      action_type: "users_identify",
      action_parameters: {
        id: "body.userId",
        email: "preprocess.customer_email",
        name: "body.context.traits.name",
      },
    },
    {
      event_type: "Signed Up",
      action_type: "workflows_trigger",
      action_parameters: { key: "welcome", recipients: "body.userId", data: "body.properties" },
    },
  ],
  example_payloads: {
    "Order Completed": [
      {
        headers: HEADERS,
        body: {
          anonymousId: "7b3e6c1a-2f44-4d0e-9a51-5c8d7e2f1b90",
          channel: "client",
          context: CONTEXT,
          event: "Order Completed",
          integrations: {},
          messageId: "ajs-next-1767225600123-4f1c9a7e-3b2d-4e8f-a6c1-0d9e8b7a6f52",
          originalTimestamp: "2026-01-01T00:00:00.123Z",
          properties: {
            checkout_id: "chk_9f8e7d",
            currency: "USD",
            order_id: "ord_50314",
            products: [
              {
                name: "Pro plan (annual)",
                price: 490,
                product_id: "prod_pro_annual",
                quantity: 1,
                sku: "PRO-12",
              },
            ],
            revenue: 490,
            total: 490,
          },
          receivedAt: "2026-01-01T00:00:00.412Z",
          sentAt: "2026-01-01T00:00:00.201Z",
          timestamp: "2026-01-01T00:00:00.334Z",
          type: "track",
          userId: "user_ian_malcolm",
          version: 2,
        },
      },
    ],
    "Signed Up": [
      {
        headers: HEADERS,
        body: {
          anonymousId: "c2d9a4f7-0e61-4b3a-8f25-9e7d6c5b4a31",
          channel: "server",
          context: {
            library: { name: "analytics-node", version: "2.2.0" },
            traits: { email: "dennis.nedry@example.com", name: "Dennis Nedry" },
          },
          event: "Signed Up",
          integrations: {},
          messageId: "node-next-1767229200456-8e2f4a6c-1d3b-4f5e-b7a9-2c4d6e8f0a1b",
          originalTimestamp: "2026-01-01T01:00:00.456Z",
          properties: {
            email: "dennis.nedry@example.com",
            plan: "free",
            referrer: "newsletter",
            signup_method: "email",
          },
          receivedAt: "2026-01-01T01:00:00.701Z",
          sentAt: "2026-01-01T01:00:00.498Z",
          timestamp: "2026-01-01T01:00:00.659Z",
          type: "track",
          userId: "user_dennis_nedry",
          version: 2,
        },
      },
    ],
  },
  static_fields: {
    type: "object",
    properties: {},
    additionalProperties: false,
  },
};
