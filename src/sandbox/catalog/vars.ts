/**
 * Default script variables of the sandbox (`ctx.vars`). Fake values: they sign only the sandbox's own example
 * payloads and are worthless anywhere else. The Clerk value has the Svix shape (`whsec_` + base64 of the key).
 */
export const SANDBOX_VARS: Readonly<Record<string, string>> = Object.freeze({
  STRIPE_WEBHOOK_SECRET: "whsec_sandboxStripeSigningSecret00000000",
  CLERK_WEBHOOK_SECRET: "whsec_a25vY2stc2FuZGJveC1jbGVyay1rZXkh",
  WORKOS_WEBHOOK_SECRET: "sandbox_workos_webhook_secret_0000",
  WEBHOOK_SECRET: "sandbox_custom_webhook_secret_0000",
});
