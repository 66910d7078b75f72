// Knock's mAPI error body form (taken from the Knock CLI's fixtures; the spec declares none):
// {code, message, status, type, errors?: [{field, message, type}]}.

export interface FieldError {
  field: string;
  message: string;
  type: string | null;
}

export interface KnockErrorBody {
  code: string;
  message: string;
  status: number;
  type: string;
  errors?: FieldError[];
}

/** Thrown by handlers; the HTTP layer turns it into a response. */
export class SandboxHttpError extends Error {
  readonly body: KnockErrorBody;
  readonly headers: Record<string, string>;

  constructor(body: KnockErrorBody, headers: Record<string, string> = {}) {
    super(body.message);
    this.name = "SandboxHttpError";
    this.body = body;
    this.headers = headers;
  }

  get status(): number {
    return this.body.status;
  }
}

export function knockError(
  status: number,
  code: string,
  type: string,
  message: string,
  errors?: FieldError[],
): SandboxHttpError {
  return new SandboxHttpError(
    errors ? { code, message, status, type, errors } : { code, message, status, type },
  );
}

export function unauthorized(): SandboxHttpError {
  return knockError(
    401,
    "unauthorized",
    "authentication_error",
    "A bearer token is required: send `Authorization: Bearer <service token>`",
  );
}

export function wrongToken(): SandboxHttpError {
  return knockError(
    401,
    "unauthorized",
    "authentication_error",
    "This sandbox was started with its own bearer token, and the request sent another",
  );
}

export function foreignHost(host: string | undefined): SandboxHttpError {
  return knockError(
    403,
    "forbidden_host",
    "invalid_request_error",
    `The sandbox only answers requests addressed to 127.0.0.1, localhost or [::1] with its port; this one named ${JSON.stringify(host ?? "no host")}`,
  );
}

/** Nothing was done and calling again later may work: our own answer when the script runner is saturated. */
export function unavailable(message: string, retryAfterMs: number): SandboxHttpError {
  return new SandboxHttpError(
    { code: "service_unavailable", message, status: 503, type: "api_error" },
    { "retry-after": String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
  );
}

export function resourceMissing(message: string): SandboxHttpError {
  return knockError(404, "resource_missing", "api_error", message);
}

export function invalidParams(errors: FieldError[]): SandboxHttpError {
  return knockError(
    422,
    "invalid_params",
    "invalid_request_error",
    "One or more parameters supplied were invalid",
    errors,
  );
}

export function fieldError(field: string, message: string): FieldError {
  return { field, message, type: null };
}

/** Collects field errors so one response reports every bad field at once. */
export class FieldErrors {
  readonly list: FieldError[] = [];

  add(field: string, message: string): void {
    this.list.push(fieldError(field, message));
  }

  throwIfAny(): void {
    if (this.list.length > 0) throw invalidParams(this.list);
  }
}

/** The code of an answer to a change that could not be written to the state file, and so was not made. */
export const STATE_WRITE_FAILED = "state_write_failed";

/**
 * 507 (the server could not store what the request needed) for a change refused because `file` could not be
 * written: the system's own words (code, call, path) say why, and the change is not in memory either.
 */
export function stateNotSaved(file: string, cause: unknown): SandboxHttpError {
  const why = cause instanceof Error ? cause.message : String(cause);
  return knockError(
    507,
    STATE_WRITE_FAILED,
    "api_error",
    `The sandbox could not write its state file ${file} (${why}), so nothing was changed`,
  );
}
