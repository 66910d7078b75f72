import { branding } from "./branding.js";
import type { ProviderTemplate } from "./types.js";

// Knock's PostHog page (knocklabs/docs, content/integrations/sources/posthog.mdx) sets up PostHog's Knock
// destination, which posts one JSON object per event, unsigned: type "track", the event name in `event`, the
// configured User ID in `userId`, the event's properties, the event's uuid as `messageId` and its timestamp.
// Hence the event type at body.event and the idempotency key at body.messageId (the path that page gives).
// The default mappings identify users on `$identify` and `$set`, as that page says; the rest is ours.
const SCRIPT = `// PostHog's Knock destination: find the person's email and name for users_identify.
function main(ctx) {
  const properties = (ctx.body && ctx.body.properties) || {};
  const person = properties.$set || properties;
  const name = person.name || [person.first_name, person.last_name].filter(Boolean).join(" ");
  return { verified: true, email: person.email || null, name: name || null };
}
`;

const HEADERS = { "content-type": "application/json", "user-agent": "PostHog-CDP/1.0" };

const IDENTIFY = {
  action_type: "users_identify",
  action_parameters: { id: "body.userId", email: "preprocess.email", name: "preprocess.name" },
} as const;

export const posthog: ProviderTemplate = {
  key: "posthog",
  version: "1.0.0",
  provider: {
    name: "PostHog",
    description: "Receive product analytics events from PostHog's Knock destination.",
    categories: ["Analytics"],
    website_url: "https://posthog.com",
    webhook_docs_url: "https://posthog.com/docs/cdp/destinations/knock",
    webhook_config_deep_link: "https://us.posthog.com/pipeline/new/destination",
    knock_tutorial_url: "https://docs.knock.app/integrations/sources/posthog",
    branding: branding("posthog", { primary: "#F54E00", secondary: "#1D4AFF" }),
  },
  default_settings: {
    event_type_path: "body.event",
    enforce_verification: false,
    idempotency_key_path: "body.messageId",
    timestamp_path: "body.timestamp",
    preprocessing_script: { language: "javascript", source: SCRIPT },
  },
  default_action_mappings: [
    { event_type: "$identify", ...IDENTIFY },
    { event_type: "$set", ...IDENTIFY },
    {
      event_type: "feature_limit_reached",
      action_type: "workflows_trigger",
      action_parameters: {
        key: "usage-limit-reached",
        recipients: "body.userId",
        data: "body.properties",
        tenant: "body.properties.organization_id",
      },
    },
  ],
  example_payloads: {
    $identify: [
      {
        headers: HEADERS,
        body: {
          type: "track",
          event: "$identify",
          userId: "user_john_arnold",
          properties: {
            $browser: "Firefox",
            $current_url: "https://acme.example/signup",
            $os: "Linux",
            $set: { email: "john.arnold@example.com", first_name: "John", last_name: "Arnold", plan: "free" },
          },
          messageId: "01941c2e-7a4b-7c3d-9e8f-0a1b2c3d4e5f",
          timestamp: "2026-01-03T14:02:11.532Z",
        },
      },
    ],
    $set: [
      {
        headers: HEADERS,
        body: {
          type: "track",
          event: "$set",
          userId: "user_john_arnold",
          properties: { $set: { email: "john.arnold@example.com", name: "John Arnold", plan: "pro" } },
          messageId: "01941d07-3c1e-7f2a-8b4d-5e6f7a8b9c0d",
          timestamp: "2026-01-03T16:45:02.118Z",
        },
      },
    ],
    feature_limit_reached: [
      {
        headers: HEADERS,
        body: {
          type: "track",
          event: "feature_limit_reached",
          userId: "user_john_hammond",
          properties: {
            feature: "dashboards",
            limit: 10,
            organization_id: "org_ingen",
            plan: "free",
            usage: 10,
          },
          messageId: "01941f5b-2c3d-7e4f-8a9b-0c1d2e3f4a5b",
          timestamp: "2026-01-04T08:30:45.017Z",
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
