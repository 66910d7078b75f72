import { branding } from "./branding.js";
import { stripeSigned } from "./signing.js";
import type { ProviderTemplate } from "./types.js";

// Verifies Stripe's scheme (https://docs.stripe.com/webhooks#verify-manually). Old timestamps are accepted unless
// STRIPE_TOLERANCE_SECONDS is set, because the sandbox's examples are signed once, with fixed timestamps.
const SCRIPT = `// Verify the Stripe-Signature header: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + raw body)>.
function main(ctx) {
  const secret = ctx.vars.STRIPE_WEBHOOK_SECRET;
  const header = ctx.headers["stripe-signature"];
  const object = (ctx.body && ctx.body.data && ctx.body.data.object) || {};
  const derived = {
    customer_id: typeof object.customer === "string" ? object.customer : (object.customer && object.customer.id) || null,
    customer_email: object.customer_email || object.receipt_email || object.email || null,
  };
  if (!secret) return { verified: false, reason: "STRIPE_WEBHOOK_SECRET is not set", ...derived };
  if (!header) return { verified: false, reason: "missing stripe-signature header", ...derived };

  let timestamp = null;
  const signatures = [];
  for (const part of header.split(",")) {
    const at = part.indexOf("=");
    const name = part.slice(0, at).trim();
    const value = part.slice(at + 1).trim();
    if (name === "t") timestamp = value;
    if (name === "v1") signatures.push(value);
  }
  if (!timestamp || signatures.length === 0) {
    return { verified: false, reason: "malformed stripe-signature header", ...derived };
  }

  // Optional replay protection (Stripe's libraries default to 300 seconds).
  const tolerance = Number(ctx.vars.STRIPE_TOLERANCE_SECONDS || 0);
  if (tolerance > 0 && Math.abs(Date.now() / 1000 - Number(timestamp)) > tolerance) {
    return { verified: false, reason: "timestamp outside the tolerance", ...derived };
  }

  const expected = hmacSha256(secret, timestamp + "." + ctx.rawBody, "hex");
  const verified = signatures.some((signature) => timingSafeEqual(signature, expected));
  return verified ? { verified: true, ...derived } : { verified: false, reason: "signature mismatch", ...derived };
}
`;

const INVOICE = {
  id: "in_1QsAnd8oXb4kZq2Lw3nV7cYd",
  object: "invoice",
  account_country: "US",
  account_name: "Acme Analytics, Inc.",
  amount_due: 4900,
  amount_paid: 4900,
  amount_remaining: 0,
  attempt_count: 1,
  attempted: true,
  billing_reason: "subscription_cycle",
  collection_method: "charge_automatically",
  created: 1767222000,
  currency: "usd",
  customer: "cus_RkT2bX9qLm4Pz1",
  customer_email: "jhammond@ingen.net",
  customer_name: "John Hammond",
  hosted_invoice_url: "https://invoice.stripe.com/i/acct_1Ns0dbox/test_YWNjdF8xTnMwZGJveA",
  invoice_pdf: "https://pay.stripe.com/invoice/acct_1Ns0dbox/test_YWNjdF8xTnMwZGJveA/pdf",
  lines: {
    object: "list",
    data: [
      {
        id: "il_1QsAnd8oXb4kZq2LxQ2m0V1a",
        object: "line_item",
        amount: 4900,
        currency: "usd",
        description: "1 × Pro plan (at $49.00 / month)",
        period: { start: 1767222000, end: 1769900400 },
        quantity: 1,
      },
    ],
    has_more: false,
    total_count: 1,
    url: "/v1/invoices/in_1QsAnd8oXb4kZq2Lw3nV7cYd/lines",
  },
  livemode: false,
  number: "ACME-0042",
  paid: true,
  period_end: 1767222000,
  period_start: 1764543600,
  status: "paid",
  subscription: "sub_1PqZk28oXb4kZq2Lh6GmAe3T",
  subtotal: 4900,
  total: 4900,
};

function event(id: string, type: string, created: number, object: Record<string, unknown>) {
  return stripeSigned(
    {
      id,
      object: "event",
      api_version: "2024-06-20",
      created,
      data: { object },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
    },
    created,
  );
}

