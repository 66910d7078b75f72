// Links between results: rehearse_source_event and list_source_logs point at the log resources they
// mention, and a host that opens a link reads that very log; the JSON text and structuredContent stay as
// they are.
import { describe, expect, it } from "vitest";
import { ERAS } from "./helpers/mcp.js";
import { useSandboxSession } from "./helpers/sandbox.js";

type Link = { type: string; uri: string; name: string; mimeType?: string };

describe.each(ERAS)("%s", (era) => {
  const live = useSandboxSession(era);

  const linksOf = (content: unknown) => (content as Link[]).filter((item) => item.type === "resource_link");

  it("a rehearsal links its log, and opening the link reads it", async () => {
    const result = await live.session.mcp.callTool({
      name: "rehearse_source_event",
      arguments: {
        key: "app-webhooks",
        environment: "staging",
        payload: { body: { type: "order.shipped" }, headers: {} },
      },
    });
    const logId = (result.structuredContent as { log_id: string }).log_id;
    const content = result.content as Link[];
    expect(content[0]?.type).toBe("text");
    expect(JSON.parse((content[0] as unknown as { text: string }).text)).toEqual(result.structuredContent);
    const links = linksOf(content);
    expect(links).toEqual([
      {
        type: "resource_link",
        uri: `knock://staging/sources/app-webhooks/logs/${logId}`,
        name: `Event log ${logId}`,
        mimeType: "application/json",
      },
    ]);
    const read = await live.session.mcp.readResource({ uri: links[0]?.uri as string });
    expect(JSON.parse((read.contents[0] as { text: string }).text)).toMatchObject({ id: logId });
  });

  it("a page of logs links each log on it, in order", async () => {
    const result = await live.session.mcp.callTool({
      name: "list_source_logs",
      arguments: { key: "stripe", limit: 3 },
    });
    const ids = (result.structuredContent as { entries: Array<{ id: string }> }).entries.map((log) => log.id);
    expect(ids.length).toBeGreaterThan(0);
    expect(linksOf(result.content).map((link) => link.uri)).toEqual(
      ids.map((id) => `knock://development/sources/stripe/logs/${encodeURIComponent(id)}`),
    );
  });
});
