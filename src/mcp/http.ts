// MCP over Streamable HTTP for teams: stateless, so any replica answers any request. The SDK's handler
// (createMcpHandler) serves both eras from the same factory as stdio, one instance per request; around it
// sit what a deployment needs: the caller's own Knock token per request, Host/Origin checks against DNS
// rebinding, a body limit, a deadline, a bound on requests in flight, /healthz, draining on shutdown and
// one access-log line per request. Live logs (subscriptions/listen) are held by the replica that serves
// the stream, polling Knock with that caller's token (http-live-logs.ts).
import { createHash } from "node:crypto";
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import {
  type AuthInfo,
  createMcpHandler,
  localhostAllowedHostnames,
  type McpRequestContext,
  validateHostHeader,
  validateOriginHeader,
} from "@modelcontextprotocol/server";
import type { Config, HttpConfig } from "../config.js";
import type { KnockClient } from "../knock/client.js";
import { logJson, logWarning } from "../shared/log.js";
import { LiveLogStreams } from "./http-live-logs.js";
import { urisOf } from "./listen.js";
import type { RequestScope } from "./request-scope.js";
import { createServer } from "./server.js";

/** The body limit of one request; the SDK's handler applies the same bound. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface HttpDeps {
  config: Config & { http: HttpConfig };
  /** A Knock client that calls with this token, for one request (or one listen stream). */
  clientFor(token: string): KnockClient;
  /** In --sandbox mode: the token the embedded sandbox is called with, whatever a caller sends. */
  sandboxToken?: string | undefined;
}

export interface HttpServing {
  url: string;
  /** Stops accepting, lets requests in flight finish within `graceMs`, ends listen streams gracefully. */
  drain(graceMs: number): Promise<void>;
}

type Caller = { token: string; key: string };

