// GET /v1/sources may be paged: Knock's CLI sends `after`/`before`/`limit` to it and reads `page_info`
// (knock-cli src/lib/api-v1.ts listSources, src/lib/helpers/page.ts). Every reader of the sources list — the
// list_sources tool, resources/list and completions — sees the sources of every page, up to a bound.
import { afterEach, describe, expect, it } from "vitest";
import { MAX_SOURCE_PAGES } from "../src/knock/client.js";
import examples from "./fixtures/knock-mapi-sources-examples.json" with { type: "json" };
import { connect, ERAS, testConfig } from "./helpers/mcp.js";
import { mockKnock, type RecordedRequest } from "./helpers/mock-knock.js";

const source = (key: string) => ({
  key,
  name: `Source ${key}`,
  environment_settings: { development: { settings: {}, mappings: [], updated_at: "2026-01-01T00:00:00Z" } },
});

/** Three pages of two sources each, linked by `page_info.after`; the providers answer as in the spec. */
function pagedKnock(pageCount = 3) {
  return (request: RecordedRequest) => {
    if (request.path.startsWith("/v1/source_providers")) {
      return { status: 200, body: examples.SourceProvidersResponse };
    }
    const page = Number(new URLSearchParams(request.path.split("?")[1]).get("after") ?? "1");
    const after = page < pageCount ? String(page + 1) : null;
    return {
      status: 200,
      body: {
        entries: [source(`s${page}a`), source(`s${page}b`)],
        page_info: { after, before: page > 1 ? String(page - 1) : null, page_size: 2 },
      },
    };
  };
}

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

describe("the client follows page_info.after of GET /v1/sources", () => {
  it("asks for each next page with `after` and returns the entries of every page", async () => {
    const knock = mockKnock();
    knock.always(pagedKnock());
    const list = await knock.client.listSources({ environment: "development" });
    expect(list.entries.map((s) => s.key)).toEqual(["s1a", "s1b", "s2a", "s2b", "s3a", "s3b"]);
    expect(list.incomplete).toBeUndefined();
    expect(knock.requests.map((r) => r.path)).toEqual([
      "/v1/sources?environment=development",
      "/v1/sources?environment=development&after=2",
      "/v1/sources?environment=development&after=3",
    ]);
  });

  it(`reads at most ${MAX_SOURCE_PAGES} pages and says where it stopped`, async () => {
    const knock = mockKnock();
    knock.always(pagedKnock(1_000));
    const list = await knock.client.listSources({});
    expect(knock.requests).toHaveLength(MAX_SOURCE_PAGES);
    expect(list.entries).toHaveLength(2 * MAX_SOURCE_PAGES);
    expect(list.incomplete).toEqual({ pages: MAX_SOURCE_PAGES, after: String(MAX_SOURCE_PAGES + 1) });
  });
});

describe.each(ERAS)("%s", (era) => {
  it("list_sources lists the sources of every page", async () => {
    const knock = mockKnock();
    knock.always(pagedKnock());
    const session = await connect(testConfig(), knock.client, era);
    close = session.close;
    const result = await session.mcp.callTool({ name: "list_sources", arguments: {} });
    expect(result.isError).toBeFalsy();
    const content = result.structuredContent as { entries: Array<{ key: string }>; note?: string };
    expect(content.entries.map((s) => s.key)).toEqual(["s1a", "s1b", "s2a", "s2b", "s3a", "s3b"]);
    expect(content.note).toBeUndefined();
  });

  it("list_sources says in `note` when the page bound left sources out", async () => {
    const knock = mockKnock();
    knock.always(pagedKnock(1_000));
    const session = await connect(testConfig(), knock.client, era);
    close = session.close;
    const result = await session.mcp.callTool({ name: "list_sources", arguments: {} });
    expect(result.isError).toBeFalsy();
    const content = result.structuredContent as { entries: unknown[]; note?: string };
    expect(content.entries).toHaveLength(2 * MAX_SOURCE_PAGES);
    expect(content.note).toMatch(
      new RegExp(`^Only the first ${2 * MAX_SOURCE_PAGES} sources \\(${MAX_SOURCE_PAGES} pages\\)`),
    );
  });

  it("resources/list and completions see the sources of every page", async () => {
    const knock = mockKnock();
    knock.always(pagedKnock());
    const session = await connect(testConfig(), knock.client, era);
    close = session.close;
    const { resources } = await session.mcp.listResources();
    expect(resources.map((r) => r.uri)).toContain("knock://development/sources/s3b");
    const { completion } = await session.mcp.complete({
      ref: { type: "ref/resource", uri: "knock://{environment}/sources/{source}" },
      argument: { name: "source", value: "s" },
    });
    expect(completion.values).toEqual(["s1a", "s1b", "s2a", "s2b", "s3a", "s3b"]);
  });
});
