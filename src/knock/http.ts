// HTTP to Knock's Management API: auth, JSON, per-attempt deadline, retries, cancellation, body limits.
//
// The retry loop is our own rather than undici's RetryHandler/interceptors.retry, because that handler
// cannot express three parts of the policy: (1) its timeouts are per-dispatch inactivity timers, while we
// want one deadline per attempt that also covers reading the whole body; (2) when a body fails midway it
// resumes with a Range request, which the mAPI does not support, where we want a clean re-request;
// (3) a Retry-After longer than our cap should end the call at once with the wait reported, not sleep.
import { setTimeout as sleep } from "node:timers/promises";
import type { Dispatcher } from "undici";
import { redact } from "../shared/redact.js";
import {
  apiErrorFrom,
  headerValue,
  KnockAbortedError,
  KnockNetworkError,
  KnockRedirectError,
  KnockResponseError,
  KnockTimeoutError,
  snippet,
} from "./errors.js";
import { type ApiPath, type QueryValue, queryString } from "./url.js";

export interface HttpOptions {
  baseUrl: string;
  token: string;
  userAgent: string;
  timeoutMs: number;
  maxRetries: number;
  /** Tests pass an undici MockAgent here; by default a keep-alive Agent is made on first use. */
  dispatcher?: Dispatcher;
  /** Bodies larger than this are refused instead of being buffered. */
  maxResponseBytes?: number;
  /** A Retry-After longer than this is not waited for: the call fails at once and reports the wait. */
  maxRetryAfterMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
}

export type Method = "GET" | "PUT" | "POST";

export interface RequestSpec {
  method: Method;
  path: ApiPath;
  query?: Readonly<Record<string, QueryValue>>;
  body?: unknown;
  signal?: AbortSignal | undefined;
  /** Fewer retries than the client's, for a caller with a schedule of its own (a poll tries again anyway). */
  maxRetries?: number | undefined;
}

const DEFAULTS = {
  maxResponseBytes: 10 * 1024 * 1024,
  maxRetryAfterMs: 10_000,
  backoffBaseMs: 400,
  backoffMaxMs: 5_000,
};

/** Only methods whose repetition is harmless are retried; POST (rehearse) writes an event log each time. */
const RETRYABLE_METHODS: ReadonlySet<Method> = new Set(["GET", "PUT"]);

/**
 * 408, 429 and 5xx, and 409: Knock answers 409 to a lock timeout, which its own SDK retries
 * (knocklabs/knock-mgmt-node, src/client.ts, shouldRetry: "Retry on lock timeouts").
 */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

type Undici = typeof import("undici");

export class KnockHttp {
  readonly #options: Required<Omit<HttpOptions, "dispatcher">> & { dispatcher?: Dispatcher };
  readonly #baseUrl: string;
  #undici: Promise<Undici> | undefined;
  #ownDispatcher: Dispatcher | undefined;

  constructor(options: HttpOptions) {
    this.#options = { ...DEFAULTS, ...options };
    this.#baseUrl = options.baseUrl.replace(/\/+$/, "");
  }

