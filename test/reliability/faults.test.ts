// Faults of the network and of whatever answers on the other side, through the MCP tools: each ends in a
// clear isError (or a success after retries) within a bounded time, and the next call still works; for a
// host of either protocol era.
import type { ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { type Handler, json } from "../helpers/fake-api.js";
import { ERAS } from "../helpers/mcp.js";
import { answerOk, examples, faultSession, textOf } from "./helpers.js";

type Session = Awaited<ReturnType<typeof faultSession>>;
describe.each(ERAS)("%s", (era) => {
  let session: Session | undefined;
  afterEach(async () => {
    await session?.close();
    session = undefined;
  });

  const TIMEOUT_MS = 250;
  const unavailable = { code: "unavailable", message: "Service unavailable", status: 503, type: "api_error" };
  const limited = { code: "rate_limited", message: "Too many requests", status: 429, type: "api_error" };

  /** Runs one call under `fault`, returns its result and how long it took. */
  async function underFault(
    fault: Handler,
    name: string,
    args: Record<string, unknown>,
    options: { timeoutMs?: number } = {},
  ) {
    session = await faultSession(fault, { era, timeoutMs: options.timeoutMs ?? TIMEOUT_MS, maxRetries: 2 });
    const started = performance.now();
    const result = await session.call(name, args);
    return { result, elapsed: performance.now() - started, api: session.api, text: textOf(result) };
  }

  /** After the fault, the same session answers a normal call with the documented body. */
  async function nextCallWorks() {
    if (!session) throw new Error("no session");
    session.setHandler(answerOk);
    const before = session.api.requests.length;
    const started = performance.now();
    const result = await session.call("get_source", { key: "after-fault" });
    expect(result.isError).toBeUndefined();
    expect(result.structuredContent).toEqual(examples.Source);
    expect(session.api.requests.slice(before).map((r) => r.url)).toEqual([
      "/v1/sources/after-fault?environment=development",
    ]);
    expect(performance.now() - started).toBeLessThan(1_000);
  }

  function expectError(result: { isError?: unknown }, text: string) {
    expect(result.isError).toBe(true);
    expect(text.length).toBeGreaterThan(20);
    expect(text).not.toMatch(/failed unexpectedly|\n\s+at /);
  }

  function streamBytes(res: ServerResponse, total: number, onDone: (sent: number) => void) {
    const chunk = Buffer.alloc(64 * 1024, " ");
    let sent = 0;
    res.writeHead(200, { "content-type": "application/json" });
    res.write("[");
    sent += 1;
    res.on("close", () => onDone(sent));
    const pump = () => {
      while (sent < total) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once("drain", pump);
      }
      res.end("]");
    };
    pump();
  }

  describe("rate limiting", () => {
    it("a 429 storm without Retry-After: three attempts with short backoff, then isError", async () => {
      const { result, elapsed, api, text } = await underFault(
        (_q, res) => json(res, 429, limited),
        "list_sources",
        {},
      );
      expectError(result, text);
      expect(text).toMatch(/rate-limiting.*after 3 attempts.*Wait a few seconds/);
      expect(api.requests).toHaveLength(3);
      expect(elapsed).toBeLessThan(1_000);
      await nextCallWorks();
    });

    it("a 429 storm with Retry-After: 1 waits one second per retry, then isError", async () => {
      const { result, elapsed, api, text } = await underFault(
        (_q, res) => json(res, 429, limited, { "retry-after": "1" }),
        "get_source",
        { key: "stripe" },
      );
      expectError(result, text);
      expect(text).toMatch(/rate-limiting.*after 3 attempts.*Wait 1 s/);
      expect(api.requests).toHaveLength(3);
      expect(elapsed).toBeGreaterThanOrEqual(1_900);
      expect(elapsed).toBeLessThan(3_500);
      await nextCallWorks();
    });

    it("Retry-After: 3600 fails at once, reporting the wait, without sleeping", async () => {
      const { result, elapsed, api, text } = await underFault(
        (_q, res) => json(res, 429, limited, { "retry-after": "3600" }),
        "list_source_events",
        { key: "stripe" },
      );
      expectError(result, text);
      expect(text).toMatch(/Wait 3600 s/);
      expect(api.requests).toHaveLength(1);
      expect(elapsed).toBeLessThan(500);
      await nextCallWorks();
    });

    it("Retry-After as an HTTP date an hour away also fails at once", async () => {
      const later = new Date(Date.now() + 3_600_000).toUTCString();
      const { result, elapsed, api, text } = await underFault(
        (_q, res) => json(res, 429, limited, { "retry-after": later }),
        "list_sources",
        {},
      );
      expectError(result, text);
      expect(text).toMatch(/Wait 3[56]\d\d s/);
      expect(api.requests).toHaveLength(1);
      expect(elapsed).toBeLessThan(500);
      await nextCallWorks();
    });
  });

  describe("server errors", () => {
    it("a 5xx burst then success: the call succeeds after retries", async () => {
      const { result, elapsed, api } = await underFault(
        (_q, res, i) => (i < 2 ? json(res, i === 0 ? 503 : 500, unavailable) : answerOk(_q, res)),
        "get_source_status",
        { key: "stripe" },
      );
      expect(result.isError).toBeUndefined();
      expect(result.structuredContent).toEqual(examples.SourceStatusResponse);
      expect(api.requests).toHaveLength(3);
      expect(elapsed).toBeLessThan(1_000);
      await nextCallWorks();
    });

    it("5xx forever: isError after three attempts, saying it is temporary", async () => {
      const { result, elapsed, api, text } = await underFault(
        (_q, res) => json(res, 503, unavailable),
        "upsert_source",
        { key: "stripe", name: "Stripe" },
      );
      expectError(result, text);
      expect(text).toMatch(/server error \(HTTP 503 unavailable: Service unavailable\) after 3 attempts/);
      expect(api.requests.map((r) => r.method)).toEqual(["PUT", "PUT", "PUT"]);
      expect(elapsed).toBeLessThan(1_000);
      await nextCallWorks();
    });

    it("the rehearse POST is not retried on a 5xx", async () => {
      const { result, api, text } = await underFault(
        (_q, res) => json(res, 503, unavailable),
        "rehearse_source_event",
        { key: "stripe", payload: { body: {} } },
      );
      expectError(result, text);
      expect(text).toMatch(/HTTP 503/);
      expect(api.requests).toHaveLength(1);
      await nextCallWorks();
    });

    it("a 502 HTML page from a proxy gives a short message, not the page", async () => {
      const page = `<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>${"<p>upstream error</p>".repeat(3_000)}<footer>END-OF-PROXY-PAGE</footer></body></html>`;
      const { result, elapsed, api, text } = await underFault(
        (_q, res) => {
          res.writeHead(502, { "content-type": "text/html" });
          res.end(page);
        },
        "list_source_logs",
        { key: "stripe" },
      );
      expectError(result, text);
      expect(text).toMatch(/HTTP 502/);
      expect(text.length).toBeLessThan(800);
      expect(text).not.toContain("END-OF-PROXY-PAGE");
      expect(api.requests).toHaveLength(3);
      expect(elapsed).toBeLessThan(1_000);
      await nextCallWorks();
    });
  });

  describe("broken connections and slowness", () => {
    const resetMidBody: Handler = (_q, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
      res.write('{"entries": [{"key": "a"');
      setTimeout(() => res.socket?.destroy(), 10);
    };

    it("a connection reset mid-body, every time: isError naming the base URL", async () => {
      const { result, elapsed, api, text } = await underFault(resetMidBody, "list_sources", {});
      expectError(result, text);
      expect(text).toContain(api.url);
      expect(text).toMatch(/KNOCK_MGMT_BASE_URL/);
      expect(api.requests).toHaveLength(3);
      expect(elapsed).toBeLessThan(1_000);
      await nextCallWorks();
    });

    it("a connection reset mid-body once: the GET is retried and succeeds", async () => {
      const { result, api } = await underFault(
        (q, res, i) => (i === 0 ? resetMidBody(q, res, i) : answerOk(q, res)),
        "list_source_providers",
        {},
      );
      expect(result.isError).toBeUndefined();
      expect(result.structuredContent).toEqual(examples.SourceProvidersResponse);
      expect(api.requests).toHaveLength(2);
      await nextCallWorks();
    });

    it("a connection dropped before any header: retried and succeeds", async () => {
      const { result, api } = await underFault(
        (q, res, i) => (i === 0 ? res.socket?.destroy() : answerOk(q, res)),
        "get_source_provider",
        { key: "segment" },
      );
      expect(result.isError).toBeUndefined();
      expect(result.structuredContent).toEqual(examples.SourceProviderResponse);
      expect(api.requests).toHaveLength(2);
      await nextCallWorks();
    });

    it("headers slower than the timeout: each attempt ends at the deadline, then isError", async () => {
      const { result, elapsed, api, text } = await underFault(() => {}, "get_source", { key: "stripe" });
      expectError(result, text);
      expect(text).toMatch(new RegExp(`did not answer within ${TIMEOUT_MS} ms \\(3 attempts\\)`));
      expect(api.requests).toHaveLength(3);
      expect(elapsed).toBeGreaterThanOrEqual(3 * TIMEOUT_MS - 30);
      expect(elapsed).toBeLessThan(3 * TIMEOUT_MS + 600);
      await nextCallWorks();
    });

    it("a body that trickles past the deadline (never idle long enough for an idle timer) times out", async () => {
      const { result, elapsed, api, text } = await underFault(
        (_q, res) => {
          res.writeHead(200, { "content-type": "application/json" });
          res.write('{"entries": [');
          const timer = setInterval(() => res.write(" "), 40);
          res.on("close", () => clearInterval(timer));
        },
        "list_sources",
        {},
      );
      expectError(result, text);
      expect(text).toMatch(/did not answer within 250 ms \(3 attempts\)/);
      expect(api.requests).toHaveLength(3);
      expect(elapsed).toBeLessThan(3 * TIMEOUT_MS + 600);
      await nextCallWorks();
    });
  });

  describe("bodies that cannot be used", () => {
    it("truncated JSON in a 200: isError saying so, not retried", async () => {
      const { result, api, text } = await underFault(
        (_q, res) => {
          res.writeHead(200, { "content-type": "application/json" });
          res.end('{"entries": [{"key": "webhook", "name": "Web');
        },
        "list_sources",
        {},
      );
      expectError(result, text);
      expect(text).toMatch(/HTTP 200 with a body that is not valid JSON \(application\/json/);
      expect(api.requests).toHaveLength(1);
      await nextCallWorks();
    });

    it("a non-JSON 200: isError naming the content type", async () => {
      const { result, api, text } = await underFault(
        (_q, res) => {
          res.writeHead(200, { "content-type": "text/plain" });
          res.end("OK");
        },
        "get_source",
        { key: "stripe" },
      );
      expectError(result, text);
      expect(text).toMatch(/not valid JSON \(text\/plain, 2 characters, starting "OK"\)/);
      expect(api.requests).toHaveLength(1);
      await nextCallWorks();
    });

    it("a 20 MB response is refused once past the limit, in bounded time, without reading it all", async () => {
      const total = 20 * 1024 * 1024;
      let sentWhenClosed = -1;
      const heapBefore = process.memoryUsage().heapUsed;
      const { result, elapsed, api, text } = await underFault(
        (_q, res) =>
          streamBytes(res, total, (sent) => {
            sentWhenClosed = sent;
          }),
        "get_source",
        { key: "stripe" },
        { timeoutMs: 10_000 },
      );
      expectError(result, text);
      expect(text).toMatch(/larger than 10 MB, so it was not read/);
      expect(api.requests).toHaveLength(1);
      expect(elapsed).toBeLessThan(5_000);
      // The server saw its connection closed before it could send the whole body.
      for (let i = 0; i < 50 && sentWhenClosed < 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(sentWhenClosed).toBeGreaterThan(0);
      expect(sentWhenClosed).toBeLessThan(total);
      // Loose: at most a few copies of the 10 MB limit are alive, never the 20 MB answer many times over.
      expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(120 * 1024 * 1024);
      await nextCallWorks();
    });

    it("a page of logs over the 10 MB limit is asked for again with half the limit until it fits", async () => {
      const limits: Array<string | null> = [];
      const { result, api } = await underFault(
        (req, res) => {
          const limit = new URL(req.url ?? "/", "http://x").searchParams.get("limit");
          limits.push(limit);
          if (limit === null || Number(limit) > 12)
            return streamBytes(res, 11 * 1024 * 1024, () => undefined);
          json(res, 200, examples.SourceLogsResponse);
        },
        "list_source_logs",
        { key: "stripe" },
        { timeoutMs: 10_000 },
      );
      expect(result.isError).toBeUndefined();
      expect(result.structuredContent).toEqual(examples.SourceLogsResponse);
      // Knock's default page (50) was too large, then 25; 12 fits. A page limit is never retried as a fault.
      expect(limits).toEqual([null, "25", "12"]);
      expect(api.requests).toHaveLength(3);
    });

    it("a log page that stays over the limit down to one log ends in the too-large advice, in bounded calls", async () => {
      const { result, api, text } = await underFault(
        (_req, res) => streamBytes(res, 11 * 1024 * 1024, () => undefined),
        "list_source_logs",
        { key: "stripe", limit: 8 },
        { timeoutMs: 10_000 },
      );
      expectError(result, text);
      expect(text).toMatch(/larger than 10 MB, so it was not read/);
      // 8, 4, 2, 1.
      expect(api.requests).toHaveLength(4);
    });

    it("a 200 whose JSON lacks required fields: isError naming the field, not retried", async () => {
      const { result, api, text } = await underFault(
        (_q, res) => json(res, 200, { key: "stripe", name: "Stripe" }),
        "get_source",
        { key: "stripe" },
      );
      expectError(result, text);
      expect(text).toMatch(/did not have the documented shape \(environment_settings: /);
      expect(text).toMatch(/KNOCK_MGMT_BASE_URL/);
      expect(api.requests).toHaveLength(1);
      await nextCallWorks();
    });

    it("a 200 with JSON of the wrong kind (an array) for a list: isError, not a crash", async () => {
      const { result, text } = await underFault((_q, res) => json(res, 200, [1, 2, 3]), "list_sources", {});
      expectError(result, text);
      expect(text).toMatch(/documented shape/);
      await nextCallWorks();
    });
  });
});
