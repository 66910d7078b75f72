import { afterAll, describe, expect, it } from "vitest";
// The action types of the API spec, as the client knows them: an oracle independent of the sandbox.
import { ACTION_TYPES } from "../../src/knock/schemas.js";
import { findProvider, PROVIDERS, SANDBOX_VARS } from "../../src/sandbox/catalog/index.js";
import type { ExamplePayload, ProviderTemplate } from "../../src/sandbox/catalog/types.js";
import { closeScriptRunner, runPreprocessScript } from "../../src/sandbox/pipeline/script.js";
import { runCatalogScript } from "../../src/sandbox/pipeline/script-trusted.js";

const CATEGORIES = [
  "Billing",
  "Infrastructure",
  "Analytics",
  "CRM",
  "Ecommerce",
  "Communications",
  "Identity",
];
const REQUIRED_KEYS = [
  "stripe",
  "segment",
  "clerk",
  "workos",
  "supabase",
  "posthog",
  "rudderstack",
  "custom-http",
];

afterAll(async () => {
  await closeScriptRunner();
});

/** Test-local resolver: dot paths over the envelope, numeric segments index arrays. */
function resolve(root: unknown, path: string): unknown {
  let current = root;
  for (const segment of path.split(".")) {
    if (Array.isArray(current) && /^\d+$/.test(segment)) current = current[Number(segment)];
    else if (current !== null && typeof current === "object" && Object.hasOwn(current, segment)) {
      current = (current as Record<string, unknown>)[segment];
    } else return undefined;
  }
  return current;
}

async function preprocess(
  template: ProviderTemplate,
  payload: ExamplePayload,
  rawBody = JSON.stringify(payload.body),
) {
  const script = template.default_settings.preprocessing_script;
  if (!script) return {};
  const result = await runPreprocessScript(script.source, {
    vars: { ...SANDBOX_VARS },
    body: JSON.parse(rawBody),
    rawBody,
    headers: payload.headers,
  });
  if (!result.ok) throw new Error(`${template.key}: ${result.error}`);
  return result.output;
}

function examples(template: ProviderTemplate): Array<[string, ExamplePayload]> {
  return Object.entries(template.example_payloads).flatMap(([type, list]) =>
    list.map((p) => [type, p] as [string, ExamplePayload]),
  );
}

