import { branding } from "./branding.js";
import { svixSigned } from "./signing.js";
import type { ProviderTemplate } from "./types.js";

// Clerk delivers webhooks through Svix (https://docs.svix.com/receiving/verifying-payloads/how-manual). Old
// timestamps are accepted unless CLERK_TOLERANCE_SECONDS is set: the sandbox's examples are signed once.
const SCRIPT = `// Verify the Svix signature Clerk sends: svix-signature holds space-separated "v1,<base64 signature>" entries,
// each HMAC-SHA256(base64-decoded secret without "whsec_", svix-id + "." + svix-timestamp + "." + raw body).
function main(ctx) {
  const secret = ctx.vars.CLERK_WEBHOOK_SECRET;
  const id = ctx.headers["svix-id"];
  const timestamp = ctx.headers["svix-timestamp"];
  const header = ctx.headers["svix-signature"];
  const data = (ctx.body && ctx.body.data) || {};
  const emails = Array.isArray(data.email_addresses) ? data.email_addresses : [];
  const primary = emails.find((email) => email.id === data.primary_email_address_id) || emails[0];
  const derived = {
    user_id: data.object === "user" ? data.id : data.user_id || null,
    primary_email: primary ? primary.email_address : null,
    full_name: [data.first_name, data.last_name].filter(Boolean).join(" ") || null,
  };
  if (!secret) return { verified: false, reason: "CLERK_WEBHOOK_SECRET is not set", ...derived };
  if (!id || !timestamp || !header) return { verified: false, reason: "missing svix headers", ...derived };

  const tolerance = Number(ctx.vars.CLERK_TOLERANCE_SECONDS || 0);
  if (tolerance > 0 && Math.abs(Date.now() / 1000 - Number(timestamp)) > tolerance) {
    return { verified: false, reason: "timestamp outside the tolerance", ...derived };
  }

  const key = base64Decode(secret.startsWith("whsec_") ? secret.slice(6) : secret);
  const expected = hmacSha256(key, id + "." + timestamp + "." + ctx.rawBody, "base64");
  const verified = header
    .split(" ")
    .some((entry) => entry.startsWith("v1,") && timingSafeEqual(entry.slice(3), expected));
  return verified ? { verified: true, ...derived } : { verified: false, reason: "signature mismatch", ...derived };
}
`;

const USER = {
  id: "user_2pQk7YbX4nVt1LcR8sWmE3dJ0aH",
  object: "user",
  backup_code_enabled: false,
  banned: false,
  created_at: 1767261600000,
  email_addresses: [
    {
      id: "idn_2pQk7WcN9rTy5MbV2xLq8gHs1eF",
      object: "email_address",
      email_address: "alan.grant@example.com",
      linked_to: [],
      reserved: false,
      verification: { attempts: 1, expire_at: 1767262200000, status: "verified", strategy: "email_code" },
    },
  ],
  external_accounts: [],
  external_id: null,
  first_name: "Alan",
  has_image: false,
  image_url: "https://img.clerk.com/eyJ0eXBlIjoiZGVmYXVsdCIsImlpZCI6Imluc18yb1pzIn0",
  last_name: "Grant",
  last_sign_in_at: null,
  locked: false,
  password_enabled: false,
  phone_numbers: [],
  primary_email_address_id: "idn_2pQk7WcN9rTy5MbV2xLq8gHs1eF",
  primary_phone_number_id: null,
  private_metadata: {},
  public_metadata: { plan: "free" },
  two_factor_enabled: false,
  unsafe_metadata: {},
  updated_at: 1767261600000,
  username: null,
  web3_wallets: [],
};

function event(messageId: string, type: string, timestampMs: number, data: Record<string, unknown>) {
  return svixSigned(
    {
      data,
      event_attributes: {
        http_request: {
          client_ip: "203.0.113.24",
          user_agent:
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari/605.1.15",
        },
      },
      instance_id: "ins_2oZsandboxKnock0000000000",
      object: "event",
      timestamp: timestampMs,
      type,
    },
    messageId,
    Math.floor(timestampMs / 1000),
  );
}

export const clerk: ProviderTemplate = {
  key: "clerk",
  version: "1.0.0",
  provider: {
    name: "Clerk",
    description: "Receive user, session and organization events from Clerk, delivered by Svix.",
    categories: ["Identity"],
    website_url: "https://clerk.com",
    webhook_docs_url: "https://clerk.com/docs/webhooks/overview",
    webhook_config_deep_link: "https://dashboard.clerk.com/last-active?path=webhooks",
    knock_tutorial_url: "https://docs.knock.app/integrations/sources/clerk",
    branding: branding("clerk", { primary: "#6C47FF", secondary: "#131316" }),
  },
  default_settings: {
    event_type_path: "body.type",
    enforce_verification: true,
    idempotency_key_path: "headers.svix-id",
    timestamp_path: "body.timestamp",
    preprocessing_script: { language: "javascript", source: SCRIPT },
  },
  default_action_mappings: [
    {
      event_type: "user.created",
      action_type: "users_identify",
      action_parameters: {
        id: "body.data.id",
        email: "preprocess.primary_email",
        name: "preprocess.full_name",
        avatar: "body.data.image_url",
      },
    },
    {
      event_type: "user.created",
      action_type: "workflows_trigger",
      action_parameters: { key: "welcome", recipients: "body.data.id", data: "body.data.public_metadata" },
    },
    {
      event_type: "user.deleted",
      action_type: "users_delete",
      action_parameters: { id: "body.data.id" },
    },
    {
      event_type: "session.created",
      action_type: "workflows_trigger",
      action_parameters: {
        key: "new-sign-in",
        recipients: "body.data.user_id",
        data: "body.event_attributes.http_request",
      },
    },
  ],
  example_payloads: {
    "user.created": [event("msg_2pQk8AbCdEfGhIjKlMnOpQrStUv", "user.created", 1767261600123, USER)],
    "user.deleted": [
      event("msg_2pRz1WxYzAbCdEfGhIjKlMnOpQr", "user.deleted", 1767348000456, {
        deleted: true,
        id: "user_2pQk7YbX4nVt1LcR8sWmE3dJ0aH",
        object: "user",
      }),
    ],
    "session.created": [
      event("msg_2pSa9QrStUvWxYzAbCdEfGhIjKl", "session.created", 1767265200789, {
        abandon_at: 1769857200789,
        actor: null,
        client_id: "client_2pSa9MnBvCxZaSdFgHjKlQwErT",
        created_at: 1767265200789,
        expire_at: 1767870000789,
        id: "sess_2pSa9PoIuYtReWqAsDfGhJkLzX",
        last_active_at: 1767265200789,
        object: "session",
        status: "active",
        updated_at: 1767265200789,
        user_id: "user_2pQk7YbX4nVt1LcR8sWmE3dJ0aH",
      }),
    ],
  },
  static_fields: {
    type: "object",
    properties: {
      CLERK_WEBHOOK_SECRET: {
        type: "string",
        title: "Signing secret",
        description: "The endpoint's signing secret from the Clerk dashboard (Configure → Webhooks).",
        pattern: "^whsec_[A-Za-z0-9+/=]+$",
      },
      CLERK_TOLERANCE_SECONDS: {
        type: "string",
        title: "Timestamp tolerance (seconds)",
        description: "Reject events signed longer ago than this. Empty or 0 disables the check.",
        pattern: "^[0-9]*$",
      },
    },
    required: ["CLERK_WEBHOOK_SECRET"],
    additionalProperties: false,
  },
};
