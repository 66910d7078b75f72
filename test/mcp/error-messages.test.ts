// One row per status and body: the error data the client keeps, the message the boundary words from it for
// the model, and what it tells the model to do.
import { describe, expect, it } from "vitest";
import { KnockApiError } from "../../src/knock/errors.js";
import fixtures from "../fixtures/knock-cli-test-error-fixtures.json" with { type: "json" };
import { adviceFor } from "../helpers/advice.js";
import { mockKnock } from "../helpers/mock-knock.js";

const rows: Array<{
  name: string;
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  expected: RegExp[];
}> = [
  {
    name: "404 resource_missing names the key, the environment and the list tool",
    status: 404,
    body: fixtures["404_resource_missing (test/commands/source/get.test.ts)"],
    headers: { "x-request-id": "req_abc" },
    expected: [/no source "billing" in environment "staging"/, /list_sources/, /resource_missing/, /req_abc/],
  },
  {
    name: "422 invalid_params lists each field and its message",
    status: 422,
    body: {
      code: "invalid_params",
      message: "One or more parameters supplied were invalid",
      status: 422,
      type: "invalid_request_error",
      errors: [
        { field: "name", message: "can't be blank", type: null },
        { field: "environment_settings.development.mappings", message: "is invalid", type: null },
      ],
    },
    expected: [
      /\n- name: can't be blank/,
      /\n- environment_settings\.development\.mappings: is invalid/,
      /Fix these fields/,
    ],
  },
  {
    name: "401 points at KNOCK_SERVICE_TOKEN",
    status: 401,
    body: { code: "unauthorized", message: "Unauthorized", status: 401, type: "authentication_error" },
    expected: [/rejected the service token/, /KNOCK_SERVICE_TOKEN/],
  },
  {
    name: "400 bearer_token_invalid points at KNOCK_SERVICE_TOKEN",
    status: 400,
    body: fixtures["400_bearer_token_invalid (test/lib/helpers/request.test.ts)"],
    expected: [/rejected the service token/, /KNOCK_SERVICE_TOKEN/, /bearer_token_invalid/],
  },
  {
    name: "403 access_denied says the token's role lacks access",
    status: 403,
    body: fixtures["403_access_denied (test/commands/workflow/generate-types.test.ts)"],
    expected: [/may not do this/, /access_denied/],
  },
  {
    name: "429 gives the wait from Retry-After",
    status: 429,
    body: { code: "rate_limited", message: "Too many requests", status: 429, type: "api_error" },
    headers: { "retry-after": "42" },
    expected: [/rate-limiting/, /Wait 42 s/],
  },
  {
    name: "503 says it is temporary",
    status: 503,
    body: { code: "unavailable", message: "Service unavailable", status: 503, type: "api_error" },
    expected: [/server error \(HTTP 503 unavailable/, /temporary/],
  },
  {
    name: "503 with Retry-After gives the wait and says to call again",
    status: 503,
    body: { code: "service_unavailable", message: "busy", status: 503, type: "api_error" },
    headers: { "retry-after": "2" },
    expected: [/too busy/, /HTTP 503 service_unavailable: busy/, /Wait 2 s, then call again/],
  },
  {
    name: "502 with an HTML page from a proxy shows a short snippet, not the page",
    status: 502,
    body: `<html><head><title>502 Bad Gateway</title></head><body>${"x".repeat(5000)}</body></html>`,
    expected: [/HTTP 502: non-JSON body: "<html><head><title>502 Bad Gateway/, /…"/],
  },
  {
    name: "409 (a lock timeout) is reported as it is, with a wait",
    status: 409,
    body: { code: "conflict", message: "Conflict", status: 409, type: "invalid_request_error" },
    expected: [/conflict \(HTTP 409 conflict: Conflict\)/, /Wait a moment and call again/],
  },
];

describe("error statuses and bodies → messages", () => {
  for (const row of rows) {
    it(row.name, async () => {
      const knock = mockKnock();
      knock.always({ status: row.status, body: row.body, headers: row.headers ?? {} });
      const error = await knock.client.getSource("billing", "staging").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KnockApiError);
      expect(error).toMatchObject({
        status: row.status,
        subject: { resource: "source", key: "billing", environment: "staging" },
      });
      const message = await adviceFor(Promise.reject(error));
      for (const pattern of row.expected) expect(message).toMatch(pattern);
      expect(message.length).toBeLessThan(600);
      await knock.agent.close();
    });
  }

  it("404 for an unknown environment names the environment, not the source", async () => {
    const knock = mockKnock();
    knock.always({
      status: 404,
      body: {
        code: "resource_missing",
        message: 'Environment "qa" does not exist',
        status: 404,
        type: "api_error",
      },
    });
    const message = await adviceFor(knock.client.getSource("stripe", "qa"));
    expect(message).toMatch(/^Knock has no environment "qa" .*such as development/);
    expect(message).not.toMatch(/no source/);
    await knock.agent.close();
  });

  it("404 on a provider points at list_source_providers", async () => {
    const knock = mockKnock();
    knock.always({ status: 404, body: fixtures["404_resource_missing (test/commands/source/get.test.ts)"] });
    expect(await adviceFor(knock.client.getSourceProvider("nope", undefined))).toMatch(
      /no source provider "nope".*list_source_providers/,
    );
    await knock.agent.close();
  });

  it("a 200 that is not JSON is an error naming the content, never a crash", async () => {
    const knock = mockKnock();
    knock.always({ status: 200, body: '{"entries": [', headers: { "content-type": "application/json" } });
    expect(await adviceFor(knock.client.listSources({}))).toMatch(
      /not valid JSON \(application\/json, 13 characters/,
    );
    await knock.agent.close();
  });
});

describe("the client's errors carry data, not advice", () => {
  it("a 429 keeps status, code, request id and Retry-After, and names no tool or flag", async () => {
    const knock = mockKnock();
    knock.always({
      status: 429,
      body: { code: "rate_limited", message: "Too many requests", status: 429, type: "api_error" },
      headers: { "retry-after": "7", "x-request-id": "req_9" },
    });
    const error = await knock.client.listSources({}).catch((e: unknown) => e);
    expect(error).toMatchObject({
      status: 429,
      code: "rate_limited",
      type: "api_error",
      knockMessage: "Too many requests",
      requestId: "req_9",
      retryAfterMs: 7000,
      method: "GET",
      attempts: 1,
      subject: { resource: "collection" },
    });
    expect((error as Error).message).not.toMatch(/list_|--|KNOCK_|MCP/);
    await knock.agent.close();
  });
});