export async function serveHttp(deps: HttpDeps): Promise<HttpServing> {
  const { config } = deps;
  const settings = config.http;
  const allowed = [...localhostAllowedHostnames(), ...settings.allowedHosts];
  const live = new LiveLogStreams(config);

  // One instance per request, with the caller's token and nothing else of theirs kept past it.
  const factory = ({ era, authInfo }: McpRequestContext) => {
    const caller = callerOf(authInfo);
    return createServer(
      { ...config, serviceToken: caller.token },
      {
        client: deps.clientFor(caller.token),
        announceCatalogChange: () => live.listChanged(caller.key),
        statelessLegacy: true,
        // The one request this instance serves was read before it was built (see serve()).
        scope: authInfo?.extra?.scope as RequestScope | undefined,
      },
      era,
    );
  };
  const onerror = (error: Error) => logWarning(`http: ${error.message}`);
  const handler = createMcpHandler(factory, {
    legacy: "stateless",
    onerror,
    maxRequestBodySize: MAX_BODY_BYTES,
  });

  let inFlight = 0;
  let draining = false;
  const idle = new Set<() => void>();
  // How to stop each request in flight with an answer, for a drain whose grace runs out.
  const stoppers = new Set<(status: number, message: string) => void>();

  const server = createHttpServer((req, res) => {
    const started = performance.now();
    const entry: Record<string, unknown> = { method: req.method, path: pathOf(req.url) };
    res.once("close", () => {
      // Never the token or the arguments: what was asked, how it ended, how long it took.
      logJson({
        access: { ...entry, status: res.statusCode, ms: Math.round((performance.now() - started) * 10) / 10 },
      });
    });
    serve(req, res, entry).catch((error: unknown) => {
      onerror(error instanceof Error ? error : new Error(String(error)));
      if (!res.headersSent) reply(res, 500, rpcError(-32603, "Internal error"));
      else res.destroy();
    });
  });

  async function serve(req: IncomingMessage, res: ServerResponse, entry: Record<string, unknown>) {
    const path = entry.path;
    if (path === "/healthz") {
      if (req.method !== "GET" && req.method !== "HEAD") return reply(res, 405, { error: "GET /healthz" });
      return reply(res, draining ? 503 : 200, { status: draining ? "draining" : "serving" });
    }
    if (path !== "/mcp") return reply(res, 404, rpcError(-32000, "Not found: the MCP endpoint is /mcp."));

    const host = validateHostHeader(req.headers.host, allowed);
    if (!host.ok) {
      return reply(
        res,
        403,
        rpcError(
          -32000,
          `${host.message}. This server answers only for ${allowed.join(", ")} (--allowed-hosts).`,
        ),
      );
    }
    const origin = validateOriginHeader(req.headers.origin, allowed);
    if (!origin.ok) return reply(res, 403, rpcError(-32000, `${origin.message}: not an allowed origin.`));
    if (draining) {
      return reply(res, 503, rpcError(-32000, "This replica is shutting down; send the request again."), {
        "retry-after": "1",
        connection: "close",
      });
    }

    const caller = authenticate(req.headers.authorization);
    if (!caller) {
      return reply(
        res,
        401,
        rpcError(
          -32001,
          "No Knock service token: send yours with every request as `Authorization: Bearer knock_st_…` " +
            "(Knock dashboard → Developers → Service tokens). This server does not lend a token of its own.",
        ),
        { "www-authenticate": 'Bearer realm="knock-sources-mcp"' },
      );
    }
    if (inFlight >= settings.maxConcurrency) {
      return reply(
        res,
        503,
        rpcError(-32000, "Too many requests in flight on this replica; retry shortly."),
        {
          "retry-after": "1",
        },
      );
    }

    inFlight += 1;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      inFlight -= 1;
      if (inFlight === 0) for (const wake of idle) wake();
    };
    res.once("close", release);

    const body = await readBody(req);
    if (body === "too-large") {
      return reply(res, 413, rpcError(-32000, `The request body is larger than ${MAX_BODY_BYTES} bytes.`), {
        connection: "close",
      });
    }
    const parsed = parseMessage(body);
    if (parsed?.method) entry.mcp = parsed.method;
    // What the request asks rides along to the factory, which builds only what serving it needs.
    const scope = scopeOf(parsed);
    const authInfo: AuthInfo = {
      token: caller.token,
      clientId: caller.key,
      scopes: [],
      ...(scope ? { extra: { scope } } : {}),
    };

    // The request's signal ends its work (and its Knock calls) when the caller goes away or time is up: one
    // controller for both, rather than AbortSignal.any, which costs every request a signal tracked weakly.
    const work = new AbortController();
    // A response that finished was not abandoned: only a caller who left before the end aborts the work.
    res.once("close", () => {
      if (!res.writableFinished) work.abort();
    });
    if (parsed?.method === "subscriptions/listen") {
      // A stream, not a request: it is not bounded by the deadline and does not hold a concurrency slot.
      release();
      const client = deps.clientFor(caller.token);
      const response = await live.open(
        toRequest(req, body, work.signal),
        { factory, authInfo, parsedBody: parsed.value },
        {
          client,
          caller: caller.key,
          secrets: [caller.token],
          uris: urisOf((parsed.value as { params?: unknown }).params),
          closed: work.signal,
        },
      );
      return pipe(response, res);
    }

    // Past the deadline (or a drain's grace) the work is aborted and the caller is told: with a status, or,
    // once a stream has begun, with an error message on that stream. The deadline covers the whole
    // exchange, a streamed answer included.
    let stopped = false;
    const stop = (status: number, message: string) => {
      if (stopped) return;
      stopped = true;
      work.abort();
      const said = rpcError(-32000, message, parsed?.id);
      if (!res.headersSent) return reply(res, status, said);
      if (String(res.getHeader("content-type")).startsWith("text/event-stream")) {
        res.end(`event: message\ndata: ${JSON.stringify(said)}\n\n`);
      } else {
        res.destroy();
      }
    };
    const timer = setTimeout(
      () =>
        stop(
          504,
          `The request took longer than ${settings.requestTimeoutMs} ms (--request-timeout-ms) and was stopped.`,
        ),
      settings.requestTimeoutMs,
    );
    stoppers.add(stop);
    res.once("close", () => {
      clearTimeout(timer);
      stoppers.delete(stop);
    });
    const answer = await handler.fetch(toRequest(req, body, work.signal), {
      authInfo,
      ...(parsed ? { parsedBody: parsed.value } : {}),
    });
    if (res.writableEnded) return void answer.body?.cancel().catch(() => undefined);
    return pipe(answer, res, draining);
  }

  /** The caller's token; in --sandbox any bearer (or none) stands for the sandbox's own. */
  function authenticate(header: string | undefined): Caller | undefined {
    if (deps.sandboxToken !== undefined) return { token: deps.sandboxToken, key: "sandbox" };
    const token = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "")?.[1];
    // The key ties a caller's listen streams together; it is a digest, never the token.
    return token ? { token, key: createHash("sha256").update(token).digest("hex") } : undefined;
  }

  function callerOf(authInfo: AuthInfo | undefined): Caller {
    if (!authInfo) throw new Error("an HTTP request reached the server factory without its caller");
    return { token: authInfo.token, key: authInfo.clientId };
  }

  server.on("clientError", (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(settings.port, settings.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shownHost =
    settings.host.includes(":") && !settings.host.startsWith("[") ? `[${settings.host}]` : settings.host;

  return {
    url: `http://${shownHost}:${port}/mcp`,
    drain: async (graceMs) => {
      // Still listening while draining: load balancers see /healthz turn 503 and new requests are told to
      // go elsewhere, while the requests in flight finish.
      draining = true;
      server.closeIdleConnections();
      await live.closeAll();
      if (inFlight > 0) {
        let wake: () => void = () => undefined;
        const allDone = new Promise<void>((resolve) => {
          wake = resolve;
          idle.add(resolve);
        });
        await Promise.race([allDone, new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
        idle.delete(wake);
      }
      // Whatever is still running past the grace is told so, rather than cut off without a word.
      for (const stop of [...stoppers]) {
        stop(503, "This replica shut down before the request finished; send it again.");
      }
      server.close();
      await handler.close();
      server.closeAllConnections();
    },
  };
}

function pathOf(url: string | undefined): string {
  const path = (url ?? "/").split("?")[0] ?? "/";
  return path.length > 1 ? path.replace(/\/+$/, "") : path;
}

function rpcError(code: number, message: string, id?: unknown) {
  return { jsonrpc: "2.0", id: id ?? null, error: { code, message } };
}

function reply(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

/** The whole body as text, or "too-large" past MAX_BODY_BYTES (read no further). */
async function readBody(req: IncomingMessage): Promise<string | "too-large"> {
  if (req.method === "GET" || req.method === "HEAD") return "";
  if (Number(req.headers["content-length"] ?? 0) > MAX_BODY_BYTES) return "too-large";
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return "too-large";
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The JSON-RPC message the body holds, when it holds one; anything else is for the SDK to refuse. */
function parseMessage(body: string): { value: unknown; method?: string; id?: unknown } | undefined {
  if (!body) return undefined;
  try {
    const value: unknown = JSON.parse(body);
    if (typeof value !== "object" || value === null || Array.isArray(value)) return { value };
    const { method, id } = value as { method?: unknown; id?: unknown };
    return { value, ...(typeof method === "string" ? { method } : {}), ...(id !== undefined ? { id } : {}) };
  } catch {
    return undefined;
  }
}

/** The request's method (and tool), when the body is one JSON-RPC request; otherwise nothing is narrowed. */
function scopeOf(parsed: ReturnType<typeof parseMessage>): RequestScope | undefined {
  if (!parsed?.method) return undefined;
  const tool = (parsed.value as { params?: { name?: unknown } }).params?.name;
  return { method: parsed.method, ...(typeof tool === "string" ? { tool } : {}) };
}

function toRequest(req: IncomingMessage, body: string, signal: AbortSignal): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  const hasBody = body !== "" && req.method !== "GET" && req.method !== "HEAD";
  return new Request(`http://${req.headers.host ?? "localhost"}${req.url ?? "/"}`, {
    method: req.method ?? "GET",
    headers,
    signal,
    ...(hasBody ? { body } : {}),
  });
}

/**
 * Writes a web Response to the Node response, streaming its body (SSE streams stay open until they end).
 * While draining, the connection is not kept alive, so the client's next request goes elsewhere.
 */
async function pipe(response: Response, res: ServerResponse, draining = false): Promise<void> {
  // Set one by one rather than passed to writeHead, so that the deadline can still read the content type.
  response.headers.forEach((value, name) => {
    res.setHeader(name, value);
  });
  if (draining) res.setHeader("connection", "close");
  res.writeHead(response.status);
  if (!response.body) return void res.end();
  const reader = response.body.getReader();
  res.once("close", () => void reader.cancel().catch(() => undefined));
  try {
    for (;;) {
      const { done, value } = await reader.read();
      // Ended here by the deadline, or the caller went away.
      if (done || res.writableEnded) break;
      if (!res.write(value)) await new Promise((resolve) => res.once("drain", resolve));
    }
  } catch {
    // The caller went away mid-stream; there is no one to answer.
  }
  if (!res.writableEnded) res.end();
}
