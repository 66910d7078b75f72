// Retries, Retry-After, per-attempt timeouts, cancellation and broken bodies, against a real HTTP server.
import { afterEach, describe, expect, it } from "vitest";
import { KnockClient } from "../../src/knock/client.js";
import { KnockHttp } from "../../src/knock/http.js";
import examples from "../fixtures/knock-mapi-sources-examples.json" with { type: "json" };
import { adviceFor } from "../helpers/advice.js";
import { type Handler, json, startFakeApi } from "../helpers/fake-api.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

async function setup(handler: Handler, options: { maxRetries?: number; timeoutMs?: number } = {}) {
  const api = await startFakeApi(handler);
  const http = new KnockHttp({
    baseUrl: api.url,
    token: "knock_st_secret",
    userAgent: "test",
    timeoutMs: options.timeoutMs ?? 2_000,
    maxRetries: options.maxRetries ?? 2,
    backoffBaseMs: 5,
    backoffMaxMs: 20,
  });
  cleanups.push(
    () => api.close(),
    () => http.close(),
  );
  return { api, client: new KnockClient(http) };
}

const unavailable = { code: "unavailable", message: "Service unavailable", status: 503, type: "api_error" };
const sources = examples.SourcesResponse;

describe("retries", () => {
  it("retries a GET on 5xx and succeeds", async () => {
    const { api, client } = await setup((_req, res, i) =>
      i < 2 ? json(res, 503, unavailable) : json(res, 200, sources),
    );
    await expect(client.listSources({})).resolves.toEqual(sources);
    expect(api.requests).toHaveLength(3);
  });

  it("gives up after --max-retries and says how many attempts were made", async () => {
    const { api, client } = await setup((_req, res) => json(res, 502, unavailable), { maxRetries: 2 });
    await expect(client.listSources({})).rejects.toThrow(/HTTP 502.*after 3 attempts/);
    expect(api.requests).toHaveLength(3);
  });

  it("retries 408 and 429, and PUT as well as GET", async () => {
    const { api, client } = await setup((_req, res, i) =>
      i === 0
        ? json(res, 408, {})
        : i === 1
          ? json(res, 429, {})
          : json(res, 200, { source: examples.Source }),
    );
    await client.upsertSource("s", "development", { name: "S" });
    expect(api.requests.map((r) => r.method)).toEqual(["PUT", "PUT", "PUT"]);
  });

  it("retries 409 (Knock's lock timeout) on GET and PUT, but not on the rehearse POST", async () => {
    const locked = { code: "conflict", message: "Lock timeout", status: 409, type: "api_error" };
    // By request: GET locked, GET ok, PUT locked, PUT ok, POST locked.
    const answers: Array<[number, unknown]> = [
      [409, locked],
      [200, sources],
      [409, locked],
      [200, { source: examples.Source }],
      [409, locked],
    ];
    const { api, client } = await setup((_req, res, i) => json(res, ...(answers[i] ?? [500, {}])));
    await expect(client.listSources({})).resolves.toEqual(sources);
    await client.upsertSource("s", "development", { name: "S" });
    await expect(client.rehearseSource("s", "development", { body: {} })).rejects.toThrow(/HTTP 409/);
    expect(api.requests.map((r) => r.method)).toEqual(["GET", "GET", "PUT", "PUT", "POST"]);
  });

  it("never retries the rehearse POST", async () => {
    const { api, client } = await setup((_req, res) => json(res, 503, unavailable));
    await expect(client.rehearseSource("s", "development", { body: {} })).rejects.toThrow(/HTTP 503/);
    expect(api.requests).toHaveLength(1);
  });

  it("does not retry a 4xx such as 404", async () => {
    const { api, client } = await setup((_req, res) => json(res, 404, { code: "resource_missing" }));
    expect(await adviceFor(client.getSource("s", "development"))).toMatch(/no source "s"/);
    expect(api.requests).toHaveLength(1);
  });

  it("waits for a short Retry-After", async () => {
    const { api, client } = await setup((_req, res, i) =>
      i === 0 ? json(res, 429, {}, { "retry-after": "1" }) : json(res, 200, sources),
    );
    const started = Date.now();
    await client.listSources({});
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(api.requests).toHaveLength(2);
  });

  it("does not sleep for an hour-long Retry-After: it fails at once and reports the wait", async () => {
    const { api, client } = await setup((_req, res) => json(res, 429, {}, { "retry-after": "3600" }));
    const started = Date.now();
    expect(await adviceFor(client.listSources({}))).toMatch(/Wait 3600 s/);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(api.requests).toHaveLength(1);
  });
});

