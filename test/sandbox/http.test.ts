import type { IncomingMessage, ServerResponse } from "node:http";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createRequestListener } from "../../src/sandbox/http.js";
import { type Client, expectKnockError, withSandbox } from "./helpers.js";

let client: Client;
let close: () => Promise<void>;
beforeAll(async () => ({ client, close } = await withSandbox()));
afterAll(() => close());

describe("sandbox HTTP layer", () => {
  it("answers JSON with a request id", async () => {
    const a = await client.get("/v1/sources");
    const b = await client.get("/v1/sources");
    expect(a.status).toBe(200);
    expect(a.headers.get("content-type")).toBe("application/json");
    expect(a.headers.get("x-request-id")).toMatch(/^req_[A-Za-z0-9]+$/);
    expect(a.headers.get("x-request-id")).not.toBe(b.headers.get("x-request-id"));
  });

  it("requires a non-empty bearer token", async () => {
    for (const token of [null, "", "   "]) {
      const res = await client.request("GET", "/v1/sources", { token });
      expectKnockError(res, 401, "unauthorized");
      expect(res.json.type).toBe("authentication_error");
    }
    const basic = await fetch(`${client.sandbox.url}/v1/sources`, {
      headers: { authorization: "Basic abc" },
    });
    expect(basic.status).toBe(401);
  });

  it("404s unknown routes and 405s wrong methods", async () => {
    expectKnockError(await client.get("/v1/nope"), 404, "resource_missing");
    expectKnockError(await client.get("/v2/sources"), 404, "resource_missing");
    expectKnockError(await client.get("/v1/sources/stripe/bogus"), 404, "resource_missing");
    const res = await client.request("DELETE", "/v1/sources/stripe?environment=development");
    expectKnockError(res, 405, "method_not_allowed");
    expect(res.headers.get("allow")).toBe("GET, PUT");
    expectKnockError(await client.post("/v1/sources", {}), 405, "method_not_allowed");
  });

  it("rejects malformed JSON with 400 invalid_json", async () => {
    const res = await client.request("PUT", "/v1/sources/x?environment=development", { rawBody: "{nope" });
    expectKnockError(res, 400, "invalid_json");
    expect(res.json.type).toBe("invalid_request_error");
  });

  it("rejects bodies over 1 MB with 413 and keeps serving", async () => {
    const big = JSON.stringify({ payload: { body: { blob: "x".repeat(1024 * 1024 + 10) } } });
    const res = await client.request("POST", "/v1/sources/stripe/rehearse?environment=development", {
      rawBody: big,
    });
    expectKnockError(res, 413, "request_too_large");
    expect((await client.get("/v1/sources")).status).toBe(200);
  });

  it("percent-decodes path segments", async () => {
    const put = await client.put("/v1/sources/my%20source?environment=development", {
      source: { name: "Spaced" },
    });
    expect(put.status).toBe(200);
    expect(put.json.source.key).toBe("my source");
    const got = await client.get(`/v1/sources/${encodeURIComponent("my source")}?environment=development`);
    expect(got.json.name).toBe("Spaced");
  });

  it("answers 500 to an unexpected error and logs it to stderr without any bearer token", async () => {
    const leak = "knock_st_must_not_be_logged";
    const stderr = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      const req = Object.assign(new PassThrough(), {
        headers: { authorization: `Bearer ${leak}` },
        method: "GET",
        url: "/v1/sources",
      });
      let status = 0;
      let sent = "";
      const done = new Promise<void>((resolve) => {
        const res = {
          writeHead: (code: number) => {
            status = code;
          },
          end: (text: string) => {
            sent = text;
            resolve();
          },
        };
        // Neither the store nor the config is reached: reading the body fails first.
        createRequestListener({} as never, {} as never)(
          req as unknown as IncomingMessage,
          res as unknown as ServerResponse,
        );
      });
      const failure = Object.assign(new Error(`socket broke after Authorization: Bearer ${leak}`), {
        rawPacket: Buffer.from(`GET /v1/sources HTTP/1.1\r\nAuthorization: Bearer ${leak}\r\n`),
      });
      req.emit("error", failure);
      await done;
      expect(status).toBe(500);
      expect(JSON.parse(sent)).toMatchObject({ code: "internal_error" });
      expect(stderr).toHaveBeenCalledTimes(1);
      const logged = stderr.mock.calls[0]?.map((arg) => (typeof arg === "string" ? arg : String(arg))) ?? [];
      expect(logged.join(" ")).not.toContain(leak);
      // Text only: an object argument would be inspected, own properties (rawPacket) and all.
      expect(stderr.mock.calls.flat().every((arg) => typeof arg === "string")).toBe(true);
      expect(logged.join(" ")).toContain("knock sandbox: unexpected error: Error: socket broke");
    } finally {
      stderr.mockRestore();
    }
  });
});
