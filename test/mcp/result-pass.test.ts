// The one result pass, through a real client in both eras: a secret is removed before anything is
// shortened, so a shortened result never keeps part of it; tool results and resource reads alike.
import { afterEach, describe, expect, it } from "vitest";
import { KnockClient } from "../../src/knock/client.js";
import { KnockHttp } from "../../src/knock/http.js";
import examples from "../fixtures/knock-mapi-sources-examples.json" with { type: "json" };
import { startFakeApi } from "../helpers/fake-api.js";
import { connect, ERAS, testConfig } from "../helpers/mcp.js";

const TOKEN = "knock_st_echoed_0123456789abcdefghij";
const MAX = 5_000;

/** Every character as a \uXXXX escape: JSON for the token that a search of the raw body cannot find. */
const escaped = (text: string) =>
  [...text].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join("");

/**
 * A source whose description is far over the budget and is nothing but the token, over and over, escaped in
 * the JSON text, so that the shortening cuts through a copy.
 */
function sourceBody(): string {
  const marker = "@@TOKEN@@";
  // The three leading characters put this server's cut through a copy rather than between two (checked:
  // with the cut made before redaction, this test sees all but the token's last two characters).
  const description = `yyy${` ${marker}`.repeat(Math.ceil((4 * MAX) / TOKEN.length))}`;
  return JSON.stringify({ ...examples.Source, description }).replaceAll(marker, escaped(TOKEN));
}

/** No run of eight characters of the token survives anywhere in what the client received. */
function expectNoPartOf(token: string, received: string) {
  for (let i = 0; i + 8 <= token.length; i++) expect(received).not.toContain(token.slice(i, i + 8));
}

let cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function session(era: (typeof ERAS)[number]) {
  const api = await startFakeApi((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(sourceBody());
  });
  const http = new KnockHttp({
    baseUrl: api.url,
    token: TOKEN,
    userAgent: "test",
    timeoutMs: 5_000,
    maxRetries: 0,
  });
  const mcp = await connect(
    testConfig({ serviceToken: TOKEN, maxResultChars: MAX }),
    new KnockClient(http),
    era,
  );
  cleanup.push(api.close, () => http.close(), mcp.close);
  return mcp;
}

describe.each(ERAS)("%s", (era) => {
  it("a tool result that must be shortened has the echoed token redacted, whole, before the cut", async () => {
    const { mcp } = await session(era);
    const result = await mcp.callTool({ name: "get_source", arguments: { key: "stripe" } });
    expect(result.isError).toBeUndefined();
    const text = JSON.stringify(result);
    // Shortened, within the budget, and still a source.
    expect((result.structuredContent as { truncated?: unknown }).truncated).toBeDefined();
    expect(JSON.stringify(result.structuredContent).length).toBeLessThanOrEqual(MAX);
    expect(result.structuredContent).toMatchObject({ key: examples.Source.key });
    expectNoPartOf(TOKEN, text);
  });

  it("a resource read that must be shortened has it redacted the same way", async () => {
    const { mcp } = await session(era);
    const read = await mcp.readResource({ uri: "knock://development/sources/stripe" });
    const first = read.contents[0] as { text: string };
    expect(first.text.length).toBeLessThanOrEqual(MAX);
    expect(JSON.parse(first.text)).toMatchObject({ key: examples.Source.key, truncated: expect.any(Object) });
    expectNoPartOf(TOKEN, JSON.stringify(read));
  });
});
