import { branding } from "./branding.js";
import { ORDER_COMPLETED, segmentSpecSettings } from "./segment.js";
import type { ProviderTemplate } from "./types.js";

// RudderStack's Webhook destination forwards events in its Segment-compatible event spec, unsigned; headers
// are whatever the destination is configured with.
const SCRIPT = `// RudderStack track calls: derive the customer's email and the order total, if any.
function main(ctx) {
  const body = ctx.body || {};
  const traits = (body.context && body.context.traits) || {};
  const properties = body.properties || {};
  return {
    verified: true,
    customer_email: traits.email || properties.email || null,
    order_total: typeof properties.total === "number" ? properties.total : null,
  };
}
`;

const HEADERS = { "content-type": "application/json", "user-agent": "RudderLabs" };

export const rudderstack: ProviderTemplate = {
  key: "rudderstack",
  version: "1.0.0",
  provider: {
    name: "RudderStack",
    description: "Receive customer events from RudderStack's Webhook destination.",
    categories: ["Analytics"],
    website_url: "https://www.rudderstack.com",
    webhook_docs_url: "https://www.rudderstack.com/docs/destinations/webhooks/",
    webhook_config_deep_link: "https://app.rudderstack.com/destinations",
    knock_tutorial_url: null,
    branding: branding("rudderstack", { primary: "#3B5BDB", secondary: "#0B1B3F" }),
  },
  default_settings: segmentSpecSettings(SCRIPT),
  default_action_mappings: [
    ORDER_COMPLETED,
    {
      event_type: "Trial Started",
      action_type: "workflows_trigger",
      action_parameters: {
        key: "trial-started",
        recipients: "body.userId",
        data: "body.properties",
        tenant: "body.context.groupId",
      },
    },
  ],
  example_payloads: {
    "Order Completed": [
      {
        headers: HEADERS,
        body: {
          anonymousId: "5e0c7a3f-91b2-4d68-a0e4-3f7b2c1d9e85",
          channel: "web",
          context: {
            app: {
              build: "1.0.0",
              name: "RudderLabs JavaScript SDK",
              namespace: "com.rudderlabs.javascript",
              version: "3.11.0",
            },
            ip: "192.0.2.41",
            library: { name: "RudderLabs JavaScript SDK", version: "3.11.0" },
            locale: "en-US",
            traits: { email: "ray.arnold@example.com", name: "Ray Arnold" },
          },
          event: "Order Completed",
          integrations: { All: true },
          messageId: "a1f3c5e7-2b4d-4f6a-8c0e-1d3f5a7b9c2e",
          originalTimestamp: "2026-01-02T09:15:00.000Z",
          properties: {
            currency: "USD",
            order_id: "ord_77120",
            products: [{ name: "Raptor-proof fence", price: 1200, product_id: "fence_r", quantity: 2 }],
            total: 2400,
          },
          receivedAt: "2026-01-02T09:15:00.612Z",
          request_ip: "192.0.2.41",
          rudderId: "3c0b2f1e-7d6a-4e9b-8c5d-2a1f0e9d8c7b",
          sentAt: "2026-01-02T09:15:00.204Z",
          timestamp: "2026-01-02T09:15:00.408Z",
          type: "track",
          userId: "user_ray_arnold",
        },
      },
    ],
    "Trial Started": [
      {
        headers: HEADERS,
        body: {
          anonymousId: "0f9e8d7c-6b5a-4e3d-9c2b-1a0f9e8d7c6b",
          channel: "server",
          context: {
            groupId: "org_ingen",
            library: { name: "@rudderstack/rudder-sdk-node", version: "2.0.9" },
            traits: { email: "donald.gennaro@example.com" },
          },
          event: "Trial Started",
          integrations: { All: true },
          messageId: "node-6f4e2a0c-8b9d-4c1e-a3f5-7d9b1e3c5a70",
          originalTimestamp: "2026-01-02T10:00:00.000Z",
          properties: { plan: "business", trial_days: 14, trial_ends_at: "2026-01-16T10:00:00.000Z" },
          receivedAt: "2026-01-02T10:00:00.377Z",
          rudderId: "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
          sentAt: "2026-01-02T10:00:00.102Z",
          timestamp: "2026-01-02T10:00:00.275Z",
          type: "track",
          userId: "user_donald_gennaro",
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
