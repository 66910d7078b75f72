import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  foreignHost,
  knockError,
  resourceMissing,
  SandboxHttpError,
  unauthorized,
  wrongToken,
} from "./errors.js";
import { requestId } from "./ids.js";
import type { SandboxConfig } from "./routes/context.js";
import { matchRoute } from "./routes/table.js";
import type { SandboxStore } from "./state.js";

export const MAX_BODY_BYTES = 1024 * 1024;
/** Past this we stop draining an oversized upload and drop the connection. */
const MAX_DRAIN_BYTES = 32 * MAX_BODY_BYTES;

type BodyResult = { kind: "ok"; text: string } | { kind: "too_large" };

function readBody(req: IncomingMessage): Promise<BodyResult> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      // Keep draining an oversized body rather than closing early, so the client gets to read the 413.
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      else if (size > MAX_DRAIN_BYTES) req.destroy();
    });
    req.on("end", () =>
      resolve(
        size > MAX_BODY_BYTES
          ? { kind: "too_large" }
          : { kind: "ok", text: Buffer.concat(chunks).toString("utf8") },
      ),
    );
    // A destroyed request never emits "end"; settle anyway (the answer goes nowhere).
    req.on("close", () => resolve({ kind: "too_large" }));
    req.on("error", reject);
  });
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(text)),
    "x-request-id": requestId(),
    ...headers,
  });
  res.end(text);
}

/** Who may call: `token` set (the embedded sandbox) admits that bearer only; unset admits any non-empty one. */
export interface SandboxAccess {
  token?: string | undefined;
}

function bearerOf(req: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S.*)$/i.exec(req.headers.authorization ?? "");
  const token = match?.[1]?.trim();
  return token === "" ? undefined : token;
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The sandbox listens on loopback only, but a web page whose name is rebound to 127.0.0.1 reaches it all the same,
 * naming its own host: only requests addressed to a loopback name with the port they came in on are answered.
 */
function isAddressedHere(req: IncomingMessage): boolean {
  const host = req.headers.host?.toLowerCase();
  const port = req.socket.localPort;
  if (host === undefined || port === undefined) return false;
  const names = ["127.0.0.1", "localhost", "[::1]"];
  return names.some((name) => host === `${name}:${port}` || (port === 80 && host === name));
}

function pathSegments(pathname: string): string[] | null {
  const trimmed = pathname.replace(/\/+$/, "");
  if (!trimmed.startsWith("/v1/") && trimmed !== "/v1") return null;
  try {
    return trimmed.slice("/v1/".length).split("/").map(decodeURIComponent);
  } catch {
    return null;
  }
}

async function dispatch(
  req: IncomingMessage,
  store: SandboxStore,
  config: SandboxConfig,
  access: SandboxAccess,
): Promise<{ status: number; body: unknown; headers?: Record<string, string> }> {
  const body = await readBody(req);
  if (!isAddressedHere(req)) throw foreignHost(req.headers.host);
  const bearer = bearerOf(req);
  if (bearer === undefined) throw unauthorized();
  if (access.token !== undefined && !sameToken(bearer, access.token)) throw wrongToken();
  const url = new URL(req.url ?? "/", "http://sandbox.invalid");
  const method = req.method ?? "GET";
  const segments = pathSegments(url.pathname);
  const match = segments ? matchRoute(segments) : undefined;
  if (!match) throw resourceMissing(`No route for ${method} ${url.pathname}`);
  const handler = match.route.methods[method as keyof typeof match.route.methods];
  if (!handler) {
    const allow = Object.keys(match.route.methods).join(", ");
    const error = knockError(
      405,
      "method_not_allowed",
      "invalid_request_error",
      `${method} is not allowed here; use ${allow}`,
    );
    return { status: 405, body: error.body, headers: { allow } };
  }
  if (body.kind === "too_large") {
    throw knockError(
      413,
      "request_too_large",
      "invalid_request_error",
      `The request body exceeds ${MAX_BODY_BYTES} bytes`,
    );
  }
  let parsed: unknown;
  if (body.text.trim() !== "" && method !== "GET") {
    try {
      parsed = JSON.parse(body.text);
    } catch (error) {
      throw knockError(
        400,
        "invalid_json",
        "invalid_request_error",
        `The request body is not valid JSON: ${(error as Error).message}`,
      );
    }
  }
  const result = await handler({ store, config, query: url.searchParams, key: match.key, body: parsed });
  return { status: 200, body: result };
}

/**
 * An unexpected error as one line of text for stderr: its stack (or message), never its own properties (a Node
 * parser error, for one, carries the raw request with its Authorization header), with any bearer token masked.
 */
function describeUnexpected(error: unknown): string {
  let text: string;
  try {
    text = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  } catch {
    text = "(an error that could not be described)";
  }
  return text.replace(/(Bearer\s+)\S+/gi, "$1[redacted]");
}

export function createRequestListener(
  store: SandboxStore,
  config: SandboxConfig,
  access: SandboxAccess = {},
) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    dispatch(req, store, config, access).then(
      ({ status, body, headers }) => send(res, status, body, headers),
      (error: unknown) => {
        if (error instanceof SandboxHttpError) {
          // Whoever runs the sandbox should hear of a failure on its side (a state file it cannot write),
          // not only the caller who got the answer.
          if (error.status >= 500) console.error(`knock sandbox: answered ${error.status}: ${error.message}`);
          send(res, error.status, error.body, error.headers);
          return;
        }
        // stderr, because stdout is the MCP protocol channel when the sandbox runs inside the server. Only the
        // error's stack text is written, never the error object, the request or its headers.
        console.error(`knock sandbox: unexpected error: ${describeUnexpected(error)}`);
        send(
          res,
          500,
          knockError(500, "internal_error", "api_error", "The sandbox failed to handle the request").body,
        );
      },
    );
  };
}
