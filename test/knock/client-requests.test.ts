// What goes on the wire for each of the operations: method, path, encoded keys, bracket arrays,
// which operations carry `environment`, wrapped bodies and omitted optionals.
import { afterEach, describe, expect, it } from "vitest";
import examples from "../fixtures/knock-mapi-sources-examples.json" with { type: "json" };
import { adviceFor } from "../helpers/advice.js";
import { mockKnock, TOKEN } from "../helpers/mock-knock.js";

let knock: ReturnType<typeof mockKnock>;
afterEach(async () => {
  expect(knock.pendingReplies()).toBe(0);
  await knock.agent.close();
});

const source = examples.Source;

describe("request shapes", () => {
  it("list_sources sends environment and include[] in bracket form", async () => {
    knock = mockKnock();
    knock.always({ status: 200, body: examples.SourcesResponse });
    await knock.client.listSources({ environment: "staging", include: ["environment_settings"] });
    await knock.client.listSources({});
    expect(knock.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /v1/sources?environment=staging&include[]=environment_settings",
      "GET /v1/sources",
    ]);
  });

  it("sends the bearer token, a versioned user agent and accepts JSON", async () => {
    knock = mockKnock();
    knock.always({ status: 200, body: examples.SourcesResponse });
    await knock.client.listSources({});
    const [request] = knock.requests;
    expect(request?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request?.headers["user-agent"]).toBe("knock-sources-mcp/test");
    expect(request?.headers.accept).toBe("application/json");
    expect(request?.headers["content-type"]).toBeUndefined();
  });

  it("get_source requires and sends environment; keys are percent-encoded as one segment", async () => {
    knock = mockKnock();
    knock.always({ status: 200, body: source });
    await knock.client.getSource("segment-source", "development");
    await knock.client.getSource("a b/ü%2F?#", "development");
    expect(knock.requests.map((r) => r.path)).toEqual([
      "/v1/sources/segment-source?environment=development",
      "/v1/sources/a%20b%2F%C3%BC%252F%3F%23?environment=development",
    ]);
  });

  it("refuses empty, '.' and '..' keys before any request", async () => {
    knock = mockKnock();
    for (const key of ["", ".", ".."]) {
      await expect(knock.client.getSource(key, "development")).rejects.toThrow(/cannot be used as a key/);
    }
    expect(knock.requests).toHaveLength(0);
  });

  it("upsert_source PUTs the wrapped body with only the given fields and unwraps the answer", async () => {
    knock = mockKnock();
    knock.always({ status: 200, body: { source } });
    const result = await knock.client.upsertSource("segment-source", "development", {
      name: "Segment Source",
      description: undefined,
      custom_image_url: null,
      environment_settings: { development: { settings: { enforce_verification: false } } },
    });
    const [request] = knock.requests;
    expect(`${request?.method} ${request?.path}`).toBe(
      "PUT /v1/sources/segment-source?environment=development",
    );
    expect(request?.headers["content-type"]).toBe("application/json");
    expect(request?.body).toEqual({
      source: {
        name: "Segment Source",
        custom_image_url: null,
        environment_settings: { development: { settings: { enforce_verification: false } } },
      },
    });
    expect(result.key).toBe("segment-source");
  });

  it("get_source_status and list_source_events send environment when given and omit it otherwise", async () => {
    knock = mockKnock();
    knock.enqueue(
      { status: 200, body: examples.SourceStatusResponse },
      { status: 200, body: examples.SourceStatusResponse },
      { status: 200, body: examples.SourceEventsResponse },
      { status: 200, body: examples.SourceEventsResponse },
    );
    await knock.client.getSourceStatus("webhook", "staging");
    await knock.client.getSourceStatus("webhook", undefined);
    await knock.client.listSourceEvents("webhook", "staging");
    await knock.client.listSourceEvents("webhook", undefined);
    expect(knock.requests.map((r) => r.path)).toEqual([
      "/v1/sources/webhook/status?environment=staging",
      "/v1/sources/webhook/status",
      "/v1/sources/webhook/events?environment=staging",
      "/v1/sources/webhook/events",
    ]);
  });

  it("rehearse POSTs {payload} with environment", async () => {
    knock = mockKnock();
    knock.always({ status: 200, body: examples.SourceRehearseResponse });
    const payload = examples.SourceRehearseRequest.payload;
    const result = await knock.client.rehearseSource("webhook", "development", payload);
    const [request] = knock.requests;
    expect(`${request?.method} ${request?.path}`).toBe(
      "POST /v1/sources/webhook/rehearse?environment=development",
    );
    expect(request?.body).toEqual({ payload });
    expect(result.log_id).toBe("log_123");
  });

  it("list_source_logs sends every filter, include[] and paging parameter, and omits the unset ones", async () => {
    knock = mockKnock();
    knock.always({ status: 200, body: examples.SourceLogsResponse });
    await knock.client.listSourceLogs("stripe", {
      environment: "development",
      date: "2026-05-11",
      starting_at: "2026-05-11T00:00:00Z",
      ending_at: "2026-05-11T23:59:59Z",
      event: "invoice.paid",
      id: "log_1",
      include: ["actions"],
      after: "abc=",
      before: undefined,
      limit: 10,
    });
    await knock.client.listSourceLogs("stripe", { environment: "development" });
    expect(knock.requests.map((r) => r.path)).toEqual([
      "/v1/sources/stripe/logs?environment=development&date=2026-05-11&starting_at=2026-05-11T00%3A00%3A00Z" +
        "&ending_at=2026-05-11T23%3A59%3A59Z&event=invoice.paid&id=log_1&include[]=actions&after=abc%3D&limit=10",
      "/v1/sources/stripe/logs?environment=development",
    ]);
  });

  it("the provider endpoints never carry environment", async () => {
    knock = mockKnock();
    knock.enqueue(
      { status: 200, body: examples.SourceProvidersResponse },
      { status: 200, body: examples.SourceProviderResponse },
    );
    await knock.client.listSourceProviders();
    await knock.client.getSourceProvider("segment", ["example_payloads", "branding"]);
    expect(knock.requests.map((r) => r.path)).toEqual([
      "/v1/source_providers",
      "/v1/source_providers/segment?include[]=example_payloads&include[]=branding",
    ]);
  });

  it("lets fields Knock adds later pass through the response schemas", async () => {
    knock = mockKnock();
    knock.always({ status: 200, body: { ...source, brand_new_field: { x: 1 } } });
    const result = await knock.client.getSource("segment-source", "development");
    expect(result).toMatchObject({ brand_new_field: { x: 1 } });
  });

  it("a 200 whose body lacks documented fields is a clear error", async () => {
    knock = mockKnock();
    knock.always({ status: 200, body: { entries: "nope" } });
    expect(await adviceFor(knock.client.listSources({}))).toMatch(
      /did not have the documented shape \(entries:/,
    );
  });
});
