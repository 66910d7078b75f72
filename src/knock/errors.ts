// Every failure of a Knock call is one of these classes, and each carries what happened as data: the
// status, Knock's code, type and message, field errors, request id, Retry-After, how many attempts were
// made. The client knows nothing of MCP, tools or flags; the MCP boundary (src/mcp/describe-error.ts)
// turns this data into the advice a model reads.

/** What a request was about, in Knock's own terms: the key and environment an answer such as 404 concerns. */
export type Subject =
  | { resource: "source"; key: string; environment?: string | undefined }
  | { resource: "provider"; key: string }
  | { resource: "collection" };

/** How the request went: enough to say whether calling again is safe and how often it was tried. */
export interface Attempted {
  method: string;
  attempts: number;
}

/** Base of every failure of a Knock call. `subject` is filled in by the client, which knows what it asked. */
export class KnockError extends Error {
  override readonly name: string = "KnockError";
  subject: Subject | undefined;
}

export interface FieldError {
  field: string;
  message: string;
}

export interface ApiErrorData extends Attempted {
  status: number;
  code: string | undefined;
  type: string | undefined;
  knockMessage: string | undefined;
  fieldErrors: readonly FieldError[];
  requestId: string | undefined;
  retryAfterMs: number | undefined;
}

/** Knock answered with an error status (4xx/5xx); a redirect is a KnockRedirectError. */
export class KnockApiError extends KnockError {
  override readonly name = "KnockApiError";
  readonly status: number;
  readonly code: string | undefined;
  readonly type: string | undefined;
  readonly knockMessage: string | undefined;
  readonly fieldErrors: readonly FieldError[];
  readonly requestId: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly method: string;
  readonly attempts: number;

  constructor(data: ApiErrorData) {
    super(
      `Knock answered HTTP ${data.status}${data.code ? ` ${data.code}` : ""}${data.knockMessage ? `: ${data.knockMessage}` : ""}` +
        `${data.attempts > 1 ? ` after ${data.attempts} attempts` : ""}`,
    );
    this.status = data.status;
    this.code = data.code;
    this.type = data.type;
    this.knockMessage = data.knockMessage;
    this.fieldErrors = data.fieldErrors;
    this.requestId = data.requestId;
    this.retryAfterMs = data.retryAfterMs;
    this.method = data.method;
    this.attempts = data.attempts;
  }
}

/** A failure of a request that was sent: how it went (method, attempts) is part of what it says. */
export abstract class KnockAttemptError extends KnockError {
  readonly method: string;
  readonly attempts: number;
  constructor(message: string, attempted: Attempted) {
    super(message);
    this.method = attempted.method;
    this.attempts = attempted.attempts;
  }
}

/**
 * Knock, or something in front of it (a proxy, a login page), answered with a redirect (3xx). It is not
 * followed, so the token never goes along to wherever it points, and its body is not read as an answer.
 */
export class KnockRedirectError extends KnockAttemptError {
  override readonly name = "KnockRedirectError";
  constructor(
    readonly status: number,
    /** The Location header, resolved against the request's URL; undefined when there was none. */
    readonly location: string | undefined,
    readonly requestId: string | undefined,
    attempted: Attempted,
  ) {
    super(
      `Knock answered HTTP ${status}, a redirect${location ? ` to ${location}` : " without a Location"}`,
      attempted,
    );
  }
}

/** No answer within the per-attempt deadline, on the last attempt made. */
export class KnockTimeoutError extends KnockAttemptError {
  override readonly name = "KnockTimeoutError";
  constructor(
    readonly timeoutMs: number,
    attempted: Attempted,
  ) {
    super(`Knock did not answer within ${timeoutMs} ms (${attempted.attempts} attempts)`, attempted);
  }
}

/** The connection failed (refused, reset, DNS); `code` is the system's or undici's error code. */
export class KnockNetworkError extends KnockAttemptError {
  override readonly name = "KnockNetworkError";
  constructor(
    readonly code: string,
    readonly baseUrl: string,
    attempted: Attempted,
  ) {
    super(`Could not reach Knock at ${baseUrl} (${code}, ${attempted.attempts} attempts)`, attempted);
  }
}

/** The caller's signal aborted the request. */
export class KnockAbortedError extends KnockError {
  override readonly name = "KnockAbortedError";
  constructor() {
    super("The request to Knock was cancelled before it finished.");
  }
}

/**
 * Knock (or something in between, such as a proxy) answered with a body we cannot use:
 * - `too-large`: over `limitBytes`, so it was not read;
 * - `not-json`: not valid JSON (`detail` says what it looked like);
 * - `unexpected-shape`: valid JSON that is not the documented shape (`detail` lists the first issues).
 */
export class KnockResponseError extends KnockError {
  override readonly name = "KnockResponseError";
  constructor(
    readonly reason: "too-large" | "not-json" | "unexpected-shape",
    readonly detail: string,
    /** The body limit, for `too-large`; the request (`GET /v1/sources`), for `unexpected-shape`. */
    readonly about: { limitBytes?: number; request?: string } = {},
  ) {
    super(`Knock's answer could not be used (${reason}): ${detail}`);
  }
}

const MAX_SNIPPET = 160;

/**
 * The one factory that turns an HTTP error answer into a typed error. The body may be Knock's JSON error
 * form `{code, message, status, type, errors[]}`, or anything else a proxy sends (HTML, truncated JSON).
 */
export function apiErrorFrom(
  status: number,
  bodyText: string,
  headers: Readonly<Record<string, string | string[] | undefined>>,
  attempted: Attempted,
): KnockApiError {
  const body = parseErrorBody(bodyText);
  const message = body?.message ?? (bodyText.trim() ? `non-JSON body: ${snippet(bodyText)}` : undefined);
  return new KnockApiError({
    status,
    code: body?.code,
    type: body?.type,
    knockMessage: message,
    fieldErrors: body?.errors ?? [],
    requestId: headerValue(headers, "x-request-id"),
    retryAfterMs: parseRetryAfter(headerValue(headers, "retry-after")),
    ...attempted,
  });
}

interface ErrorBody {
  code?: string;
  type?: string;
  message?: string;
  errors?: FieldError[];
}

function parseErrorBody(text: string): ErrorBody | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof raw !== "object" || raw === null) return undefined;
  const record = raw as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  const errors = Array.isArray(record.errors)
    ? record.errors.flatMap((e): FieldError[] => {
        if (typeof e !== "object" || e === null) return [];
        const entry = e as Record<string, unknown>;
        return [{ field: str(entry.field) ?? "(request)", message: str(entry.message) ?? "is invalid" }];
      })
    : undefined;
  return { code: str(record.code), type: str(record.type), message: str(record.message), errors };
}

export function headerValue(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  name: string,
): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Retry-After as milliseconds from now: either delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function snippet(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return JSON.stringify(flat.length > MAX_SNIPPET ? `${flat.slice(0, MAX_SNIPPET)}…` : flat);
}
