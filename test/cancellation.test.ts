// An MCP cancellation reaches the HTTP request: the host cancels, the socket to Knock closes.
import { describe, expect, it } from "vitest";
import { KnockClient } from "../src/knock/client.js";
import { KnockHttp } from "../src/knock/http.js";
import { startFakeApi } from "./helpers/fake-api.js";
import { callTool, connect, ERAS, testConfig } from "./helpers/mcp.js";

describe.each(ERAS)("%s", (era) => {
  it("cancelling a tool call aborts its HTTP request to Knock", async () => {
    let socketClosed: () => void = () => {};
    const closed = new Promise<void>((resolve) => {
      socketClosed = resolve;
    });
    const api = await startFakeApi((req) => req.socket.once("close", () => socketClosed()));
    const http = new KnockHttp({
      baseUrl: api.url,
      token: "t",
      userAgent: "test",
      timeoutMs: 10_000,
      maxRetries: 2,
    });
    const session = await connect(testConfig(), new KnockClient(http), era);
    try {
      const controller = new AbortController();
      const call = callTool(session, { name: "list_sources", arguments: {} }, { signal: controller.signal });
      while (api.requests.length === 0) await new Promise((r) => setTimeout(r, 10));
      const started = Date.now();
      controller.abort("user pressed stop");
      await expect(call).rejects.toThrow(/stop|abort|cancel/i);
      await closed;
      expect(Date.now() - started).toBeLessThan(1_000);
      // Cancelled, not retried: one request reached the API.
      await new Promise((r) => setTimeout(r, 100));
      expect(api.requests).toHaveLength(1);
    } finally {
      await session.close();
      await http.close();
      await api.close();
    }
  });
});
