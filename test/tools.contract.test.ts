// Every tool through a real MCP Client of each protocol era over InMemoryTransport, with a fake Knock behind
// the client. Each result is snapshotted in full: what the model sees, text and structuredContent alike, the
// same in both eras once the 2026 era's envelope (checked by payloadOf) is set aside.
import { afterEach, describe, expect, it } from "vitest";
import { TOOLS } from "../src/tools/index.js";
import cliFixtures from "./fixtures/knock-cli-test-error-fixtures.json" with { type: "json" };
import examples from "./fixtures/knock-mapi-sources-examples.json" with { type: "json" };
import { connect, ERAS, payloadOf, STABLE_HINT, testConfig } from "./helpers/mcp.js";
import { mockKnock, TOKEN } from "./helpers/mock-knock.js";

describe.each(ERAS)("%s", (era) => {
  let session: Awaited<ReturnType<typeof connect>> | undefined;
  afterEach(async () => {
    await session?.close();
    session = undefined;
  });

  async function call(
    name: string,
    args: Record<string, unknown>,
    reply: { status: number; body: unknown },
    first: Array<{ status: number; body: unknown }> = [],
  ) {
    const knock = mockKnock();
    knock.enqueue(...first);
    knock.always(reply);
    session = await connect(testConfig(), knock.client, era);
    const result = payloadOf(era, await session.mcp.callTool({ name, arguments: args }));
    return { result, requests: knock.requests.map((r) => `${r.method} ${r.path}`) };
  }

  describe("each tool, end to end", () => {
    it("list_sources", async () => {
      const { result, requests } = await call(
        "list_sources",
        {},
        { status: 200, body: examples.SourcesResponse },
      );
      expect(requests).toEqual(["GET /v1/sources?environment=development"]);
      expect(result).toMatchInlineSnapshot(`
        {
          "content": [
            {
              "text": "{"entries":[{"key":"webhook","name":"Webhook","custom_image_url":null,"description":"Receives webhook events"}]}",
              "type": "text",
            },
          ],
          "structuredContent": {
            "entries": [
              {
                "custom_image_url": null,
                "description": "Receives webhook events",
                "key": "webhook",
                "name": "Webhook",
              },
            ],
          },
        }
      `);
    });

    it("get_source", async () => {
      const { result, requests } = await call(
        "get_source",
        { key: "my-source", environment: "staging" },
        { status: 200, body: cliFixtures["source_factory (test/support/factory.ts, export const source)"] },
      );
      expect(requests).toEqual(["GET /v1/sources/my-source?environment=staging"]);
      expect(result).toMatchInlineSnapshot(`
        {
          "content": [
            {
              "text": "{"key":"my-source","name":"My Source","environment_settings":{"development":{"settings":{"endpoint":"https://api.knock.app/integrations/receive/abc123","enforce_verification":false,"preprocess_script":null},"mappings":[],"updated_at":"2022-12-31T12:00:00.000000Z"}},"description":"A source for receiving events","custom_image_url":null,"updated_at":"2022-12-31T12:00:00.000000Z","created_at":"2022-12-31T12:00:00.000000Z"}",
              "type": "text",
            },
          ],
          "structuredContent": {
            "created_at": "2022-12-31T12:00:00.000000Z",
            "custom_image_url": null,
            "description": "A source for receiving events",
            "environment_settings": {
              "development": {
                "mappings": [],
                "settings": {
                  "endpoint": "https://api.knock.app/integrations/receive/abc123",
                  "enforce_verification": false,
                  "preprocess_script": null,
                },
                "updated_at": "2022-12-31T12:00:00.000000Z",
              },
            },
            "key": "my-source",
            "name": "My Source",
            "updated_at": "2022-12-31T12:00:00.000000Z",
          },
        }
      `);
    });

    it("upsert_source", async () => {
      const { result, requests } = await call(
        "upsert_source",
        { key: "segment-source", name: "Segment Source", preconfigured_provider: "segment" },
        { status: 200, body: { source: examples.Source } },
        // With a template, a GET first tells whether the source exists: Knock applies it on create only.
        [{ status: 404, body: cliFixtures["404_resource_missing (test/commands/source/get.test.ts)"] }],
      );
      expect(requests).toEqual([
        "GET /v1/sources/segment-source?environment=development",
        "PUT /v1/sources/segment-source?environment=development",
      ]);
      expect(result).toMatchInlineSnapshot(`
        {
          "content": [
            {
              "text": "{"key":"segment-source","name":"Segment Source","environment_settings":{"development":{"settings":{"endpoint":"https://api.knock.app/integrations/receive/src_123","enforce_idempotency":true,"enforce_verification":false,"event_type_path":"body.event","handle_identifies":true,"idempotency_key_path":"body.messageId","preprocess_script":{"language":"javascript","source":"return event;"},"timestamp_path":"body.timestamp"},"mappings":[],"updated_at":"2021-01-01T00:00:00Z"}},"created_at":"2021-01-01T00:00:00Z","custom_image_url":null,"description":"Receives events from Segment.","updated_at":"2021-01-01T00:00:00Z"}",
              "type": "text",
            },
          ],
          "structuredContent": {
            "created_at": "2021-01-01T00:00:00Z",
            "custom_image_url": null,
            "description": "Receives events from Segment.",
            "environment_settings": {
              "development": {
                "mappings": [],
                "settings": {
                  "endpoint": "https://api.knock.app/integrations/receive/src_123",
                  "enforce_idempotency": true,
                  "enforce_verification": false,
                  "event_type_path": "body.event",
                  "handle_identifies": true,
                  "idempotency_key_path": "body.messageId",
                  "preprocess_script": {
                    "language": "javascript",
                    "source": "return event;",
                  },
                  "timestamp_path": "body.timestamp",
                },
                "updated_at": "2021-01-01T00:00:00Z",
              },
            },
            "key": "segment-source",
            "name": "Segment Source",
            "updated_at": "2021-01-01T00:00:00Z",
          },
        }
      `);
    });

    it("get_source_status", async () => {
      const { result, requests } = await call(
        "get_source_status",
        { key: "stripe" },
        { status: 200, body: examples.SourceStatusResponse },
      );
      expect(requests).toEqual(["GET /v1/sources/stripe/status?environment=development"]);
      expect(result).toMatchInlineSnapshot(`
        {
          "content": [
            {
              "text": "{"events_count":42,"last_event_received":"2026-05-11T16:00:00Z","mappings_count":2,"mappings_requiring_commit":[{"action_type":"workflows_trigger","active":true,"event_type":"invoice.created","is_deleted":false,"resource_key":"invoice-created","status":"updated"}]}",
              "type": "text",
            },
          ],
          "structuredContent": {
            "events_count": 42,
            "last_event_received": "2026-05-11T16:00:00Z",
            "mappings_count": 2,
            "mappings_requiring_commit": [
              {
                "action_type": "workflows_trigger",
                "active": true,
                "event_type": "invoice.created",
                "is_deleted": false,
                "resource_key": "invoice-created",
                "status": "updated",
              },
            ],
          },
        }
      `);
    });

    it("rehearse_source_event", async () => {
      const { result, requests } = await call(
        "rehearse_source_event",
        { key: "webhook", payload: examples.SourceRehearseRequest.payload },
        { status: 200, body: examples.SourceRehearseResponse },
      );
      expect(requests).toEqual(["POST /v1/sources/webhook/rehearse?environment=development"]);
      expect(result).toMatchInlineSnapshot(`
        {
          "content": [
            {
              "text": "{"log_id":"log_123","status":"ok","action_logs_count":1,"successful_action_logs_count":1,"failed_action_logs_count":0,"errors":null}",
              "type": "text",
            },
            {
              "mimeType": "application/json",
              "name": "Event log log_123",
              "type": "resource_link",
              "uri": "knock://development/sources/webhook/logs/log_123",
            },
          ],
          "structuredContent": {
            "action_logs_count": 1,
            "errors": null,
            "failed_action_logs_count": 0,
            "log_id": "log_123",
            "status": "ok",
            "successful_action_logs_count": 1,
          },
        }
      `);
    });

    it("list_source_events", async () => {
      const { result, requests } = await call(
        "list_source_events",
        { key: "webhook" },
        { status: 200, body: examples.SourceEventsResponse },
      );
      expect(requests).toEqual(["GET /v1/sources/webhook/events?environment=development"]);
      expect(result).toMatchInlineSnapshot(`
        {
          "content": [
            {
              "text": "{"entries":[{"event":"user.created","last_received_at":"2024-01-15T12:00:00Z"}]}",
              "type": "text",
            },
          ],
          "structuredContent": {
            "entries": [
              {
                "event": "user.created",
                "last_received_at": "2024-01-15T12:00:00Z",
              },
            ],
          },
        }
      `);
    });

    it("list_source_logs", async () => {
      const { result, requests } = await call(
        "list_source_logs",
        { key: "stripe", include: ["actions"], limit: 5 },
        { status: 200, body: examples.SourceLogsResponse },
      );
      expect(requests).toEqual([
        "GET /v1/sources/stripe/logs?environment=development&include[]=actions&limit=5",
      ]);
      expect(result).toMatchInlineSnapshot(`
        {
          "content": [
            {
              "text": "{"entries":[{"id":"log_123","event":"invoice.created","inserted_at":"2024-01-15T12:00:00Z","data":{"invoice_id":"inv_123"},"preprocess_output":null,"source":null,"verification_status":"enforced:verified"}],"page_info":{"after":null,"before":null,"page_size":25}}",
              "type": "text",
            },
            {
              "mimeType": "application/json",
              "name": "Event log log_123",
              "type": "resource_link",
              "uri": "knock://development/sources/stripe/logs/log_123",
            },
          ],
          "structuredContent": {
            "entries": [
              {
                "data": {
                  "invoice_id": "inv_123",
                },
                "event": "invoice.created",
                "id": "log_123",
                "inserted_at": "2024-01-15T12:00:00Z",
                "preprocess_output": null,
                "source": null,
                "verification_status": "enforced:verified",
              },
            ],
            "page_info": {
              "after": null,
              "before": null,
              "page_size": 25,
            },
          },
        }
      `);
    });

    it("list_source_providers", async () => {
      const { result, requests } = await call(
        "list_source_providers",
        {},
        { status: 200, body: examples.SourceProvidersResponse },
      );
      expect(requests).toEqual(["GET /v1/source_providers"]);
      expect(result).toMatchInlineSnapshot(`
        {
          "content": [
            {
              "text": "{"entries":[{"key":"segment","version":"1.0.0","provider":{"name":"Segment","description":"Receive customer events from Segment."}}]}",
              "type": "text",
            },
          ],
          "structuredContent": {
            "entries": [
              {
                "key": "segment",
                "provider": {
                  "description": "Receive customer events from Segment.",
                  "name": "Segment",
                },
                "version": "1.0.0",
              },
            ],
          },
        }
      `);
    });

    it("get_source_provider", async () => {
      const { result, requests } = await call(
        "get_source_provider",
        { key: "segment", include: ["static_fields"] },
        { status: 200, body: examples.SourceProviderResponse },
      );
      expect(requests).toEqual(["GET /v1/source_providers/segment?include[]=static_fields"]);
      expect(result).toMatchInlineSnapshot(`
        {
          "content": [
            {
              "text": "{"key":"segment","version":"1.0.0","provider":{"name":"Segment","description":"Receive customer events from Segment.","categories":["Analytics"],"webhook_docs_url":"https://segment.com/docs/connections/destinations/catalog/webhooks","website_url":"https://segment.com"},"default_settings":{"event_type_path":"body.event","enforce_verification":false,"idempotency_key_path":"body.messageId","timestamp_path":"body.timestamp"}}",
              "type": "text",
            },
          ],
          "structuredContent": {
            "default_settings": {
              "enforce_verification": false,
              "event_type_path": "body.event",
              "idempotency_key_path": "body.messageId",
              "timestamp_path": "body.timestamp",
            },
            "key": "segment",
            "provider": {
              "categories": [
                "Analytics",
              ],
              "description": "Receive customer events from Segment.",
              "name": "Segment",
              "webhook_docs_url": "https://segment.com/docs/connections/destinations/catalog/webhooks",
              "website_url": "https://segment.com",
            },
            "version": "1.0.0",
          },
        }
      `);
    });
  });

  describe("the error boundary and refusals", () => {
    it("an API error becomes isError text that says what to do next", async () => {
      const { result } = await call(
        "get_source",
        { key: "nope" },
        {
          status: 404,
          body: {
            code: "resource_missing",
            message: "The resource you requested does not exist",
            status: 404,
            type: "api_error",
          },
        },
      );
      expect(result).toMatchInlineSnapshot(`
        {
          "content": [
            {
              "text": "Knock has no source "nope" in environment "development" (HTTP 404 resource_missing: The resource you requested does not exist). Call list_sources to see the valid source keys, or pass another \`environment\`.",
              "type": "text",
            },
          ],
          "isError": true,
        }
      `);
    });

    it("rehearsing in production is refused without a request", async () => {
      const { result, requests } = await call(
        "rehearse_source_event",
        { key: "webhook", environment: "production", payload: { body: {} } },
        { status: 200, body: examples.SourceRehearseResponse },
      );
      expect(requests).toEqual([]);
      expect(result.isError).toBe(true);
      expect(result.content).toEqual([
        {
          type: "text",
          text: expect.stringMatching(/cannot run in the production environment, so nothing was sent/),
        },
      ]);
    });

    it("unknown arguments and wrong types are refused without a request", async () => {
      for (const args of [
        { key: "s", surprise: 1 },
        { key: 5 },
        { key: "a/b" },
        { key: "s", environment: "Prod!" },
      ]) {
        const { result, requests } = await call("get_source", args, { status: 200, body: examples.Source });
        expect(requests).toEqual([]);
        expect(result.isError).toBe(true);
        expect(JSON.stringify(result.content)).toMatch(/Input validation error/);
        await session?.close();
        session = undefined;
      }
    });

    it("without a token, every tool answers with how to set it, and nothing is sent", async () => {
      session = await connect(testConfig({ serviceToken: undefined }), undefined, era);
      const { tools } = payloadOf(era, await session.mcp.listTools(), STABLE_HINT);
      expect(tools.map((t) => t.name)).toEqual(TOOLS.map((t) => t.name));
      const result = payloadOf(era, await session.mcp.callTool({ name: "list_sources", arguments: {} }));
      expect(result.isError).toBe(true);
      expect(JSON.stringify(result.content)).toMatch(/KNOCK_SERVICE_TOKEN.*--sandbox/);
    });

    it("--read-only leaves out the two tools that write", async () => {
      session = await connect(testConfig({ readOnly: true }), mockKnock().client, era);
      const { tools } = payloadOf(era, await session.mcp.listTools(), STABLE_HINT);
      const writers = ["upsert_source", "rehearse_source_event"];
      const names = TOOLS.map((t) => t.name);
      expect(names).toEqual(expect.arrayContaining(writers));
      expect(tools.map((t) => t.name).sort()).toEqual(names.filter((name) => !writers.includes(name)).sort());
    });

    it("the service token appears in no result, even when Knock echoes it", async () => {
      const { result } = await call(
        "get_source",
        { key: "s" },
        {
          status: 401,
          body: {
            code: "unauthorized",
            message: `token ${TOKEN} is revoked`,
            status: 401,
            type: "authentication_error",
          },
        },
      );
      expect(JSON.stringify(result)).not.toContain(TOKEN);
      expect(JSON.stringify(result)).toContain("[redacted]");
    });
  });

  describe("upsert_source conveniences", () => {
    it("accepts mappings as get_source returns them, and drops their read-only timestamps", async () => {
      const mapping = {
        event_type: "invoice.paid",
        action_type: "workflows_trigger",
        action_parameters: { key: "invoice-paid", recipients: "body.customer" },
        active: true,
        is_deleted: false,
        created_at: "2026-01-01T00:00:00Z",
        updated_at: "2026-01-02T00:00:00Z",
      };
      const knock = mockKnock();
      knock.always({ status: 200, body: { source: examples.Source } });
      session = await connect(testConfig(), knock.client, era);
      const result = await session.mcp.callTool({
        name: "upsert_source",
        arguments: { key: "s", name: "S", environment_settings: { staging: { mappings: [mapping] } } },
      });
      expect(result.isError).toBeUndefined();
      const [request] = knock.requests;
      // The only environment named in environment_settings is the one the request is for.
      expect(request?.path).toBe("/v1/sources/s?environment=staging");
      const { created_at: _c, updated_at: _u, ...sent } = mapping;
      expect(request?.body).toEqual({
        source: { name: "S", environment_settings: { staging: { mappings: [sent] } } },
      });
    });

    it("still refuses a misspelt mapping field instead of dropping it", async () => {
      const knock = mockKnock();
      session = await connect(testConfig(), knock.client, era);
      const result = await session.mcp.callTool({
        name: "upsert_source",
        arguments: {
          key: "s",
          name: "S",
          environment_settings: {
            development: {
              mappings: [{ event_type: "e", action_type: "workflows_trigger", action_paramters: {} }],
            },
          },
        },
      });
      expect(result.isError).toBe(true);
      expect(JSON.stringify(result.content)).toMatch(/action_paramters/);
      expect(knock.requests).toHaveLength(0);
    });
  });

  describe("list_source_logs action_payload", () => {
    const customer = {
      id: "cus_1",
      email: "ada@example.com",
      address: { city: "London", line1: "1 Main St" },
    };
    const log = {
      id: "log_1",
      event: "customer.updated",
      // Knock's own key order may differ from the payload's: equal values are found whatever the order.
      data: {
        type: "customer.updated",
        object: { address: { line1: "1 Main St", city: "London" }, email: "ada@example.com", id: "cus_1" },
      },
      preprocess_output: {
        verified: true,
        profile: { plan: "pro", seats: 12, owner: "ada@example.com", trial: false },
      },
      actions: [
        {
          id: "act_1",
          action_type: "workflows_trigger",
          action_parameters: {
            key: "k",
            recipients: "body.object.id",
            data: "body.object",
            actor: "preprocess.profile",
          },
          action_payload: {
            key: "k",
            recipients: "cus_1",
            data: customer,
            actor: { plan: "pro", seats: 12, owner: "ada@example.com", trial: false },
            tenant: { other: "a value found nowhere in the log, long enough to be worth a pointer" },
          },
        },
        { id: "act_2", action_type: "users_identify", action_payload: null },
      ],
    };
    const logsCall = async (action_payload?: string) => {
      const knock = mockKnock();
      knock.always({
        status: 200,
        body: { entries: [log], page_info: { after: null, before: null, page_size: 50 } },
      });
      session = await connect(testConfig(), knock.client, era);
      const result = payloadOf(
        era,
        await session.mcp.callTool({
          name: "list_source_logs",
          arguments: { key: "stripe", include: ["actions"], ...(action_payload ? { action_payload } : {}) },
        }),
      );
      await session.close();
      session = undefined;
      expect(result.isError).toBeUndefined();
      return (result.structuredContent as { entries: Array<typeof log> }).entries[0]?.actions;
    };

    it('is Knock\'s by default and with "all"', async () => {
      expect(await logsCall()).toEqual(log.actions);
      expect(await logsCall("all")).toEqual(log.actions);
    });

    it('"differing" points copies of data or preprocess_output at where they are; the rest stays', async () => {
      expect(await logsCall("differing")).toEqual([
        {
          ...log.actions[0],
          action_payload: {
            key: "k",
            recipients: "cus_1",
            data: "(same as data.object)",
            actor: "(same as preprocess_output.profile)",
            tenant: log.actions[0]?.action_payload?.tenant,
          },
        },
        log.actions[1],
      ]);
    });

    it('"none" leaves action_payload out and keeps the rest of each action', async () => {
      const actions = await logsCall("none");
      expect(actions).toEqual(log.actions.map(({ action_payload: _p, ...rest }) => rest));
    });
  });
});
