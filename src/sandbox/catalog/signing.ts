// Signs the catalog's example payloads when the module loads, so the Stripe, Clerk and WorkOS examples carry
// valid signatures for SANDBOX_VARS. Timestamps are fixed by each example (no clock), so the data is
// deterministic. The rehearsal signs nothing: it sends rawBody = JSON.stringify(payload.body), which is exactly
// what is signed here.

import { createHmac } from "node:crypto";
import type { ExamplePayload } from "./types.js";
import { SANDBOX_VARS } from "./vars.js";

function secret(name: string): string {
  const value = SANDBOX_VARS[name];
  if (value === undefined) throw new Error(`SANDBOX_VARS has no ${name}`);
  return value;
}

/** Stripe: `stripe-signature: t=<unix s>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. */
export function stripeSigned(body: Record<string, unknown>, timestamp: number): ExamplePayload {
  const signature = createHmac("sha256", secret("STRIPE_WEBHOOK_SECRET"))
    .update(`${timestamp}.${JSON.stringify(body)}`)
    .digest("hex");
  return {
    body,
    headers: {
      accept: "*/*; q=0.5, application/xml",
      "cache-control": "no-cache",
      "content-type": "application/json; charset=utf-8",
      "stripe-signature": `t=${timestamp},v1=${signature}`,
      "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
    },
  };
}

/** Svix (Clerk): `svix-signature: v1,<base64 HMAC-SHA256(base64-decoded secret, "<id>.<t>.<raw body>")>`. */
export function svixSigned(
  body: Record<string, unknown>,
  messageId: string,
  timestamp: number,
): ExamplePayload {
  const key = Buffer.from(secret("CLERK_WEBHOOK_SECRET").replace(/^whsec_/, ""), "base64");
  const signature = createHmac("sha256", key)
    .update(`${messageId}.${timestamp}.${JSON.stringify(body)}`)
    .digest("base64");
  return {
    body,
    headers: {
      "content-type": "application/json",
      "svix-id": messageId,
      "svix-signature": `v1,${signature}`,
      "svix-timestamp": String(timestamp),
      "user-agent": "Svix-Webhooks/1.62.0 (sender-G8A1g; +https://www.svix.com/http-sender/)",
    },
  };
}

/** WorkOS: `workos-signature: t=<unix ms>, v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. */
export function workosSigned(body: Record<string, unknown>, timestampMs: number): ExamplePayload {
  const signature = createHmac("sha256", secret("WORKOS_WEBHOOK_SECRET"))
    .update(`${timestampMs}.${JSON.stringify(body)}`)
    .digest("hex");
  return {
    body,
    headers: {
      "content-type": "application/json",
      "user-agent": "WorkOS Webhooks",
      "workos-signature": `t=${timestampMs}, v1=${signature}`,
    },
  };
}
