// Property tests over every tool with random and adversarial arguments: the server answers only a valid
// result or an isError with text, never throws, keeps answering, and every request that reaches the fake
// API has a path whose key segment is one properly encoded segment that decodes to the key sent. For a client
// of each protocol era.
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TOOLS } from "../../src/tools/index.js";
import { ERAS, UNCACHED } from "../helpers/mcp.js";
import { answerOk, ENV_TOOLS, endpointOf, faultSession, KEY_TOOLS, TOOL_NAMES, textOf } from "./helpers.js";

// In each era: the second era costs about 1.5 s of a suite run on two cores, so it runs no fewer.
const RUNS_PER_TOOL = 200;
const PATH_SHAPE = /^\/v1\/(sources|source_providers)(\/[A-Za-z0-9%._~!$&'()*+,;=:@-]+)*$/;

const nasty = [
  "/",
  "..",
  ".",
  "%2F",
  "%2f",
  "%2e%2e",
  "\u0000",
  "\uFFFF",
  "\uD800",
  "\uDFFF",
  "?",
  "#",
  "&",
  "=",
];
const pieces = [...nasty, " ", "\\", "a", "Z", "9", "-", "_", "~", "é", "源", "🔑", "\u202E", "+", ";", "%"];
const adversarialString = fc.oneof(
  fc.constantFrom(...nasty, "a/b", "../admin", "./x", "a%2Fb", "stripe", "k".repeat(10_000), "k".repeat(256)),
  fc.string({ unit: fc.constantFrom(...pieces), maxLength: 20 }),
  fc.string({ unit: "grapheme", maxLength: 30 }),
  fc.string({ unit: "binary", maxLength: 30 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 12 }),
  fc.string({ minLength: 240, maxLength: 270 }),
);
const hugeNumber = fc.oneof(
  fc.constantFrom(1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, Number.MIN_VALUE, 0, -1, 100, 101, 1.5),
  fc.double(),
  fc.integer(),
);
const anyValue = fc.oneof(
  adversarialString,
  hugeNumber,
  fc.anything({ maxDepth: 2 }),
  fc.boolean(),
  fc.constant(null),
);
const dates = fc.date({ min: new Date("1970-01-01"), max: new Date("2099-12-31"), noInvalidDate: true });
const plausible = fc.string({ unit: "grapheme", minLength: 1, maxLength: 24 });

/** A valid value for each parameter (the key aside: keys are always adversarial). */
const VALID: Record<string, fc.Arbitrary<unknown>> = {
  environment: fc.constantFrom("development", "staging", "production", "prod-2", "e_1"),
  event: plausible,
  id: plausible,
  date: dates.map((d) => d.toISOString().slice(0, 10)),
  starting_at: dates.map((d) => d.toISOString()),
  ending_at: dates.map((d) => d.toISOString().replace(/\.\d+Z$/, "+02:00")),
  after: plausible,
  before: plausible,
  limit: fc.integer({ min: 1, max: 100 }),
  action_payload: fc.constantFrom("all", "differing", "none"),
  name: plausible,
  description: fc.oneof(plausible, fc.constant(null)),
  custom_image_url: fc.oneof(fc.webUrl(), fc.constant(null)),
  preconfigured_provider: fc.constantFrom("stripe", "segment", "clerk"),
  environment_settings: fc.dictionary(
    fc.constantFrom("development", "staging"),
    fc.record(
      {
        settings: fc.record(
          { event_type_path: plausible, enforce_verification: fc.boolean() },
          { requiredKeys: [] },
        ),
        mappings: fc.array(
          fc.record({
            event_type: plausible,
            action_type: fc.constantFrom("workflows_trigger", "users_identify"),
          }),
          { maxLength: 2 },
        ),
      },
      { requiredKeys: [] },
    ),
    { maxKeys: 2 },
  ),
  payload: fc.record({ body: fc.object({ maxDepth: 2 }), headers: fc.dictionary(plausible, plausible) }),
};

/** Date-like strings that are not valid dates, mixed into the adversarial side. */
const badDates = fc.constantFrom(
  "2026-02-30",
  "2026-13-01",
  "0000-00-00",
  "2026-05-11T16:00:00+25:00",
  "2026-05-11T16:00Z",
  "2026-02-30T00:00:00Z",
  "+275760-09-13T00:00:00.000Z",
);

/** Mostly `valid`, sometimes adversarial strings, sometimes anything at all. */
const mostly = (valid: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { weight: 6, arbitrary: valid },
    { weight: 1, arbitrary: fc.oneof(adversarialString, badDates) },
    { weight: 1, arbitrary: anyValue },
  );

const PARAMS: Record<string, string[]> = {
  list_sources: ["environment", "include"],
  get_source: ["key", "environment"],
  get_source_status: ["key", "environment"],
  list_source_events: ["key", "environment"],
  list_source_logs: [
    "key",
    "environment",
    "include",
    "event",
    "id",
    "date",
    "starting_at",
    "ending_at",
    "after",
    "before",
    "limit",
    "action_payload",
  ],
  upsert_source: [
    "key",
    "environment",
    "name",
    "description",
    "custom_image_url",
    "preconfigured_provider",
    "environment_settings",
  ],
  rehearse_source_event: ["key", "environment", "payload"],
  list_source_providers: [],
  get_source_provider: ["key", "include"],
};

const INCLUDE: Record<string, string[]> = {
  list_sources: ["environment_settings"],
  list_source_logs: ["actions"],
  get_source_provider: ["branding", "default_action_mappings", "example_payloads", "preprocessing_script"],
};

/**
 * Valid one by one is not valid together for list_source_logs' time filters: a day and a range must
 * overlap, and a range must not end before it starts. Valid arguments keep them coherent.
 */
function coherentTimes(args: Record<string, unknown>): Record<string, unknown> {
  const out = { ...args };
  if (typeof out.date === "string") {
    if (out.starting_at !== undefined) out.starting_at = `${out.date}T00:00:00.000Z`;
    if (out.ending_at !== undefined) out.ending_at = `${out.date}T23:59:59+00:00`;
  } else if (typeof out.starting_at === "string" && typeof out.ending_at === "string") {
    if (Date.parse(out.starting_at) > Date.parse(out.ending_at)) {
      [out.starting_at, out.ending_at] = [out.ending_at, out.starting_at];
    }
  }
  return out;
}

function argsFor(tool: string): fc.Arbitrary<Record<string, unknown>> {
  const fields = PARAMS[tool] ?? [];
  const valid = (f: string) =>
    f === "key"
      ? adversarialString
      : f === "include"
        ? fc.subarray(INCLUDE[tool] ?? [])
        : (VALID[f] as fc.Arbitrary<unknown>);
  // name is required by upsert_source; the other generators leave it out often enough.
  const requiredKeys = tool === "upsert_source" ? ["name"] : [];
  // Every parameter valid but the key: the requests these make are the ones whose paths are checked.
  const keyOnly = fc
    .record(Object.fromEntries(fields.map((f) => [f, valid(f)])), { requiredKeys })
    .map((args) => (tool === "list_source_logs" ? coherentTimes(args) : args));
  // Every parameter mostly valid, any of them possibly adversarial or of any type.
  const shaped = fc.record(
    Object.fromEntries(fields.map((f) => [f, f === "key" ? valid(f) : mostly(valid(f))])),
    {
      requiredKeys,
    },
  );
  const withExtra = fc
    .tuple(shaped, adversarialString, anyValue)
    .map(([args, extraKey, extraValue]) => ({ ...args, [extraKey]: extraValue }));
  return fc.oneof(
    { weight: 4, arbitrary: keyOnly },
    { weight: 4, arbitrary: shaped },
    { weight: 1, arbitrary: withExtra },
    { weight: 1, arbitrary: fc.object() },
    { weight: 1, arbitrary: fc.dictionary(adversarialString, anyValue, { maxKeys: 4 }) },
  ) as fc.Arbitrary<Record<string, unknown>>;
}

describe.each(ERAS)("%s", (era) => {
  let session: Awaited<ReturnType<typeof faultSession>>;
  beforeAll(async () => {
    // No retries: each accepted call is exactly one request (list_source_logs may re-ask once to fit).
    session = await faultSession(answerOk, { era, maxRetries: 0, timeoutMs: 2_000 });
  });
  afterAll(async () => {
    await session.close();
  });

  const stats = { runs: 0, requests: 0, successes: 0, errors: 0 };
  const requestsByTool = new Map<string, number>();

  async function checkOne(tool: string, generated: Record<string, unknown>) {
    // What a host would send: arguments travel as JSON.
    const args = JSON.parse(JSON.stringify(generated)) as Record<string, unknown>;
    const before = session.api.requests.length;
    let result: CallToolResult;
    try {
      result = await session.call(tool, args);
    } catch (error) {
      throw new Error(`${tool} threw for ${JSON.stringify(args).slice(0, 300)}: ${(error as Error).message}`);
    }
    stats.runs++;
    const sent = session.api.requests.slice(before);
    stats.requests += sent.length;
    requestsByTool.set(tool, (requestsByTool.get(tool) ?? 0) + sent.length);

    if (result.isError) {
      stats.errors++;
      expect(result.isError).toBe(true);
      expect(textOf(result).length).toBeGreaterThan(0);
      // This fake Knock answers every route with its documented body, so an error is a refusal: nothing sent.
      expect(sent).toEqual([]);
    } else {
      stats.successes++;
      expect(result.structuredContent).toBeDefined();
      expect(JSON.parse(textOf(result))).toEqual(result.structuredContent);
      // A success always came from Knock.
      expect(sent.length).toBeGreaterThan(0);
    }

    // list_source_logs may re-ask once to fit; upsert_source with a template first asks whether the source
    // exists (GET /v1/sources/{key}), since Knock applies a template on create only.
    const checksFirst = tool === "upsert_source" && args.preconfigured_provider !== undefined;
    expect(sent.length).toBeLessThanOrEqual(tool === "list_source_logs" || checksFirst ? 2 : 1);
    for (const request of sent) {
      const [path = "", query = ""] = request.url.split(/\?(.*)/s);
      expect(path).toMatch(PATH_SHAPE);
      const segments = path.split("/").slice(1);
      for (const segment of segments) expect([".", "..", ""]).not.toContain(segment);
      expect(endpointOf(request.method, request.url)).toBe(
        checksFirst && request.method === "GET" ? "get_source" : tool,
      );
      if (KEY_TOOLS.includes(tool)) {
        expect(decodeURIComponent(segments[2] ?? "")).toBe(args.key);
      }
      if (ENV_TOOLS.includes(tool)) {
        expect(new URLSearchParams(query).get("environment")).toBe(expectedEnvironment(tool, args));
      }
    }
  }

  /** The configured default, except that upsert_source takes the one environment its settings name. */
  function expectedEnvironment(tool: string, args: Record<string, any>): string {
    if (args.environment) return args.environment;
    const named = tool === "upsert_source" ? Object.keys(args.environment_settings ?? {}) : [];
    return named.length === 1 ? (named[0] as string) : "development";
  }

  describe("fuzzing every tool", () => {
    it.each(TOOL_NAMES)(`%s: ${RUNS_PER_TOOL} runs of random and adversarial arguments`, async (tool) => {
      // The generators cover every parameter the tool takes, and no other.
      const shape = TOOLS.find((t) => t.name === tool)?.input.shape ?? {};
      expect([...(PARAMS[tool] ?? [])].sort()).toEqual(Object.keys(shape).sort());
      await fc.assert(
        fc.asyncProperty(argsFor(tool), (args) => checkOne(tool, args)),
        { numRuns: RUNS_PER_TOOL },
      );
      // The session still answers after the storm (the server itself, not a 2026-era client's cached list).
      const listed = await session.mcp.listTools(undefined, UNCACHED);
      expect(listed.tools.map((t) => t.name)).toEqual(TOOL_NAMES);
    });

    it("made requests and saw both outcomes", () => {
      expect(stats.runs).toBeGreaterThanOrEqual(RUNS_PER_TOOL * TOOL_NAMES.length);
      expect(stats.requests).toBeGreaterThan(100);
      expect(stats.successes).toBeGreaterThan(100);
      expect(stats.errors).toBeGreaterThan(100);
      // Every tool got some requests through, so the path checks ran for each.
      for (const tool of TOOL_NAMES) expect(requestsByTool.get(tool) ?? 0, tool).toBeGreaterThanOrEqual(10);
      console.error(`fuzz: ${JSON.stringify({ ...stats, byTool: Object.fromEntries(requestsByTool) })}`);
    });
  });
});
