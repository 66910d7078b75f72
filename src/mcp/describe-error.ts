// The one formatter of failures for the model, shared by the tool boundary and resource reads. Our own
// errors already say what to do next; anything else is a bug in this server, said plainly and logged.
import { KnockError } from "../knock/errors.js";
import { logWarning } from "../shared/log.js";
import { redact } from "../shared/redact.js";

export function describeError(error: unknown, where: string, secrets: readonly string[]): string {
  if (error instanceof KnockError) return redact(error.message, secrets);
  const detail = error instanceof Error ? error.message : String(error);
  const stack = error instanceof Error ? (error.stack ?? detail) : detail;
  logWarning(redact(`unexpected error in ${where}: ${stack}`, secrets));
  return redact(
    `${where} failed unexpectedly inside this server (${detail}). Retrying may help; if it does not, report it.`,
    secrets,
  );
}
