// Knock's answers may leave out what its spec does not require, send null there, and disagree with the
// docs page (knocklabs/docs data/specs/mapi/openapi.yml against the mAPI reference page): none of that may
// turn a successful call into an error. Each of the nine operations is fed the spec's own example with
// every optional field removed, and again with every optional field null; each call must succeed, through
// a real MCP client of either era, with structuredContent matching the tool's output schema. Then each is
// cut down to what its tool cannot work without (keys, ids, `entries`, a rehearsal's `status`): it still
// succeeds, and without even that it is a clear error.
import { afterEach, describe, expect, it } from "vitest";
import { TOOLS } from "../src/tools/index.js";
import examples from "./fixtures/knock-mapi-sources-examples.json" with { type: "json" };
import { connect, ERAS, testConfig } from "./helpers/mcp.js";
import { mockKnock } from "./helpers/mock-knock.js";

/**
 * What the spec requires, object by object (the `required` lists of the OpenAPI subset), keyed by the path
 * of the object in the answer: `[]` is an array item, `*` a value of a keyed record. Objects not named
 * here (free-form ones such as `data` or `settings`) have nothing required.
 */
type Required = Record<string, readonly string[]>;

const environmentSettings = (at: string): Required => ({
  [at]: ["updated_at", "settings", "mappings"],
  // The reference page lists no `active` on a mapping (it has `inactive_at`); the spec requires it.
  [`${at}.mappings[]`]: ["event_type", "action_type", "active", "is_deleted", "created_at", "updated_at"],
  // Every setting is optional.
  [`${at}.settings`]: [],
});

const SOURCE: Required = {
  "": ["name", "key", "created_at", "updated_at", "environment_settings"],
  ...environmentSettings("environment_settings.*"),
};

const LOG: Required = {
  "": ["id", "event"],
  "actions[]": ["id"],
};

/** Docs-page fields the spec requires but the reference page leaves out: removed in the "minimal" answers. */
const DOCS_LEAVE_OUT = new Set(["active"]);

interface Operation {
  tool: string;
  args: Record<string, unknown>;
  example: unknown;
  required: Required;
  /** What the tool cannot work without: all its output schema requires (src/knock/schemas.ts). */
  needs: Required;
}

const mapping = {
  action_parameters: { key: "order-created", recipients: "body.user_id" },
  action_type: "workflows_trigger",
  active: true,
  created_at: "2021-01-01T00:00:00Z",
  event_type: "Order Created",
  is_deleted: false,
  updated_at: "2021-01-01T00:00:00Z",
};
/** The spec's Source example, with a mapping so that the mappings' optional fields are exercised too. */
const source = structuredClone(examples.Source) as Omit<typeof examples.Source, "environment_settings"> & {
  environment_settings: { development: { settings: Record<string, unknown>; mappings: unknown[] } };
};
source.environment_settings.development.mappings = [mapping];

const logWithActions = { ...examples.SourceLog, actions: [examples.SourceLogAction] };
const fullProvider = {
  ...examples.SourceProviderResponse,
  default_action_mappings: [
    { action_parameters: { key: "k" }, action_type: "workflows_trigger", event_type: "Track" },
  ],
  example_payloads: { Track: [{ body: { event: "Track" }, headers: { "x-a": "1" } }] },
  static_fields: { type: "object" },
};