describe("redirects", () => {
  it("a 3xx is an error carrying the status and Location; it is neither followed nor retried", async () => {
    // The redirect's own body is valid JSON of the expected shape: it must not become a success.
    const { api, client } = await setup((req, res) =>
      req.url?.startsWith("/elsewhere")
        ? json(res, 200, sources)
        : json(res, 302, { entries: [] }, { location: "/elsewhere/v1/sources" }),
    );
    const error = await client.listSources({}).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 302, location: `${api.url}/elsewhere/v1/sources`, attempts: 1 });
    expect((error as Error).message).not.toMatch(/list_|--|KNOCK_|MCP/);
    expect(api.requests.map((r) => r.url)).toEqual(["/v1/sources"]);
    const advice = await adviceFor(Promise.reject(error));
    expect(advice).toMatch(
      new RegExp(
        `^Knock answered with a redirect to ${api.url}/elsewhere/v1/sources \\(HTTP 302\\); it was not followed\\.`,
      ),
    );
    expect(advice).toMatch(/--base-url \/ KNOCK_MGMT_BASE_URL/);
  });

  it("a redirect to a PUT or the rehearse POST is not followed either, and a missing Location is said", async () => {
    const { api, client } = await setup((_req, res) => {
      res.writeHead(307);
      res.end();
    });
    await expect(client.upsertSource("s", "development", { name: "S" })).rejects.toMatchObject({
      status: 307,
    });
    const advice = await adviceFor(client.rehearseSource("s", "development", { body: {} }));
    expect(advice).toMatch(/redirect \(HTTP 307, no Location\); it was not followed/);
    expect(api.requests.map((r) => r.method)).toEqual(["PUT", "POST"]);
  });
});

describe("timeouts and cancellation", () => {
  it("a server that never answers times out per attempt, and each attempt is retried", async () => {
    const { api, client } = await setup(() => {}, { timeoutMs: 200, maxRetries: 1 });
    const started = Date.now();
    expect(await adviceFor(client.listSources({}))).toMatch(
      /did not answer within 200 ms \(2 attempts\).*--timeout-ms/,
    );
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(api.requests).toHaveLength(2);
  });

  it("a rehearse POST that times out is not retried, and the advice is to look before rehearsing again", async () => {
    const { api, client } = await setup(() => {}, { timeoutMs: 200, maxRetries: 2 });
    const advice = await adviceFor(client.rehearseSource("s", "development", { body: {} }));
    expect(advice).toMatch(/within 200 ms\. It may have been recorded anyway: check list_source_logs/);
    expect(advice).not.toMatch(/Try again/);
    expect(api.requests).toHaveLength(1);
  });

  it("a body that trickles past the deadline times out too", async () => {
    const { client } = await setup(
      (_req, res) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.write('{"entries": [');
        const timer = setInterval(() => res.write(" "), 50);
        res.on("close", () => clearInterval(timer));
      },
      { timeoutMs: 300, maxRetries: 0 },
    );
    await expect(client.listSources({})).rejects.toThrow(/did not answer within 300 ms/);
  });

  it("the caller's AbortSignal aborts the HTTP request at once and is not retried", async () => {
    let closed = false;
    const { api, client } = await setup((req) => req.socket.on("close", () => (closed = true)));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    await expect(client.listSources({}, controller.signal)).rejects.toThrow(/cancelled/);
    expect(Date.now() - started).toBeLessThan(1_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(closed).toBe(true);
    expect(api.requests).toHaveLength(1);
  });

  it("a connection reset mid-body is retried for a GET", async () => {
    const { api, client } = await setup((_req, res, i) => {
      if (i > 0) return json(res, 200, sources);
      res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
      res.write('{"entries": [');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    await expect(client.listSources({})).resolves.toEqual(sources);
    expect(api.requests).toHaveLength(2);
  });

  it("an unreachable base URL names the URL and the setting", async () => {
    const { api, client } = await setup(() => {});
    const url = api.url;
    await api.close();
    expect(await adviceFor(client.listSources({}))).toMatch(
      new RegExp(
        `Could not reach Knock at ${url.replace(/\./g, "\\.")} \\(ECONNREFUSED, 3 attempts\\).*KNOCK_MGMT_BASE_URL`,
      ),
    );
  });

  it("refuses a response larger than the limit without buffering it", async () => {
    const chunk = Buffer.alloc(1024 * 1024, "a");
    const { client } = await setup((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      let sent = 0;
      const pump = () => {
        while (sent < 20 && res.write(chunk)) sent++;
        if (sent < 20) res.once("drain", pump);
        else res.end();
      };
      pump();
    });
    expect(await adviceFor(client.listSources({}))).toMatch(/larger than 10 MB/);
  });
});
