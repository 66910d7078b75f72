// Bad arguments to every tool: each is refused with a clear isError and nothing reaches Knock; legal but odd
// keys reach exactly /v1/sources/<percent-encoded key> (or /v1/source_providers/<...>). Through a client of
// each protocol era.
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, ERAS, payloadOf, testConfig } from "../helpers/mcp.js";
import { mockKnock } from "../helpers/mock-knock.js";
import { ENV_TOOLS, KEY_TOOLS, OK_BODY, PATH_OF, TOOL_NAMES, textOf, VALID_ARGS } from "./helpers.js";

describe.each(ERAS)("%s", (era) => {
  let knock: ReturnType<typeof mockKnock>;
  let session: Awaited<ReturnType<typeof connect>>;

  beforeAll(async () => {
    knock = mockKnock();
    session = await connect(testConfig(), knock.client, era);
    await session.mcp.listTools();
  });
  afterAll(async () => {
    await session.close();
  });

  async function call(name: string, args: Record<string, unknown>) {
    const before = knock.requests.length;
    const result = payloadOf(era, await session.mcp.callTool({ name, arguments: args })) as CallToolResult;
    return { result, text: textOf(result), sent: knock.requests.slice(before) };
  }

  interface Bad {
    tool: string;
    what: string;
    args: Record<string, unknown>;
    /** The message must name what is wrong. */
    mentions: RegExp;
  }

  const rows: Bad[] = [];
  const add = (tool: string, what: string, patch: Record<string, unknown>, mentions: RegExp) =>
    rows.push({ tool, what, args: { ...VALID_ARGS[tool], ...patch }, mentions });

  const BAD_KEYS: Array<[string, unknown]> = [
    ["a slash", "a/b"],
    ["a leading slash", "/admin"],
    ["only a slash", "/"],
    ["a traversal", "../admin"],
    ["..", ".."],
    [".", "."],
    ["a backslash", "a\\b"],
    ["empty", ""],
    ["10,000 characters", "k".repeat(10_000)],
    ["257 characters", "k".repeat(257)],
    ["NUL", "a\u0000b"],
    ["a newline", "a\nb"],
    ["a tab", "a\tb"],
    ["DEL", "a\u007fb"],
    ["a C1 control", "a\u0085b"],
    ["a lone high surrogate", "a\uD800b"],
    ["a lone low surrogate", "\uDC00"],
    ["a number", 42],
    ["null", null],
    ["an array", ["k"]],
    ["an object", { key: "k" }],
    ["a boolean", true],
  ];
  for (const tool of KEY_TOOLS) {
    for (const [what, key] of BAD_KEYS) add(tool, `key ${what}`, { key }, /\bkey\b/);
    const { key: _omitted, ...withoutKey } = VALID_ARGS[tool] ?? {};
    rows.push({ tool, what: "key missing", args: withoutKey, mentions: /\bkey\b/ });
  }

  const BAD_ENVIRONMENTS: Array<[string, unknown]> = [
    ["uppercase", "Production"],
    ["a leading dash", "-dev"],
    ["a leading underscore", "_dev"],
    ["a space", "dev env"],
    ["a slash", "dev/../prod"],
    ["a query", "dev?x=1"],
    ["empty", ""],
    ["65 characters", "e".repeat(65)],
    ["unicode", "dév"],
    ["a trailing newline", "dev\n"],
    ["a number", 7],
    ["null", null],
  ];
  for (const tool of ENV_TOOLS) {
    for (const [what, environment] of BAD_ENVIRONMENTS)
      add(tool, `environment ${what}`, { environment }, /environment/);
  }

  const BAD_DAYS = [
    "11/05/2026",
    "yesterday",
    "2026-5-1",
    "20260511",
    "2026-13-01",
    "2026-02-30",
    "2026-05-11T00:00:00Z",
  ];
  for (const date of BAD_DAYS) add("list_source_logs", `date ${JSON.stringify(date)}`, { date }, /date/);
  add("list_source_logs", "date as a number", { date: 20260511 }, /date/);
  const BAD_TIMES = [
    "2026-05-11",
    "2026-05-11 16:00:00Z",
    "2026-05-11T16:00:00",
    "2026-05-11T25:00:00Z",
    "2026-02-30T10:00:00Z",
    "May 11 2026",
    "1747000000",
    "",
  ];
  for (const field of ["starting_at", "ending_at"]) {
    for (const value of BAD_TIMES)
      add("list_source_logs", `${field} ${JSON.stringify(value)}`, { [field]: value }, new RegExp(field));
    add("list_source_logs", `${field} as a number`, { [field]: 1_747_000_000 }, new RegExp(field));
  }

  for (const limit of [0, 101, 1.5, "10", -1, 1e300, null, true])
    add("list_source_logs", `limit ${JSON.stringify(limit)}`, { limit }, /limit/);
  for (const [what, value] of [
    ["after empty", { after: "" }],
    ["after too long", { after: "c".repeat(2_049) }],
    ["before a number", { before: 5 }],
    ["event empty", { event: "" }],
    ["event a lone surrogate", { event: "invoice.\uD800" }],
    ["after a lone surrogate", { after: "cursor\uDFFF" }],
    ["id an object", { id: { x: 1 } }],
    ["include a string", { include: "actions" }],
    ["include an unknown value", { include: ["actions", "everything"] }],
  ] as const)
    add("list_source_logs", what, value, new RegExp(Object.keys(value)[0] ?? ""));

  add("list_sources", "include an unknown value", { include: ["actions"] }, /include/);
  add("get_source_provider", "include an unknown value", { include: ["secrets"] }, /include/);

  for (const [what, payload] of [
    ["a string", "body"],
    ["an array", [{ body: {} }]],
    ["null", null],
    ["a number", 42],
    ["a boolean", false],
    ["larger than 1 MB", { body: { blob: "x".repeat(1_000_001) }, headers: {} }],
  ] as const)
    add("rehearse_source_event", `payload ${what}`, { payload }, /payload/);
  rows.push({
    tool: "rehearse_source_event",
    what: "payload missing",
    args: { key: "k" },
    mentions: /payload/,
  });

  add("upsert_source", "name empty", { name: "" }, /name/);
  add("upsert_source", "name a number", { name: 5 }, /name/);
  rows.push({ tool: "upsert_source", what: "name missing", args: { key: "k" }, mentions: /name/ });
  add("upsert_source", "description over 2000 characters", { description: "d".repeat(2_001) }, /description/);
  add("upsert_source", "preconfigured_provider with a slash", { preconfigured_provider: "a/b" }, /provider/);
  add(
    "upsert_source",
    "environment_settings keyed by a non-slug",
    { environment_settings: { "Bad Env": {} } },
    /environment_settings/,
  );
  add(
    "upsert_source",
    "a mapping with an unknown action_type",
    { environment_settings: { development: { mappings: [{ event_type: "a", action_type: "rm_rf" }] } } },
    /action_type/,
  );
  const bigScript = { language: "javascript", source: "s".repeat(199_000) };
  add(
    "upsert_source",
    "a source larger than 1 MB",
    {
      environment_settings: Object.fromEntries(
        ["e1", "e2", "e3", "e4", "e5", "e6"].map((env) => [
          env,
          { settings: { preprocess_script: bigScript } },
        ]),
      ),
    },
    /larger than 1000000 bytes/,
  );

  for (const tool of TOOL_NAMES) {
    add(tool, "an unknown extra argument", { extra_argument: 1 }, /extra_argument/);
    add(tool, "an unknown argument named __proto__-like", { constructor: "x" }, /constructor/);
  }

  describe("bad arguments are refused before anything is sent", () => {
    it(`has a row for every tool (${rows.length} bad inputs)`, () => {
      expect(new Set(rows.map((r) => r.tool))).toEqual(new Set(TOOL_NAMES));
      // Every tool of the table has valid arguments and a documented answer, and every key tool its path.
      expect(Object.keys(VALID_ARGS).sort()).toEqual([...TOOL_NAMES].sort());
      expect(Object.keys(OK_BODY).sort()).toEqual([...TOOL_NAMES].sort());
      expect(Object.keys(PATH_OF).sort()).toEqual([...KEY_TOOLS].sort());
    });

    it.each(rows.map((r) => [r.tool, r.what, r] as const))("%s: %s", async (_tool, _what, row) => {
      const { result, text, sent } = await call(row.tool, row.args);
      expect(result.isError).toBe(true);
      expect(sent).toEqual([]);
      expect(text).toMatch(row.mentions);
      // Clear: short, and not the "something broke inside this server" message.
      expect(text.length).toBeLessThan(2_000);
      expect(text).not.toMatch(/failed unexpectedly|report it|\n\s+at /);
    });
  });

  describe("rehearsal in production", () => {
    it("is refused with no request when the environment argument is production", async () => {
      const { result, text, sent } = await call("rehearse_source_event", {
        ...VALID_ARGS.rehearse_source_event,
        environment: "production",
      });
      expect(result.isError).toBe(true);
      expect(text).toMatch(/production.*nothing was sent/);
      expect(sent).toEqual([]);
    });

    it("is refused with no request when production is the server's default environment", async () => {
      const prodKnock = mockKnock();
      const prod = await connect(testConfig({ environment: "production" }), prodKnock.client, era);
      try {
        const result = payloadOf(
          era,
          await prod.mcp.callTool({
            name: "rehearse_source_event",
            arguments: VALID_ARGS.rehearse_source_event,
          }),
        ) as CallToolResult;
        expect(result.isError).toBe(true);
        expect(textOf(result)).toMatch(/production/);
        expect(prodKnock.requests).toEqual([]);
      } finally {
        await prod.close();
      }
    });
  });

  // Legal keys that need encoding: each reaches exactly one path segment, percent-encoded.
  const ODD_KEYS: Array<[string, string, string]> = [
    ["a space", "my source", "my%20source"],
    ["unicode", "clé-ünï", "cl%C3%A9-%C3%BCn%C3%AF"],
    ["CJK", "源", "%E6%BA%90"],
    ["an emoji", "🔑", "%F0%9F%94%91"],
    ["a literal %2F", "a%2Fb", "a%252Fb"],
    ["a literal %2e%2e", "%2e%2e", "%252e%252e"],
    ["a question mark", "a?b=c", "a%3Fb%3Dc"],
    ["a hash", "a#b", "a%23b"],
    ["an ampersand and a plus", "a&b+c", "a%26b%2Bc"],
    ["three dots", "...", "..."],
    ["a leading dot", ".env", ".env"],
    ["a right-to-left override", "a\u202Eb", "a%E2%80%AEb"],
    ["a zero-width space", "a\u200Bb", "a%E2%80%8Bb"],
    ["256 characters", "k".repeat(256), "k".repeat(256)],
  ];

  describe("legal but odd keys are percent-encoded into exactly one segment", () => {
    const cases = KEY_TOOLS.flatMap((tool) =>
      ODD_KEYS.map(([what, key, encoded]) => [tool, what, key, encoded]),
    );
    it.each(cases)("%s: key with %s", async (tool, _what, key, encoded) => {
      const route = PATH_OF[tool];
      if (!route) throw new Error(`no route for ${tool}`);
      knock.always({ status: 200, body: OK_BODY[tool] });
      const { result, sent } = await call(tool, { ...VALID_ARGS[tool], key });
      expect(sent).toHaveLength(1);
      const [path, query] = (sent[0]?.path ?? "").split("?");
      expect(sent[0]?.method).toBe(route.method);
      expect(path).toBe(`${route.prefix}${encoded}${route.suffix}`);
      expect(
        decodeURIComponent(path?.slice(route.prefix.length, path.length - route.suffix.length) ?? ""),
      ).toBe(key);
      if (tool !== "get_source_provider") expect(query).toBe("environment=development");
      expect(result.isError).toBeUndefined();
    });
  });
});