const OPERATIONS: Operation[] = [
  {
    tool: "list_sources",
    args: { include: ["environment_settings"] },
    example: {
      entries: [
        { ...examples.SourcesResponse.entries[0], environment_settings: source.environment_settings },
      ],
    },
    needs: { "": ["entries"], "entries[]": ["key"] },
    required: {
      "": ["entries"],
      "entries[]": ["key", "name"],
      ...environmentSettings("entries[].environment_settings.*"),
    },
  },
  {
    tool: "get_source",
    args: { key: "segment-source" },
    example: source,
    needs: { "": ["key"] },
    required: SOURCE,
  },
  {
    tool: "upsert_source",
    args: { key: "segment-source", name: "Segment Source" },
    example: { source },
    needs: { "": ["source"], source: ["key"] },
    required: {
      "": ["source"],
      ...Object.fromEntries(Object.entries(SOURCE).map(([k, v]) => [k ? `source.${k}` : "source", v])),
    },
  },
  {
    tool: "get_source_status",
    args: { key: "segment-source" },
    example: examples.SourceStatusResponse,
    needs: { "": [] },
    required: {
      "": ["mappings_requiring_commit", "mappings_count", "events_count", "last_event_received"],
      "mappings_requiring_commit[]": [
        "resource_key",
        "action_type",
        "event_type",
        "active",
        "is_deleted",
        "status",
      ],
    },
  },
  {
    tool: "rehearse_source_event",
    args: { key: "webhook", payload: examples.SourceRehearseRequest.payload },
    example: {
      ...examples.SourceRehearseResponse,
      errors: [{ field: "mappings[0].recipients", message: "x" }],
    },
    needs: { "": ["status"] },
    required: {
      "": [
        "log_id",
        "status",
        "action_logs_count",
        "successful_action_logs_count",
        "failed_action_logs_count",
      ],
      "errors[]": ["field", "message"],
    },
  },
  {
    tool: "list_source_events",
    args: { key: "webhook" },
    example: examples.SourceEventsResponse,
    needs: { "": ["entries"], "entries[]": ["event"] },
    required: { "": ["entries"], "entries[]": ["event", "last_received_at"] },
  },
  {
    tool: "list_source_logs",
    args: { key: "stripe", include: ["actions"] },
    example: {
      entries: [logWithActions],
      page_info: { after: "cursor_a", before: "cursor_b", page_size: 25 },
    },
    needs: { "": ["entries"], "entries[]": ["id"] },
    required: {
      "": ["entries", "page_info"],
      ...Object.fromEntries(Object.entries(LOG).map(([k, v]) => [k ? `entries[].${k}` : "entries[]", v])),
      page_info: ["page_size"],
    },
  },
  {
    tool: "list_source_providers",
    args: {},
    example: examples.SourceProvidersResponse,
    needs: { "": ["entries"], "entries[]": ["key"] },
    required: {
      "": ["entries"],
      "entries[]": ["key", "version", "provider"],
      "entries[].provider": ["name", "description"],
    },
  },
  {
    tool: "get_source_provider",
    args: { key: "segment", include: ["default_action_mappings", "example_payloads", "static_fields"] },
    example: fullProvider,
    needs: { "": ["key"] },
    required: {
      "": ["key", "version", "provider", "default_settings"],
      default_settings: ["event_type_path", "enforce_verification"],
      provider: ["name", "description", "categories", "website_url", "webhook_docs_url"],
      "default_action_mappings[]": ["event_type", "action_type", "action_parameters"],
    },
  },
];

type Variant = "minimal" | "nulls" | "minimal inside" | "nulls inside";

/**
 * The answer with every field its object does not require removed ("minimal") or set to null ("nulls").
 * The "inside" variants keep an optional object or list that the spec describes (a log's `actions`) and
 * vary its own fields instead, so that what is optional inside optional containers is exercised too.
 */
function vary(value: unknown, required: Required, variant: Variant, at = ""): unknown {
  if (Array.isArray(value)) return value.map((item) => vary(item, required, variant, `${at}[]`));
  if (typeof value !== "object" || value === null) return value;
  const own = required[at];
  const isRecord = own === undefined && Object.keys(required).some((k) => k.startsWith(`${at}.*`));
  const inside = variant.endsWith("inside");
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const childAt = isRecord ? `${at}.*` : at ? `${at}.${key}` : key;
    const described = Object.keys(required).some((k) => k === childAt || k.startsWith(`${childAt}[]`));
    if (own !== undefined && !own.includes(key) && !(inside && described)) {
      if (variant.startsWith("nulls")) out[key] = null;
      continue;
    }
    if (variant.startsWith("minimal") && own !== undefined && DOCS_LEAVE_OUT.has(key)) continue;
    out[key] = vary(item, required, variant, childAt);
  }
  return out;
}

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

