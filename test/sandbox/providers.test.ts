import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findProvider, PROVIDERS } from "../../src/sandbox/catalog/index.js";
import { type Client, expectKnockError, withSandbox } from "./helpers.js";

let client: Client;
let close: () => Promise<void>;
beforeAll(async () => ({ client, close } = await withSandbox()));
afterAll(() => close());

const OPTIONAL = ["default_action_mappings", "example_payloads", "static_fields"];

describe("source providers", () => {
  it("lists every catalog provider as {key, version, provider:{name, description}}", async () => {
    const res = await client.get("/v1/source_providers?environment=development");
    expect(res.status).toBe(200);
    expect(PROVIDERS.length).toBeGreaterThan(0);
    expect(res.json.entries).toEqual(
      PROVIDERS.map((p) => ({
        key: p.key,
        version: p.version,
        provider: { name: p.provider.name, description: p.provider.description },
      })),
    );
  });

  it("gets a provider without optional parts unless included", async () => {
    const stripe = findProvider("stripe");
    expect(stripe).toBeDefined();
    const res = await client.get("/v1/source_providers/stripe");
    expect(res.status).toBe(200);
    expect(res.json.key).toBe("stripe");
    for (const field of OPTIONAL) expect(res.json).not.toHaveProperty(field);
    expect(res.json.provider).not.toHaveProperty("branding");
    expect(res.json.provider).toMatchObject({
      name: stripe?.provider.name,
      categories: stripe?.provider.categories,
    });
    expect(res.json.default_settings).not.toHaveProperty("preprocessing_script");
    expect(res.json.default_settings.event_type_path).toBe(stripe?.default_settings.event_type_path);
  });

  it("honours each include", async () => {
    const stripe = findProvider("stripe");
    const res = await client.get(
      "/v1/source_providers/stripe?include[]=branding&include[]=default_action_mappings&include[]=example_payloads&include[]=preprocessing_script&include[]=static_fields",
    );
    expect(res.json.provider.branding).toEqual(stripe?.provider.branding);
    expect(res.json.default_settings.preprocessing_script).toEqual(
      stripe?.default_settings.preprocessing_script,
    );
    expect(res.json.default_action_mappings).toEqual(stripe?.default_action_mappings);
    expect(res.json.example_payloads).toEqual(stripe?.example_payloads);
    expect(res.json.static_fields).toEqual(stripe?.static_fields);
    const one = await client.get("/v1/source_providers/stripe?include=static_fields");
    expect(one.json).toHaveProperty("static_fields");
    expect(one.json).not.toHaveProperty("example_payloads");
  });

  it("rejects unknown includes and 404s unknown providers", async () => {
    const bad = await client.get("/v1/source_providers/stripe?include[]=actions");
    expectKnockError(bad, 422, "invalid_params");
    expect(bad.json.errors[0].field).toBe("include");
    const missing = await client.get("/v1/source_providers/no-such-provider");
    expectKnockError(missing, 404, "resource_missing");
    expect(missing.json.message).toContain("no-such-provider");
  });
});
