// The end of a drain: a request still running when the grace period is over is told so, with a 503 (or,
// once its stream has begun, an error on that stream), rather than cut off without a word.
import { describe, expect, it, vi } from "vitest";
import { KnockClient } from "../../src/knock/client.js";
import { KnockHttp } from "../../src/knock/http.js";
import { serveHttp } from "../../src/mcp/http.js";
import { startFakeApi } from "../helpers/fake-api.js";
import { httpClient } from "../helpers/http-server.js";
import { ERAS, testConfig } from "../helpers/mcp.js";

describe.each(ERAS)("%s", (era) => {
  it("a request that outlives the drain's grace gets an answer that says the replica shut down", async () => {
    let held = 0;
    const api = await startFakeApi(() => {
      held += 1;
    });
    const https: KnockHttp[] = [];
    const serving = await serveHttp({
      config: {
        ...testConfig({ baseUrl: api.url }),
        http: { port: 0, host: "127.0.0.1", allowedHosts: [], maxConcurrency: 8, requestTimeoutMs: 60_000 },
      },
      clientFor: (token) => {
        const http = new KnockHttp({
          baseUrl: api.url,
          token,
          userAgent: "test",
          timeoutMs: 30_000,
          maxRetries: 0,
        });
        https.push(http);
        return new KnockClient(http);
      },
    });
    const client = await httpClient(serving.url, era, "knock_st_drain");
    try {
      const call = client.callTool({ name: "get_source", arguments: { key: "stripe" } });
      await vi.waitFor(() => expect(held).toBe(1));
      const started = Date.now();
      await serving.drain(300);
      expect(Date.now() - started).toBeLessThan(3_000);
      await expect(call).rejects.toThrow(/shut down before the request finished|503/);
    } finally {
      await client.close().catch(() => undefined);
      for (const http of https) await http.close();
      await api.close();
    }
  });
});