describe.each(ERAS)("%s", (era) => {
  describe.each(["minimal", "nulls", "minimal inside", "nulls inside"] as const)(
    "optional fields: %s",
    (variant) => {
      it.each(OPERATIONS.map((op) => [op.tool, op] as const))("%s succeeds", async (name, op) => {
        const answer = vary(op.example, op.required, variant);
        const knock = mockKnock();
        knock.always({ status: 200, body: answer });
        const session = await connect(testConfig(), knock.client, era);
        close = session.close;
        const result = await session.mcp.callTool({ name, arguments: op.args });
        expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
        const tool = TOOLS.find((t) => t.name === name);
        const parsed = tool?.output.safeParse(result.structuredContent);
        expect(parsed?.success, JSON.stringify(parsed?.error?.issues)).toBe(true);
        expect(knock.requests.length).toBeGreaterThan(0);
      });
    },
  );
});

describe.each(ERAS)("%s: answers with only what each tool cannot work without", (era) => {
  it.each(OPERATIONS.map((op) => [op.tool, op] as const))("%s succeeds", async (name, op) => {
    for (const variant of ["minimal", "nulls"] as const) {
      const knock = mockKnock();
      knock.always({ status: 200, body: vary(op.example, op.needs, variant) });
      const session = await connect(testConfig(), knock.client, era);
      close = session.close;
      const result = await session.mcp.callTool({ name, arguments: op.args });
      expect(result.isError, `${variant}: ${JSON.stringify(result.content)}`).toBeFalsy();
      await session.close();
      close = undefined;
    }
  });

  it.each(OPERATIONS.filter((op) => op.needs[""]?.length).map((op) => [op.tool, op] as const))(
    "%s fails clearly without the first of them",
    async (name, op) => {
      const answer = vary(op.example, op.needs, "minimal") as Record<string, unknown>;
      delete answer[op.needs[""]?.[0] ?? ""];
      const knock = mockKnock();
      knock.always({ status: 200, body: answer });
      const session = await connect(testConfig(), knock.client, era);
      close = session.close;
      const result = await session.mcp.callTool({ name, arguments: op.args });
      expect(result.isError).toBe(true);
      expect(JSON.stringify(result.content)).toMatch(/did not have the documented shape/);
    },
  );
});

describe("the variants really leave fields out", () => {
  it("minimal drops optional fields, nulls keeps them as null, nested ones included", () => {
    const op = OPERATIONS.find((o) => o.tool === "get_source") as Operation;
    const minimal = vary(op.example, op.required, "minimal") as typeof source;
    expect(minimal).not.toHaveProperty("description");
    expect(minimal.environment_settings.development.settings).toEqual({});
    expect(minimal.environment_settings.development.mappings[0]).not.toHaveProperty("active");
    expect(minimal.environment_settings.development.mappings[0]).not.toHaveProperty("action_parameters");
    const nulls = vary(op.example, op.required, "nulls") as Record<string, unknown> & typeof source;
    expect(nulls.description).toBeNull();
    expect(nulls.environment_settings.development.settings.endpoint).toBeNull();
    expect(nulls.environment_settings.development.mappings[0]).toMatchObject({
      action_parameters: null,
      active: true,
    });
    const logs = OPERATIONS.find((o) => o.tool === "list_source_logs") as Operation;
    expect(vary(logs.example, logs.required, "nulls")).toMatchObject({
      entries: [{ data: null, actions: null }],
      page_info: { after: null, page_size: 25 },
    });
    expect(vary(logs.example, logs.required, "nulls inside")).toMatchObject({
      entries: [{ data: null, actions: [{ id: "action_log_123", action_payload: null, action_type: null }] }],
    });
    expect(vary(logs.example, logs.required, "minimal inside")).toEqual({
      entries: [{ id: "log_123", event: "invoice.created", actions: [{ id: "action_log_123" }] }],
      page_info: { page_size: 25 },
    });
  });
});
