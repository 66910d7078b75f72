// Completions as both registrations offer them (resource template variables, prompt arguments). A completion
// is a convenience: when Knock cannot be reached it offers nothing, and says why on stderr, rather than
// failing the request; without a token there is nothing to offer.
import { type Completable, completers } from "../resources/complete.js";
import { logWarning } from "../shared/log.js";
import type { Connection } from "./connection.js";
import { describeError } from "./describe-error.js";

export type SafeComplete = (
  value: string | undefined,
  context?: { arguments?: Record<string, string> },
) => Promise<string[]>;

/** The connection's completer of each kind, never rejecting; `label` names it in the warning of a failure. */
export function safeCompleters(connection: Connection): (kind: Completable, label: string) => SafeComplete {
  const { client, catalog, config, secrets } = connection;
  const complete =
    client && catalog && completers({ client, catalog, defaultEnvironment: config.environment });
  return (kind, label) => async (value, context) => {
    if (!complete) return [];
    try {
      return await complete[kind](value ?? "", context);
    } catch (error) {
      logWarning(`completion of ${label} failed: ${describeError(error, "completion/complete", secrets)}`);
      return [];
    }
  };
}
