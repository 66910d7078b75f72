// Every failure of a Knock call is one of these classes, and each message is written for the model that
// reads it: what went wrong, then what to do next (which tool to call, which setting to change).

export type Target =
  | { resource: "source"; key: string; environment?: string | undefined }
  | { resource: "provider"; key: string }
  | { resource: "collection" };

export interface RequestContext {
  method: string;
  baseUrl: string;
  target: Target;
  attempts: number;
}

/** Base of every error whose message is safe and useful to show the model as it is. */
export class KnockError extends Error {
  override readonly name: string = "KnockError";
}

export interface FieldError {
  field: string;
  message: string;
}

const AUTH_HINT =
  "Set KNOCK_SERVICE_TOKEN (or --service-token) to a service token from the Knock dashboard " +
  "(Developers → Service tokens) and restart the server.";

export class KnockApiError extends KnockError {
  override readonly name = "KnockApiError";
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    readonly type: string | undefined,
    readonly knockMessage: string | undefined,
    readonly fieldErrors: readonly FieldError[],
    readonly requestId: string | undefined,
    readonly retryAfterMs: number | undefined,
    context: RequestContext,
  ) {
    super(describeApiError(status, code, knockMessage, fieldErrors, requestId, retryAfterMs, context));
  }
}

function describeApiError(
  status: number,
  code: string | undefined,
  knockMessage: string | undefined,
  fieldErrors: readonly FieldError[],
  requestId: string | undefined,
  retryAfterMs: number | undefined,
  context: RequestContext,
): string {
  const said = `HTTP ${status}${code ? ` ${code}` : ""}${knockMessage ? `: ${knockMessage}` : ""}`;
  const ref = requestId ? ` Knock request id: ${requestId}.` : "";
  const retried = context.attempts > 1 ? ` after ${context.attempts} attempts` : "";

  if (status === 401 || code === "bearer_token_invalid" || (status === 400 && code?.includes("token"))) {
    return `Knock rejected the service token (${said}). ${AUTH_HINT}${ref}`;
  }
  if (status === 403) {
    return `The service token may not do this (${said}). Use a token whose role can manage sources in this Knock account.${ref}`;
  }
  if (status === 404) return `${describeMissing(context.target, said, knockMessage)}${ref}`;
  if (status === 422 || status === 400) {
    const fields = fieldErrors.map((e) => `\n- ${e.field}: ${e.message}`).join("");
    return `Knock refused the request (${said}).${fields}${fields ? "\nFix these fields and call again." : " Check the arguments and call again."}${ref}`;
  }
  if (status === 429) {
    const wait = retryAfterMs === undefined ? "a few seconds" : `${Math.ceil(retryAfterMs / 1000)} s`;
    return `Knock is rate-limiting requests (${said})${retried}. Wait ${wait} before calling again.${ref}`;
  }
  if (status >= 500) {
    return `Knock had a server error (${said})${retried}. This is usually temporary: wait a moment and call again.${ref}`;
  }
  return `Knock answered ${said}${retried}.${ref}`;
}

function describeMissing(target: Target, said: string, knockMessage: string | undefined): string {
  // Knock answers 404 for an unknown environment too; its message says which was missing.
  if ("environment" in target && target.environment && /environment/i.test(knockMessage ?? "")) {
    return (
      `Knock has no environment "${target.environment}" (${said}). Pass the slug of an existing environment, ` +
      "such as development or production, as `environment`."
    );
  }
  switch (target.resource) {
    case "source":
      return (
        `Knock has no source "${target.key}"${target.environment ? ` in environment "${target.environment}"` : ""} (${said}). ` +
        "Call list_sources to see the valid source keys, or pass another `environment`."
      );
    case "provider":
      return `Knock has no source provider "${target.key}" (${said}). Call list_source_providers to see the valid provider keys.`;
    case "collection":
      return `Knock could not find what was asked for (${said}). Check the \`environment\` argument and the base URL.`;
  }
}

/**
 * A POST that failed midway may still have been carried out (a rehearsal writes a log), so calling again
 * is not the first thing to advise.
 */
function retryAdvice(method: string, otherwise: string): string {
  return method === "POST"
    ? "It may have been recorded anyway: check list_source_logs before rehearsing again."
    : otherwise;
}

export class KnockTimeoutError extends KnockError {
  override readonly name = "KnockTimeoutError";
  constructor(timeoutMs: number, context: RequestContext) {
    super(
      `Knock did not answer within ${timeoutMs} ms${context.attempts > 1 ? ` (${context.attempts} attempts)` : ""}. ` +
        `${retryAdvice(context.method, "Try again.")} If your network is slow, raise --timeout-ms / KNOCK_TIMEOUT_MS.`,
    );
  }
}

export class KnockNetworkError extends KnockError {
  override readonly name = "KnockNetworkError";
  constructor(
    readonly code: string,
    context: RequestContext,
  ) {
    super(
      `Could not reach Knock at ${context.baseUrl} (${code}${context.attempts > 1 ? `, ${context.attempts} attempts` : ""}). ` +
        `Check --base-url / KNOCK_MGMT_BASE_URL and the network connection. ${retryAdvice(context.method, "Then call again.")}`,
    );
  }
}

export class KnockAbortedError extends KnockError {
  override readonly name = "KnockAbortedError";
  constructor() {
    super("The request to Knock was cancelled before it finished.");
  }
}

/** Knock (or something in between, such as a proxy) answered with a body we cannot use. */
export class KnockResponseError extends KnockError {
  override readonly name = "KnockResponseError";
}

/** The model asked for something this server refuses to send; nothing went over the wire. */
export class ToolInputError extends KnockError {
  override readonly name = "ToolInputError";
}

export class MissingTokenError extends KnockError {
  override readonly name = "MissingTokenError";
  constructor() {
    super(
      "No Knock service token is configured, so this server cannot call Knock. " +
        `${AUTH_HINT} To try the tools without an account, start the server with --sandbox (or KNOCK_SANDBOX=true).`,
    );
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
  context: RequestContext,
): KnockApiError {
  const body = parseErrorBody(bodyText);
  const requestId = headerValue(headers, "x-request-id");
  const retryAfterMs = parseRetryAfter(headerValue(headers, "retry-after"));
  const message = body?.message ?? (bodyText.trim() ? `non-JSON body: ${snippet(bodyText)}` : undefined);
  return new KnockApiError(
    status,
    body?.code,
    body?.type,
    message,
    body?.errors ?? [],
    requestId,
    retryAfterMs,
    context,
  );
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