  /** Sends one logical request (with retries) and returns the parsed JSON body. */
  async request(spec: RequestSpec): Promise<unknown> {
    const maxRetries = Math.min(spec.maxRetries ?? this.#options.maxRetries, this.#options.maxRetries);
    const retryable = RETRYABLE_METHODS.has(spec.method);
    // Built once, before any attempt: a value that cannot be encoded is bad input, not a failure to retry.
    const url = `${this.#baseUrl}${spec.path}${queryString(spec.query)}`;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.#attempt(spec, url, attempt);
      if (outcome.kind === "ok") return outcome.value;
      const canRetry = retryable && outcome.retryable && attempt <= maxRetries;
      if (!canRetry) throw outcome.error;
      const delay = outcome.retryAfterMs ?? this.#backoff(attempt);
      if (delay > this.#options.maxRetryAfterMs) throw outcome.error;
      try {
        await sleep(delay, undefined, { signal: spec.signal });
      } catch {
        throw new KnockAbortedError();
      }
    }
  }

  async close(): Promise<void> {
    await this.#ownDispatcher?.close();
  }

  /** Exponential backoff with "equal jitter": half fixed, half random, so clients don't retry in step. */
  #backoff(attempt: number): number {
    const ceiling = Math.min(this.#options.backoffMaxMs, this.#options.backoffBaseMs * 2 ** (attempt - 1));
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  async #attempt(spec: RequestSpec, url: string, attempt: number): Promise<Outcome> {
    const { request, Agent } = await this.#loadUndici();
    const dispatcher = this.#options.dispatcher ?? this.#agent(Agent);
    const attempted = { method: spec.method, attempts: attempt };
    if (spec.signal?.aborted) return { kind: "fail", error: new KnockAbortedError(), retryable: false };

    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.#options.timeoutMs);
    const signal = spec.signal ? AbortSignal.any([spec.signal, deadline.signal]) : deadline.signal;
    try {
      const response = await request(url, {
        method: spec.method,
        dispatcher,
        signal,
        headers: this.#headers(spec.body !== undefined),
        body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
        headersTimeout: this.#options.timeoutMs,
        bodyTimeout: this.#options.timeoutMs,
      });
      // undici's request() follows no redirect (only its redirect interceptor does), so a 3xx arrives here.
      // It is an error, never a success built from the redirect's own body, and it is not retried.
      if (response.statusCode >= 300 && response.statusCode < 400) {
        await response.body.dump();
        const location = resolved(headerValue(response.headers, "location"), url);
        const requestId = headerValue(response.headers, "x-request-id");
        const error = new KnockRedirectError(response.statusCode, location, requestId, attempted);
        return { kind: "fail", error, retryable: false };
      }
      // A body may echo the token (a proxy's error page, say); it is removed before any message is cut from it.
      const text = redact(await readText(response.body, this.#options.maxResponseBytes), [
        this.#options.token,
      ]);
      if (response.statusCode >= 400) {
        const error = apiErrorFrom(response.statusCode, text, response.headers, attempted);
        const retryable = isRetryableStatus(response.statusCode);
        return { kind: "fail", error, retryable, retryAfterMs: error.retryAfterMs };
      }
      return { kind: "ok", value: parseJson(text, response.statusCode, response.headers["content-type"]) };
    } catch (error) {
      if (spec.signal?.aborted) return { kind: "fail", error: new KnockAbortedError(), retryable: false };
      if (deadline.signal.aborted || isTimeoutCode(error)) {
        return {
          kind: "fail",
          error: new KnockTimeoutError(this.#options.timeoutMs, attempted),
          retryable: true,
        };
      }
      if (error instanceof KnockResponseError) return { kind: "fail", error, retryable: false };
      const code = errorCode(error);
      return { kind: "fail", error: new KnockNetworkError(code, this.#baseUrl, attempted), retryable: true };
    } finally {
      clearTimeout(timer);
    }
  }

  #headers(hasBody: boolean): Record<string, string> {
    return {
      authorization: `Bearer ${this.#options.token}`,
      "user-agent": this.#options.userAgent,
      accept: "application/json",
      ...(hasBody ? { "content-type": "application/json" } : {}),
    };
  }

  #loadUndici(): Promise<Undici> {
    this.#undici ??= loadUndici();
    return this.#undici;
  }

  #agent(Agent: Undici["Agent"]): Dispatcher {
    this.#ownDispatcher ??= newAgent(Agent);
    return this.#ownDispatcher;
  }
}

// undici is loaded on the first request, not at start-up: hosts spawn the server often and most
// sessions make few calls, so start-up should not pay for it.
function loadUndici(): Promise<Undici> {
  // Node's loader gives undici's named exports; the bundle in dist/ wraps the CommonJS module and gives
  // only `default`. Either way the same module object comes out.
  return import("undici").then((mod) =>
    "Agent" in mod ? mod : (mod as unknown as { default: Undici }).default,
  );
}

/** One caller's connections to Knock; over HTTP a team shares one pool (sharedDispatcher). */
const OWN_CONNECTIONS = 16;

function newAgent(Agent: Undici["Agent"], connections = OWN_CONNECTIONS): Dispatcher {
  return new Agent({ keepAliveTimeout: 10_000, connections });
}

/**
 * One connection pool for many clients, each with its own token (one per HTTP request): the clients are
 * cheap, the connections to Knock are kept and shared. `connections` should be the number of requests the
 * server lets run at once: with fewer, requests that are already admitted queue for a connection, and at 64
 * callers that queue, not the work, set the tail latency (measured with `npm run bench`).
 */
export async function sharedDispatcher(connections: number): Promise<Dispatcher> {
  return newAgent((await loadUndici()).Agent, connections);
}

type Outcome =
  | { kind: "ok"; value: unknown }
  | { kind: "fail"; error: Error; retryable: boolean; retryAfterMs?: number | undefined };

async function readText(
  body: AsyncIterable<Buffer> & { destroy(): unknown },
  limit: number,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) {
      body.destroy();
      throw new KnockResponseError("too-large", `more than ${limit} bytes`, { limitBytes: limit });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function parseJson(text: string, status: number, contentType: string | string[] | undefined): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const type = Array.isArray(contentType) ? contentType[0] : contentType;
    throw new KnockResponseError(
      "not-json",
      `HTTP ${status} with a body that is not valid JSON (${type ?? "no content type"}, ` +
        `${text.length} characters, starting ${snippet(text)})`,
    );
  }
}

function resolved(location: string | undefined, base: string): string | undefined {
  if (location === undefined) return undefined;
  try {
    return new URL(location, base).href;
  } catch {
    return location;
  }
}

function errorCode(error: unknown): string {
  if (typeof error === "object" && error !== null) {
    const { code, cause } = error as { code?: unknown; cause?: unknown };
    if (typeof code === "string") return code;
    if (cause) return errorCode(cause);
  }
  return "connection failed";
}

function isTimeoutCode(error: unknown): boolean {
  const code = errorCode(error);
  return (
    code === "UND_ERR_HEADERS_TIMEOUT" ||
    code === "UND_ERR_BODY_TIMEOUT" ||
    code === "UND_ERR_CONNECT_TIMEOUT"
  );
}
