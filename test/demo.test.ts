// `npm run demo` is the first thing a newcomer runs; it must keep working end to end.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { expect, it } from "vitest";

it("the demo walks an agent session against the sandbox and exits 0", async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ["scripts/demo.mjs"], { timeout: 30_000 });
  expect(stdout).toMatch(/▶ Create a source from the template\n.*\n {4}created stripe-demo with 3 mappings/);
  expect(stdout).toMatch(/status ok: 1 of 1 actions succeeded; log log_\w+/);
  expect(stdout).toMatch(/action workflows_trigger → success/);
  // The explanations: a replay, a verification failure with the script's reason, an unmapped event.
  expect(stdout).toMatch(/status ok: 0 actions ran\n {4}why: An idempotent replay of log log_\w+ /);
  expect(stdout).toMatch(
    /status error: 0 actions ran\n {4}errors: verification: the event was rejected: signature mismatch .*\n {4}why: Rejected by verification \(enforced\): .*reason "signature mismatch"/,
  );
  expect(stdout).toMatch(
    /why: No active mapping for event type "invoice.voided" in development; mapped event types: /,
  );
  expect(stdout).toMatch(/rehearse in production → refused/);
  expect(stdout).toMatch(/Done: every step answered as expected\./);
}, 40_000);
