import { branding } from "./branding.js";
import { workosSigned } from "./signing.js";
import type { ProviderTemplate } from "./types.js";

// WorkOS signs webhooks with `WorkOS-Signature: t=<unix ms>, v1=<hex HMAC-SHA256(secret, t + "." + raw body)>`
// (https://workos.com/docs/events/data-syncing/webhooks). Not enforced by default; the script verifies when
// WORKOS_WEBHOOK_SECRET is set and accepts old timestamps unless WORKOS_TOLERANCE_SECONDS is set.
const SCRIPT = `// Verify the WorkOS-Signature header when WORKOS_WEBHOOK_SECRET is set.
function main(ctx) {
  const data = (ctx.body && ctx.body.data) || {};
  const derived = {
    user_id: data.object === "user" ? data.id : data.user_id || null,
    organization_id: data.object === "organization" ? data.id : data.organization_id || null,
  };
  const secret = ctx.vars.WORKOS_WEBHOOK_SECRET;
  if (!secret) return { verified: true, reason: "WORKOS_WEBHOOK_SECRET is not set; signature not checked", ...derived };
  const header = ctx.headers["workos-signature"] || "";
  let timestamp = null;
  let signature = null;
  for (const part of header.split(",")) {
    const at = part.indexOf("=");
    const name = part.slice(0, at).trim();
    if (name === "t") timestamp = part.slice(at + 1).trim();
    if (name === "v1") signature = part.slice(at + 1).trim();
  }
  if (!timestamp || !signature) return { verified: false, reason: "missing or malformed workos-signature header", ...derived };
  const tolerance = Number(ctx.vars.WORKOS_TOLERANCE_SECONDS || 0);
  if (tolerance > 0 && Math.abs(Date.now() - Number(timestamp)) > tolerance * 1000) {
    return { verified: false, reason: "timestamp outside the tolerance", ...derived };
  }
  const expected = hmacSha256(secret, timestamp + "." + ctx.rawBody, "hex");
  return timingSafeEqual(signature, expected)
    ? { verified: true, ...derived }
    : { verified: false, reason: "signature mismatch", ...derived };
}
`;

function event(id: string, name: string, createdAt: string, data: Record<string, unknown>) {
  return workosSigned({ id, event: name, data, created_at: createdAt }, Date.parse(createdAt) + 1500);
}

export const workos: ProviderTemplate = {
  key: "workos",
  version: "1.0.0",
  provider: {
    name: "WorkOS",
    description:
      "Receive user, organization and directory events from WorkOS (AuthKit, SSO, Directory Sync).",
    categories: ["Identity"],
    website_url: "https://workos.com",
    webhook_docs_url: "https://workos.com/docs/events/data-syncing/webhooks",
    webhook_config_deep_link: "https://dashboard.workos.com/webhooks",
    knock_tutorial_url: null,
    branding: branding("workos", { primary: "#6363F1", secondary: "#0B0D12" }),
  },
  default_settings: {
    event_type_path: "body.event",
    enforce_verification: false,
    idempotency_key_path: "body.id",
    timestamp_path: "body.created_at",
    preprocessing_script: { language: "javascript", source: SCRIPT },
  },
  default_action_mappings: [
    {
      event_type: "user.created",
      action_type: "users_identify",
      action_parameters: { id: "body.data.id", email: "body.data.email", name: "body.data.first_name" },
    },
    {
      event_type: "user.created",
      action_type: "workflows_trigger",
      action_parameters: { key: "welcome", recipients: "body.data.id", data: "body.data" },
    },
    {
      event_type: "organization.created",
      action_type: "tenants_set",
      action_parameters: { id: "body.data.id", name: "body.data.name" },
    },
    {
      event_type: "organization_membership.created",
      action_type: "workflows_trigger",
      action_parameters: {
        key: "organization-joined",
        recipients: "body.data.user_id",
        tenant: "body.data.organization_id",
        data: "body.data",
      },
    },
  ],
  example_payloads: {
    "user.created": [
      event("event_01KDXW4R2Q9F1G3H5J7K9M1N3P", "user.created", "2026-01-07T16:40:12.000Z", {
        object: "user",
        id: "user_01KDXW4QZ8A2B4C6D8E0F2G4H6",
        email: "henry.wu@example.com",
        email_verified: true,
        first_name: "Henry",
        last_name: "Wu",
        profile_picture_url: null,
        last_sign_in_at: null,
        external_id: null,
        metadata: {},
        created_at: "2026-01-07T16:40:11.618Z",
        updated_at: "2026-01-07T16:40:11.618Z",
      }),
    ],
    "organization.created": [
      event("event_01KDXX0A1B2C3D4E5F6G7H8J9K", "organization.created", "2026-01-07T17:00:00.000Z", {
        object: "organization",
        id: "org_01KDXX09Z8Y7X6W5V4T3S2R1Q0",
        name: "InGen Biosciences",
        allow_profiles_outside_organization: false,
        domains: [
          {
            object: "organization_domain",
            id: "org_domain_01KDXX0A0B1C2D3E4F5G6H7J8K",
            domain: "ingen.net",
            state: "verified",
            verification_strategy: "dns",
          },
        ],
        external_id: null,
        metadata: {},
        created_at: "2026-01-07T16:59:59.402Z",
        updated_at: "2026-01-07T16:59:59.402Z",
      }),
    ],
    "organization_membership.created": [
      event(
        "event_01KDXX5M6N7P8Q9R0S1T2V3W4X",
        "organization_membership.created",
        "2026-01-07T17:05:30.000Z",
        {
          object: "organization_membership",
          id: "om_01KDXX5M0A1B2C3D4E5F6G7H8J",
          user_id: "user_01KDXW4QZ8A2B4C6D8E0F2G4H6",
          organization_id: "org_01KDXX09Z8Y7X6W5V4T3S2R1Q0",
          role: { slug: "member" },
          status: "active",
          created_at: "2026-01-07T17:05:29.870Z",
          updated_at: "2026-01-07T17:05:29.870Z",
        },
      ),
    ],
  },
  static_fields: {
    type: "object",
    properties: {
      WORKOS_WEBHOOK_SECRET: {
        type: "string",
        title: "Webhook secret",
        description:
          "The endpoint's secret from the WorkOS dashboard (Webhooks). When set, signatures are checked.",
      },
      WORKOS_TOLERANCE_SECONDS: {
        type: "string",
        title: "Timestamp tolerance (seconds)",
        description: "Reject events signed longer ago than this. Empty or 0 disables the check.",
        pattern: "^[0-9]*$",
      },
    },
    additionalProperties: false,
  },
};