describe("catalog", () => {
  it("has every required provider, unique keys, findProvider", () => {
    const keys = PROVIDERS.map((p) => p.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const key of REQUIRED_KEYS) expect(findProvider(key)?.key).toBe(key);
    expect(findProvider("nope")).toBeUndefined();
  });

  it("SANDBOX_VARS holds the signing secrets and is frozen", () => {
    expect(SANDBOX_VARS.STRIPE_WEBHOOK_SECRET).toMatch(/^whsec_/);
    expect(SANDBOX_VARS.CLERK_WEBHOOK_SECRET).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Object.isFrozen(SANDBOX_VARS)).toBe(true);
  });

  it("templates are deeply frozen shared data", () => {
    const stripe = findProvider("stripe") as ProviderTemplate;
    expect(Object.isFrozen(stripe)).toBe(true);
    expect(Object.isFrozen(stripe.example_payloads["invoice.paid"]?.[0]?.headers)).toBe(true);
  });

  describe.each(PROVIDERS.map((p) => [p.key, p] as const))("%s", (_key, template) => {
    it("satisfies the template invariants", () => {
      expect(template.key).toMatch(/^[a-z0-9-]+$/);
      expect(template.version).toMatch(/^\d+\.\d+\.\d+$/);
      expect(template.provider.name.length).toBeGreaterThan(0);
      expect(template.provider.description.length).toBeGreaterThan(10);
      expect(template.provider.categories.length).toBeGreaterThan(0);
      for (const c of template.provider.categories) expect(CATEGORIES).toContain(c);
      expect(template.provider.webhook_docs_url).toMatch(/^https:\/\//);
      if (template.provider.website_url !== null)
        expect(template.provider.website_url).toMatch(/^https:\/\//);
      const branding = template.provider.branding;
      expect(branding.icon_image).toBe(`/images/sources/${template.key}-icon.svg`);
      expect(branding.wordmark_images.light).toMatch(/^\/images\/sources\/.+\.svg$/);
      expect(branding.wordmark_images.dark).toMatch(/^\/images\/sources\/.+\.svg$/);
      if (branding.colors) {
        expect(branding.colors.primary).toMatch(/^#[0-9A-F]{6}$/i);
        expect(branding.colors.secondary).toMatch(/^#[0-9A-F]{6}$/i);
      }
      expect(template.default_settings.event_type_path).toMatch(/^(body|headers|preprocess)\./);
      expect(template.default_settings.preprocessing_script?.language).toBe("javascript");
      expect(template.default_settings.preprocessing_script?.source).toMatch(/function main\(ctx\)/);

      const eventTypes = Object.keys(template.example_payloads);
      expect(eventTypes.length).toBeGreaterThanOrEqual(2);
      for (const list of Object.values(template.example_payloads)) expect(list.length).toBeGreaterThan(0);

      expect(template.default_action_mappings.length).toBeGreaterThanOrEqual(2);
      for (const mapping of template.default_action_mappings) {
        expect(ACTION_TYPES).toContain(mapping.action_type);
        expect(eventTypes, `example for ${mapping.event_type}`).toContain(mapping.event_type);
        if (mapping.action_type === "workflows_trigger") {
          expect(mapping.action_parameters.key).toMatch(/^[a-z0-9-]+$/);
          expect(typeof mapping.action_parameters.recipients).toBe("string");
        }
      }

      const schema = template.static_fields;
      expect(schema.type).toBe("object");
      expect(typeof schema.properties).toBe("object");
      for (const name of (schema.required as string[] | undefined) ?? []) {
        expect(Object.keys(schema.properties as object)).toContain(name);
      }
    });

    it("example headers are lower-case strings and bodies survive JSON", () => {
      for (const [, payload] of examples(template)) {
        for (const [name, value] of Object.entries(payload.headers)) {
          expect(name).toBe(name.toLowerCase());
          expect(typeof value).toBe("string");
        }
        expect(JSON.parse(JSON.stringify(payload.body))).toEqual(payload.body);
      }
    });

    it("the script verifies every example, and the paths resolve", async () => {
      const settings = template.default_settings;
      for (const [eventType, payload] of examples(template)) {
        const output = await preprocess(template, payload);
        expect(output.verified, `${eventType}: ${String(output.reason)}`).toBe(true);
        const envelope = { body: payload.body, headers: payload.headers, preprocess: output };

        expect(resolve(envelope, settings.event_type_path)).toBe(eventType);
        if (settings.idempotency_key_path) {
          const key = resolve(envelope, settings.idempotency_key_path);
          expect(typeof key).toBe("string");
          expect((key as string).length).toBeLessThanOrEqual(255);
        }
        if (settings.timestamp_path) expect(resolve(envelope, settings.timestamp_path)).toBeDefined();

        for (const mapping of template.default_action_mappings.filter((m) => m.event_type === eventType)) {
          for (const [name, value] of Object.entries(mapping.action_parameters)) {
            if (mapping.action_type === "workflows_trigger" && name === "key") continue;
            if (typeof value !== "string") continue;
            const resolved = resolve(envelope, value);
            expect(resolved, `${eventType} ${mapping.action_type}.${name} = ${value}`).not.toBeUndefined();
            expect(resolved, `${eventType} ${mapping.action_type}.${name} = ${value}`).not.toBeNull();
          }
        }
      }
    });
  });

  it("the seed's synchronous runner returns what a rehearsal's worker returns, for every example", async () => {
    for (const template of PROVIDERS) {
      const source = template.default_settings.preprocessing_script?.source as string;
      for (const [eventType, payload] of examples(template)) {
        for (const rawBody of [JSON.stringify(payload.body), JSON.stringify({ ...payload.body, x: 1 })]) {
          const ctx = {
            vars: { ...SANDBOX_VARS },
            body: JSON.parse(rawBody),
            rawBody,
            headers: payload.headers,
          };
          expect(runCatalogScript(source, ctx), `${template.key} ${eventType}`).toEqual(
            await runPreprocessScript(source, ctx),
          );
        }
      }
    }
  });

  describe.each(["stripe", "clerk", "workos"])("%s signatures", (key) => {
    const template = findProvider(key) as ProviderTemplate;

    it("rejects a tampered body", async () => {
      for (const [eventType, payload] of examples(template)) {
        const tampered = JSON.stringify({ ...payload.body, livemode: true, tampered: eventType });
        const output = await preprocess(template, payload, tampered);
        expect(output.verified).toBe(false);
        expect(output.reason).toBe("signature mismatch");
      }
    });

    it("rejects a wrong secret and a missing signature header", async () => {
      const [, payload] = examples(template)[0] as [string, ExamplePayload];
      const source = template.default_settings.preprocessing_script?.source as string;
      const rawBody = JSON.stringify(payload.body);
      const wrongVars = Object.fromEntries(
        Object.entries(SANDBOX_VARS).map(([k, v]) => [
          k,
          k.endsWith("_SECRET") ? `whsec_${Buffer.from("wrong key!!!").toString("base64")}` : v,
        ]),
      );
      const wrong = await runPreprocessScript(source, {
        vars: wrongVars,
        body: payload.body,
        rawBody,
        headers: payload.headers,
      });
      expect(wrong).toMatchObject({ ok: true, output: { verified: false } });
      const signatureHeader = Object.keys(payload.headers).find((h) => h.endsWith("signature")) as string;
      const { [signatureHeader]: _dropped, ...rest } = payload.headers;
      const missing = await runPreprocessScript(source, {
        vars: { ...SANDBOX_VARS },
        body: payload.body,
        rawBody,
        headers: rest,
      });
      expect(missing).toMatchObject({ ok: true, output: { verified: false } });
    });

    it("enforces a timestamp tolerance only when one is set", async () => {
      const [, payload] = examples(template)[0] as [string, ExamplePayload];
      const source = template.default_settings.preprocessing_script?.source as string;
      const rawBody = JSON.stringify(payload.body);
      const prefix = key.toUpperCase();
      const strict = await runPreprocessScript(source, {
        vars: { ...SANDBOX_VARS, [`${prefix}_TOLERANCE_SECONDS`]: "300" },
        body: payload.body,
        rawBody,
        headers: payload.headers,
      });
      expect(strict).toMatchObject({
        ok: true,
        output: { verified: false, reason: "timestamp outside the tolerance" },
      });
    });
  });

  // The paths each provider's page of Knock's docs gives (knocklabs/docs, content/integrations/sources/):
  // custom.mdx (event type path body.type; idempotency off until a key path is set), posthog.mdx,
  // stripe.mdx, clerk.mdx, workos.mdx, supabase.mdx (no idempotency key), segment.mdx and
  // rudderstack.mdx (messageId).
  it.each([
    ["custom-http", { event_type_path: "body.type", idempotency_key_path: null }],
    ["posthog", { event_type_path: "body.event", idempotency_key_path: "body.messageId" }],
    ["stripe", { event_type_path: "body.type", idempotency_key_path: "body.id" }],
    ["clerk", { event_type_path: "body.type", idempotency_key_path: "headers.svix-id" }],
    ["workos", { event_type_path: "body.event", idempotency_key_path: "body.id" }],
    ["supabase", { idempotency_key_path: null }],
    ["segment", { idempotency_key_path: "body.messageId" }],
    ["rudderstack", { idempotency_key_path: "body.messageId" }],
  ] as const)("%s has the paths its Knock docs page gives", (key, paths) => {
    expect(findProvider(key)?.default_settings).toMatchObject(paths);
  });

  it("supabase event types are {schema}.{table}:{operation}, and auth.users:INSERT identifies users", () => {
    const supabase = findProvider("supabase") as ProviderTemplate;
    for (const type of Object.keys(supabase.example_payloads)) {
      expect(type).toMatch(/^\w+\.\w+:(INSERT|UPDATE|DELETE)$/);
    }
    expect(supabase.default_action_mappings).toContainEqual(
      expect.objectContaining({ event_type: "auth.users:INSERT", action_type: "users_identify" }),
    );
  });

  it("posthog identifies users on $identify and $set, from its Knock destination's payload", async () => {
    const posthog = findProvider("posthog") as ProviderTemplate;
    for (const event of ["$identify", "$set"]) {
      expect(posthog.default_action_mappings).toContainEqual(
        expect.objectContaining({ event_type: event, action_type: "users_identify" }),
      );
    }
    const payload = posthog.example_payloads.$identify?.[0] as ExamplePayload;
    expect(payload.body).toMatchObject({ type: "track", event: "$identify", messageId: expect.any(String) });
    expect(await preprocess(posthog, payload)).toEqual({
      verified: true,
      email: "john.arnold@example.com",
      name: "John Arnold",
    });
  });

  it("custom-http verifies the x-webhook-secret header, as Knock's default script does", async () => {
    const custom = findProvider("custom-http") as ProviderTemplate;
    const [, payload] = examples(custom)[0] as [string, ExamplePayload];
    const source = custom.default_settings.preprocessing_script?.source as string;
    const run = (headers: Record<string, string>, vars: Record<string, string> = { ...SANDBOX_VARS }) =>
      runPreprocessScript(source, { vars, body: payload.body, rawBody: "", headers });
    const { "x-webhook-secret": _secret, ...without } = payload.headers;
    expect(await run(payload.headers)).toEqual({ ok: true, output: { verified: true } });
    expect(await run(without)).toMatchObject({
      output: { verified: false, reason: "missing x-webhook-secret header" },
    });
    expect(await run({ ...without, "x-webhook-secret": "nope" })).toMatchObject({
      output: { verified: false },
    });
    expect(await run(payload.headers, {})).toMatchObject({ output: { verified: false } });
  });

  it("stripe and clerk enforce verification by default", () => {
    expect(findProvider("stripe")?.default_settings.enforce_verification).toBe(true);
    expect(findProvider("clerk")?.default_settings.enforce_verification).toBe(true);
  });

  it("clerk derives the primary email and full name for users_identify", async () => {
    const clerk = findProvider("clerk") as ProviderTemplate;
    const payload = clerk.example_payloads["user.created"]?.[0] as ExamplePayload;
    expect(await preprocess(clerk, payload)).toMatchObject({
      verified: true,
      primary_email: "alan.grant@example.com",
      full_name: "Alan Grant",
    });
  });

  it("stripe derives the customer email", async () => {
    const stripe = findProvider("stripe") as ProviderTemplate;
    const payload = stripe.example_payloads["invoice.paid"]?.[0] as ExamplePayload;
    expect(await preprocess(stripe, payload)).toMatchObject({
      verified: true,
      customer_email: "jhammond@ingen.net",
    });
  });
});
