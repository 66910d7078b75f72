import { branding } from "./branding.js";
import type { ProviderTemplate } from "./types.js";

// PostHog's HTTP Webhook destination posts {event, person, project} (its default body template), unsigned.
const SCRIPT = `// PostHog webhook destination: derive the person's email and name for mappings.
function main(ctx) {
  const body = ctx.body || {};
  const person = (body.person && body.person.properties) || {};
  return {
    verified: true,
    customer_email: person.email || null,
    customer_name: person.name || [person.first_name, person.last_name].filter(Boolean).join(" ") || null,
  };
}
`;

const HEADERS = { "content-type": "application/json", "user-agent": "PostHog-Webhooks/1.0" };

const PROJECT = { id: 48213, name: "Acme Web App", url: "https://us.posthog.com/project/48213" };

export const posthog: ProviderTemplate = {
  key: "posthog",
  version: "1.0.0",
  provider: {
    name: "PostHog",
    description: "Receive product analytics events from a PostHog webhook destination.",
    categories: ["Analytics"],
    website_url: "https://posthog.com",
    webhook_docs_url: "https://posthog.com/docs/cdp/destinations/webhook",
    webhook_config_deep_link: "https://us.posthog.com/pipeline/new/destination",
    knock_tutorial_url: null,
    branding: branding("posthog", { primary: "#F54E00", secondary: "#1D4AFF" }),
  },
  default_settings: {
    event_type_path: "body.event.event",
    enforce_verification: false,
    idempotency_key_path: "body.event.uuid",
    timestamp_path: "body.event.timestamp",
    preprocessing_script: { language: "javascript", source: SCRIPT },
  },
  default_action_mappings: [
    {
      event_type: "signed_up",
      action_type: "users_identify",
      action_parameters: {
        id: "body.event.distinct_id",
        email: "preprocess.customer_email",
        name: "preprocess.customer_name",
      },
    },
    {
      event_type: "signed_up",
      action_type: "workflows_trigger",
      action_parameters: {
        key: "welcome",
        recipients: "body.event.distinct_id",
        data: "body.event.properties",
      },
    },
    {
      event_type: "feature_limit_reached",
      action_type: "workflows_trigger",
      action_parameters: {
        key: "usage-limit-reached",
        recipients: "body.event.distinct_id",
        data: "body.event.properties",
        tenant: "body.event.properties.organization_id",
      },
    },
  ],
  example_payloads: {
    signed_up: [
      {
        headers: HEADERS,
        body: {
          event: {
            distinct_id: "user_john_arnold",
            elements_chain: "",
            event: "signed_up",
            properties: {
              $browser: "Firefox",
              $current_url: "https://acme.example/signup",
              $os: "Linux",
              plan: "free",
              signup_source: "landing-page",
            },
            timestamp: "2026-01-03T14:02:11.532Z",
            url: "https://us.posthog.com/project/48213/events/01941c2e-7a4b-7c3d-9e8f-0a1b2c3d4e5f/2026-01-03T14:02:11.532Z",
            uuid: "01941c2e-7a4b-7c3d-9e8f-0a1b2c3d4e5f",
          },
          person: {
            id: "01941c2d-1111-7aaa-8bbb-cccc0000dddd",
            name: "John Arnold",
            properties: { email: "john.arnold@example.com", first_name: "John", last_name: "Arnold" },
            url: "https://us.posthog.com/project/48213/person/user_john_arnold",
          },
          project: PROJECT,
        },
      },
    ],
    feature_limit_reached: [
      {
        headers: HEADERS,
        body: {
          event: {
            distinct_id: "user_john_hammond",
            elements_chain: "",
            event: "feature_limit_reached",
            properties: {
              feature: "dashboards",
              limit: 10,
              organization_id: "org_ingen",
              plan: "free",
              usage: 10,
            },
            timestamp: "2026-01-04T08:30:45.017Z",
            url: "https://us.posthog.com/project/48213/events/01941f5b-2c3d-7e4f-8a9b-0c1d2e3f4a5b/2026-01-04T08:30:45.017Z",
            uuid: "01941f5b-2c3d-7e4f-8a9b-0c1d2e3f4a5b",
          },
          person: {
            id: "01941c2d-2222-7aaa-8bbb-cccc0000eeee",
            name: "John Hammond",
            properties: { email: "jhammond@ingen.net", name: "John Hammond" },
            url: "https://us.posthog.com/project/48213/person/user_john_hammond",
          },
          project: PROJECT,
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