export const stripe: ProviderTemplate = {
  key: "stripe",
  version: "1.0.0",
  provider: {
    name: "Stripe",
    description: "Receive billing events from Stripe: invoices, payments and subscription changes.",
    categories: ["Billing", "Ecommerce"],
    website_url: "https://stripe.com",
    webhook_docs_url: "https://docs.stripe.com/webhooks",
    webhook_config_deep_link: "https://dashboard.stripe.com/webhooks/create",
    knock_tutorial_url: "https://docs.knock.app/integrations/sources/stripe",
    branding: branding("stripe", { primary: "#635BFF", secondary: "#0A2540" }),
  },
  default_settings: {
    event_type_path: "body.type",
    enforce_verification: true,
    idempotency_key_path: "body.id",
    timestamp_path: "body.created",
    preprocessing_script: { language: "javascript", source: SCRIPT },
  },
  default_action_mappings: [
    {
      event_type: "invoice.paid",
      action_type: "workflows_trigger",
      action_parameters: {
        key: "invoice-paid",
        recipients: "body.data.object.customer",
        data: "body.data.object",
      },
    },
    {
      event_type: "invoice.payment_failed",
      action_type: "workflows_trigger",
      action_parameters: {
        key: "invoice-payment-failed",
        recipients: "body.data.object.customer",
        data: "body.data.object",
        cancellation_key: "body.data.object.id",
      },
    },
    {
      event_type: "customer.subscription.deleted",
      action_type: "workflows_trigger",
      action_parameters: {
        key: "subscription-canceled",
        recipients: "body.data.object.customer",
        data: "body.data.object",
      },
    },
  ],
  example_payloads: {
    "invoice.paid": [event("evt_1QsAnf8oXb4kZq2LcB0Hj7Wd", "invoice.paid", 1767222004, INVOICE)],
    "invoice.payment_failed": [
      event("evt_1QsBq28oXb4kZq2LpR6tYu1K", "invoice.payment_failed", 1767308405, {
        ...INVOICE,
        id: "in_1QsBpz8oXb4kZq2LkW9eXy4Q",
        amount_paid: 0,
        amount_remaining: 4900,
        attempt_count: 1,
        created: 1767308400,
        customer: "cus_Rm8vQ1sWc0Yb7N",
        customer_email: "ellie.sattler@ingen.net",
        customer_name: "Ellie Sattler",
        next_payment_attempt: 1767567600,
        number: "ACME-0043",
        paid: false,
        status: "open",
        subscription: "sub_1PrB2k8oXb4kZq2L0sTgD4aE",
      }),
    ],
    "customer.subscription.deleted": [
      event("evt_1QsCw98oXb4kZq2LnE3fGh8J", "customer.subscription.deleted", 1767394800, {
        id: "sub_1PrB2k8oXb4kZq2L0sTgD4aE",
        object: "subscription",
        cancel_at_period_end: false,
        canceled_at: 1767394800,
        cancellation_details: { comment: null, feedback: "too_expensive", reason: "cancellation_requested" },
        collection_method: "charge_automatically",
        created: 1759345200,
        currency: "usd",
        current_period_end: 1767394800,
        current_period_start: 1764716400,
        customer: "cus_Rm8vQ1sWc0Yb7N",
        ended_at: 1767394800,
        items: {
          object: "list",
          data: [
            {
              id: "si_QiB2k8oXb4kZq2",
              object: "subscription_item",
              price: {
                id: "price_1Pq0Yx8oXb4kZq2LproMonth",
                object: "price",
                currency: "usd",
                nickname: "Pro monthly",
                recurring: { interval: "month", interval_count: 1 },
                unit_amount: 4900,
              },
              quantity: 1,
            },
          ],
          has_more: false,
          total_count: 1,
        },
        livemode: false,
        metadata: { workspace_id: "ws_jurassic" },
        status: "canceled",
      }),
    ],
  },
  static_fields: {
    type: "object",
    properties: {
      STRIPE_WEBHOOK_SECRET: {
        type: "string",
        title: "Signing secret",
        description:
          "The endpoint's signing secret, shown in the Stripe dashboard under Developers → Webhooks.",
        pattern: "^whsec_",
      },
      STRIPE_TOLERANCE_SECONDS: {
        type: "string",
        title: "Timestamp tolerance (seconds)",
        description: "Reject events signed longer ago than this. Empty or 0 disables the check.",
        pattern: "^[0-9]*$",
      },
    },
    required: ["STRIPE_WEBHOOK_SECRET"],
    additionalProperties: false,
  },
};
