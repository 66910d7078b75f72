// Issue 12, finding 3: who may talk to the sandbox's HTTP API. It once answered any Host, so a web page whose
// name was rebound to 127.0.0.1 could upsert a script returning ctx.vars, rehearse it and read a user's signing
// secrets back from the log; and the embedded sandbox accepted a fixed, published token.
import { request } from "node:http";
import { connect as connectSocket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SandboxHandle, startSandbox } from "../../src/sandbox/index.js";
import { spawnServer } from "../helpers/spawn.js";

interface Answer {
  status: number;
  body: any;
}

function call(
  url: string,
  method: string,
  path: string,
  options: { host?: string; token?: string | null; body?: unknown } = {},
): Promise<Answer> {
  const target = new URL(path, url);
  const text = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      {
        method,
        headers: {
          ...(options.host === undefined ? {} : { host: options.host }),
          ...(options.token === null ? {} : { authorization: `Bearer ${options.token ?? "any-token"}` }),
          ...(text === undefined ? {} : { "content-type": "application/json" }),
        },
      },
      (res) => {
        let data = "";
        res.on("data", (chunk: Buffer) => {
          data += chunk.toString("utf8");
        });
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: data ? JSON.parse(data) : undefined }),
        );
      },
    );
    req.on("error", reject);
    req.end(text);
  });
}

const STEAL_VARS = {
  name: "Stolen",
  settings: { preprocess_script: "function main(ctx) { return ctx.vars; }" },
};

describe("the sandbox answers only requests addressed to it", () => {
  let sandbox: SandboxHandle;
  beforeAll(async () => {
    sandbox = await startSandbox({ vars: { STRIPE_WEBHOOK_SECRET: "whsec_users_real_secret" } });
  });
  afterAll(() => sandbox.close());

  it("refuses a rebound Host with 403 on GET, PUT and POST, and changes nothing", async () => {
    const host = "evil.example.com";
    const before = await call(sandbox.url, "GET", "/v1/sources?environment=development");
    const logsBefore = await call(sandbox.url, "GET", "/v1/sources/stripe/logs?environment=development");
    expect(before.status).toBe(200);

    const get = await call(sandbox.url, "GET", "/v1/sources", { host });
    const put = await call(sandbox.url, "PUT", "/v1/sources/stolen?environment=development", {
      host,
      body: { source: STEAL_VARS },
    });
    const post = await call(sandbox.url, "POST", "/v1/sources/stripe/rehearse?environment=development", {
      host,
      body: { payload: { body: { type: "x" }, headers: {} } },
    });
    for (const answer of [get, put, post]) {
      expect(answer.status).toBe(403);
      expect(answer.body.code).toBe("forbidden_host");
      expect(answer.body.message).toContain("evil.example.com");
      expect(JSON.stringify(answer.body)).not.toContain("whsec_users_real_secret");
    }

    expect((await call(sandbox.url, "GET", "/v1/sources/stolen?environment=development")).status).toBe(404);
    expect(await call(sandbox.url, "GET", "/v1/sources?environment=development")).toEqual(before);
    expect(await call(sandbox.url, "GET", "/v1/sources/stripe/logs?environment=development")).toEqual(
      logsBefore,
    );
  });

  it("refuses a loopback name with another port, and a name that only starts like one", async () => {
    for (const host of [
      `127.0.0.1:${sandbox.port + 1}`,
      "127.0.0.1",
      `127.0.0.1.evil.example.com:${sandbox.port}`,
      `localhost.evil.example.com:${sandbox.port}`,
    ]) {
      expect((await call(sandbox.url, "GET", "/v1/sources", { host })).status, host).toBe(403);
    }
  });

  it("accepts 127.0.0.1, localhost and [::1] with its port, in any case", async () => {
    for (const host of [`127.0.0.1:${sandbox.port}`, `LocalHost:${sandbox.port}`, `[::1]:${sandbox.port}`]) {
      expect((await call(sandbox.url, "GET", "/v1/sources", { host })).status, host).toBe(200);
    }
  });

  it("refuses a request with no Host at all", async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connectSocket(sandbox.port, "127.0.0.1", () => {
        socket.write("GET /v1/sources HTTP/1.0\r\nAuthorization: Bearer any\r\n\r\n");
      });
      let data = "";
      socket.on("data", (chunk) => {
        data += chunk.toString("utf8");
      });
      socket.on("end", () => resolve(data));
      socket.on("error", reject);
    });
    expect(answer.split("\r\n")[0]).toMatch(/^HTTP\/1\.[01] 403 /);
  });

  it("still accepts any bearer token when started without one (sandbox-server)", async () => {
    expect((await call(sandbox.url, "GET", "/v1/sources", { token: "whatever-i-like" })).status).toBe(200);
    expect((await call(sandbox.url, "GET", "/v1/sources", { token: null })).status).toBe(401);
  });
});

describe("a sandbox started with its own token", () => {
  let sandbox: SandboxHandle;
  beforeAll(async () => {
    sandbox = await startSandbox({ token: "per-run-token-abc" });
  });
  afterAll(() => sandbox.close());

  it("accepts that token only", async () => {
    expect((await call(sandbox.url, "GET", "/v1/sources", { token: "per-run-token-abc" })).status).toBe(200);
    for (const token of ["per-run-token-abd", "per-run-token-ab", "knock-sources-mcp-sandbox-token"]) {
      const answer = await call(sandbox.url, "PUT", "/v1/sources/x?environment=development", {
        token,
        body: { source: { name: "X" } },
      });
      expect(answer.status, token).toBe(401);
    }
    expect(
      (
        await call(sandbox.url, "GET", "/v1/sources/x?environment=development", {
          token: "per-run-token-abc",
        })
      ).status,
    ).toBe(404);
  });
});

describe("the embedded --sandbox", () => {
  it("uses a random token per run, so a guessed or published one is refused", async () => {
    const urls: string[] = [];
    for (let run = 0; run < 2; run++) {
      const server = spawnServer(["--sandbox"]);
      try {
        await server.initialize();
        const listed = await server.request("tools/call", { name: "list_sources", arguments: {} });
        expect(listed.result?.isError).not.toBe(true);
        const url = /local sandbox at (http:\/\/[^\s;]+)/.exec(server.stderr())?.[1];
        expect(url).toBeDefined();
        urls.push(url as string);
        // The token this project used to publish, and any other guess, are refused.
        for (const token of ["knock-sources-mcp-sandbox-token", "sandbox", "x"]) {
          expect((await call(url as string, "GET", "/v1/sources", { token })).status, token).toBe(401);
        }
        expect(server.stderr()).not.toMatch(/knock-sources-mcp-sandbox-[A-Za-z0-9_-]{8,}/);
      } finally {
        server.child.kill();
        await server.exited;
      }
    }
    expect(urls).toHaveLength(2);
  });
});
