// A fake Knock reached through undici's MockAgent: records every request the client makes and answers
// from a queue (or a default). Passed to the client as its dispatcher; no socket is opened.
import { MockAgent } from "undici";
import { KnockClient } from "../../src/knock/client.js";
import { KnockHttp } from "../../src/knock/http.js";

export const BASE_URL = "https://control.knock.app";
export const TOKEN = "knock_st_test_0123456789abcdef";

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
}

export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export function mockKnock(options: { maxRetries?: number } = {}) {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const requests: RecordedRequest[] = [];
  const queue: Reply[] = [];
  let fallback: Reply | ((request: RecordedRequest) => Reply) = { status: 200, body: {} };

  agent
    .get(BASE_URL)
    .intercept({ path: () => true, method: () => true })
    .reply((opts) => {
      const request = {
        method: opts.method,
        path: opts.path,
        headers: normaliseHeaders(opts.headers),
        body: typeof opts.body === "string" ? JSON.parse(opts.body) : undefined,
      };
      requests.push(request);
      const next = queue.shift() ?? (typeof fallback === "function" ? fallback(request) : fallback);
      const data = typeof next.body === "string" ? next.body : JSON.stringify(next.body);
      return {
        statusCode: next.status,
        data,
        responseOptions: { headers: { "content-type": "application/json", ...next.headers } },
      };
    })
    .persist();

  const http = new KnockHttp({
    baseUrl: BASE_URL,
    token: TOKEN,
    userAgent: "knock-sources-mcp/test",
    timeoutMs: 2_000,
    maxRetries: options.maxRetries ?? 0,
    dispatcher: agent,
    backoffBaseMs: 1,
    backoffMaxMs: 2,
  });
  return {
    agent,
    http,
    client: new KnockClient(http),
    requests,
    /** Answer the next request(s) with these, in order. */
    enqueue: (...replies: Reply[]) => queue.push(...replies),
    /** Replies enqueued but never asked for: a test that leaves some expected more requests. */
    pendingReplies: () => queue.length,
    /** Answer every request not covered by the queue with this, or with what it returns for the request. */
    always: (reply: Reply | ((request: RecordedRequest) => Reply)) => {
      fallback = reply;
    },
  };
}

function normaliseHeaders(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(headers)) {
    for (let i = 0; i < headers.length; i += 2)
      out[String(headers[i]).toLowerCase()] = String(headers[i + 1]);
  } else if (headers && typeof headers === "object") {
    for (const [k, v] of Object.entries(headers)) out[k.toLowerCase()] = String(v);
  }
  return out;
}
