// The one formatter of failures for the model, used by the tool boundary, resource reads, completions and
// polling alike. Knock's failures arrive as data; this is the only place that knows which tool lists valid
// keys and which setting to change, so a new transport changes the advice here and nowhere else. Anything
// that is not one of our own errors is a bug in this server, said plainly and logged.
import {
  KnockAbortedError,
  KnockApiError,
  KnockNetworkError,
  KnockRedirectError,
  KnockResponseError,
  KnockTimeoutError,
  type Subject,
} from "../knock/errors.js";
import { LiveResourceLimitError } from "../resources/subscriptions.js";
import { InputError, NotFoundError } from "../shared/errors.js";
import { logWarning } from "../shared/log.js";
import { redact } from "../shared/redact.js";

/**
 * The embedded sandbox's answer to a change it could not write to its state file, and so did not make (its
 * own code: the sandbox is the other side of the wire and is not imported here).
 */
const SANDBOX_STATE_WRITE_FAILED = "state_write_failed";

const AUTH_HINT =
  "Set KNOCK_SERVICE_TOKEN (or --service-token) to a service token from the Knock dashboard " +
  "(Developers → Service tokens) and restart the server.";

/** No service token is configured, so no Knock call can be made. */
export class MissingTokenError extends Error {
  override readonly name = "MissingTokenError";
  constructor() {
    super(
      "No Knock service token is configured, so this server cannot call Knock. " +
        `${AUTH_HINT} To try the tools without an account, start the server with --sandbox (or KNOCK_SANDBOX=true).`,
    );
  }
}

/** A result over --max-result-chars that could not be shortened without breaking its schema. */
export class ResultTooLargeError extends Error {
  override readonly name = "ResultTooLargeError";
  constructor(where: string, maxChars: number) {
    super(
      `The result of ${where} is larger than ${maxChars} characters and could not be shortened safely. ` +
        "Ask for less at a time (filters, a smaller limit, fewer include values), or raise --max-result-chars.",
    );
  }
}

export function describeError(error: unknown, where: string, secrets: readonly string[]): string {
  const said = wordingOf(error);
  if (said !== undefined) return redact(said, secrets);
  const detail = error instanceof Error ? error.message : String(error);
  const stack = error instanceof Error ? (error.stack ?? detail) : detail;
  logWarning(redact(`unexpected error in ${where}: ${stack}`, secrets));
  return redact(
    `${where} failed unexpectedly inside this server (${detail}). Retrying may help; if it does not, report it.`,
    secrets,
  );
}

function wordingOf(error: unknown): string | undefined {
  if (error instanceof KnockApiError) return describeApiError(error);
  if (error instanceof KnockTimeoutError) {
    return (
      `Knock did not answer within ${error.timeoutMs} ms${error.attempts > 1 ? ` (${error.attempts} attempts)` : ""}. ` +
      `${retryAdvice(error.method, "Try again.")} If your network is slow, raise --timeout-ms / KNOCK_TIMEOUT_MS.`
    );
  }
  if (error instanceof KnockNetworkError) {
    return (
      `Could not reach Knock at ${error.baseUrl} (${error.code}${error.attempts > 1 ? `, ${error.attempts} attempts` : ""}). ` +
      `Check --base-url / KNOCK_MGMT_BASE_URL and the network connection. ${retryAdvice(error.method, "Then call again.")}`
    );
  }
  if (error instanceof KnockRedirectError) return describeRedirect(error);
  if (error instanceof KnockAbortedError) return error.message;
  if (error instanceof KnockResponseError) return describeResponseError(error);
  if (error instanceof LiveResourceLimitError) return describeLiveLimit(error);
  if (
    error instanceof InputError ||
    error instanceof NotFoundError ||
    error instanceof MissingTokenError ||
    error instanceof ResultTooLargeError
  ) {
    return error.message;
  }
  return undefined;
}

