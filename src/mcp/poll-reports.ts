// What polling live logs says on stderr: one line when a resource's checks start failing and one when it
// answers again, nothing per tick in between, so an outage costs two lines per resource however long it
// lasts. A line may quote a URI the client chose, so the whole line is redacted.
import type { SubscriptionDeps } from "../resources/subscriptions.js";
import { logWarning } from "../shared/log.js";
import { redact } from "../shared/redact.js";
import { describeError } from "./describe-error.js";

export function pollReports(
  intervalMs: number,
  secrets: readonly string[],
  where: string,
): Pick<SubscriptionDeps, "onPollError" | "onPollRecovered"> {
  const say = (line: string) => logWarning(redact(line, secrets));
  return {
    onPollError: (uri, error) =>
      say(
        `could not check ${uri} for new logs: ${describeError(error, where, secrets)} ` +
          `Checking again every ${intervalMs} ms; a line will say when it answers.`,
      ),
    onPollRecovered: (uri) => say(`${uri} answers again; new logs are notified as before.`),
  };
}