function describeApiError(error: KnockApiError): string {
  const { status, code, knockMessage, fieldErrors, requestId, retryAfterMs, attempts } = error;
  const said = `HTTP ${status}${code ? ` ${code}` : ""}${knockMessage ? `: ${knockMessage}` : ""}`;
  const ref = requestId ? ` Knock request id: ${requestId}.` : "";
  const retried = attempts > 1 ? ` after ${attempts} attempts` : "";

  if (status === 401 || code === "bearer_token_invalid" || (status === 400 && code?.includes("token"))) {
    return `Knock rejected the service token (${said}). ${AUTH_HINT}${ref}`;
  }
  if (status === 403) {
    return `The service token may not do this (${said}). Use a token whose role can manage sources in this Knock account.${ref}`;
  }
  if (status === 404) return `${describeMissing(error.subject, said, knockMessage)}${ref}`;
  if (status === 422 || status === 400) {
    const fields = fieldErrors.map((e) => `\n- ${e.field}: ${e.message}`).join("");
    return `Knock refused the request (${said}).${fields}${fields ? "\nFix these fields and call again." : " Check the arguments and call again."}${ref}`;
  }
  const wait = retryAfterMs === undefined ? "a few seconds" : `${Math.ceil(retryAfterMs / 1000)} s`;
  if (status === 429) {
    return `Knock is rate-limiting requests (${said})${retried}. Wait ${wait} before calling again.${ref}`;
  }
  // A 503 with Retry-After is a deliberate "not now" (the sandbox answers so when its script runner is full,
  // having run nothing), so even a POST may simply be sent again after the wait.
  if (status === 503 && retryAfterMs !== undefined) {
    return `Knock is too busy to take the request now (${said})${retried}. Wait ${wait}, then call again.${ref}`;
  }
  if (status === 409) {
    // Knock answers 409 to a lock timeout: another change to the same resource held it.
    return `Knock reported a conflict (${said})${retried}, such as another change to the same source in progress. Wait a moment and call again.${ref}`;
  }
  if (code === SANDBOX_STATE_WRITE_FAILED) {
    return (
      `The sandbox refused the change because it could not save it (${said})${retried}. ` +
      `Make the state file's directory writable (or free disk space), then call again: nothing was recorded, so nothing would be repeated.${ref}`
    );
  }
  if (status >= 500) {
    return `Knock had a server error (${said})${retried}. ${retryAdvice(error.method, "This is usually temporary: wait a moment and call again.")}${ref}`;
  }
  return `Knock answered ${said}${retried}.${ref}`;
}

function describeLiveLimit({ about }: LiveResourceLimitError): string {
  const { limit, held, total } = about;
  const holder = about.per === "caller" ? "your listen streams on this server" : "this connection";
  const bound = `at most ${limit} event-log resources may be watched at once by ${holder}`;
  if (about.via === "subscribe") {
    return (
      `Not subscribed: ${bound}, and ${held} already are. Unsubscribe (resources/unsubscribe) from logs you ` +
      "no longer need first, then subscribe again. Another spelling of a URI already subscribed counts as the same resource."
    );
  }
  return (
    `The listen stream was not opened: it would bring the event-log resources watched to ${total}, and ${bound} ` +
    `(${held} already are). Close a listen stream you no longer need, or name fewer resources, then listen again.`
  );
}

function describeRedirect(error: KnockRedirectError): string {
  const to = error.location
    ? `a redirect to ${cut(error.location)} (HTTP ${error.status})`
    : `a redirect (HTTP ${error.status}, no Location)`;
  const ref = error.requestId ? ` Knock request id: ${error.requestId}.` : "";
  return (
    `Knock answered with ${to}; it was not followed. Check --base-url / KNOCK_MGMT_BASE_URL: it should ` +
    `point at Knock's Management API (https://control.knock.app), not at a proxy or page that redirects ` +
    `(to a login page, say).${ref}`
  );
}

function cut(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function describeMissing(
  subject: Subject | undefined,
  said: string,
  knockMessage: string | undefined,
): string {
  // Knock answers 404 for an unknown environment too; its message says which was missing.
  if (subject && "environment" in subject && subject.environment && /environment/i.test(knockMessage ?? "")) {
    return (
      `Knock has no environment "${subject.environment}" (${said}). Pass the slug of an existing environment, ` +
      "such as development or production, as `environment`."
    );
  }
  switch (subject?.resource) {
    case "source":
      return (
        `Knock has no source "${subject.key}"${subject.environment ? ` in environment "${subject.environment}"` : ""} (${said}). ` +
        "Call list_sources to see the valid source keys, or pass another `environment`."
      );
    case "provider":
      return `Knock has no source provider "${subject.key}" (${said}). Call list_source_providers to see the valid provider keys.`;
    default:
      return `Knock could not find what was asked for (${said}). Check the \`environment\` argument and the base URL.`;
  }
}

function describeResponseError(error: KnockResponseError): string {
  switch (error.reason) {
    case "too-large":
      return (
        `Knock's response was larger than ${Math.round((error.about.limitBytes ?? 0) / 1024 / 1024)} MB, so it was not read. ` +
        "Ask for less: a smaller `limit`, a filter such as `event` or `starting_at`, or fewer `include` values."
      );
    case "not-json":
      return (
        `Knock answered ${error.detail}. A proxy or a wrong --base-url / KNOCK_MGMT_BASE_URL usually causes this; ` +
        "if the body was cut short, call again."
      );
    case "unexpected-shape":
      return (
        `Knock's answer to ${error.about.request} did not have the documented shape (${error.detail}). ` +
        "Check that --base-url / KNOCK_MGMT_BASE_URL points at Knock's Management API."
      );
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
