// `npm run demo` is the first thing a newcomer runs; it must keep working end to end.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { REBUILD_NOTICE } from "../scripts/ensure-built.mjs";

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
  // The step shows the call it makes, and only that one.
  expect(stdout).toMatch(
    /▶ And production is off limits for rehearsal\n {2}rehearse_source_event \{"key":"stripe-demo","environment":"production".*\n {4}rehearse in production → refused/,
  );
  expect(stdout).not.toMatch(/sources now:/);
  expect(stdout).toMatch(/Done: every step answered as expected\./);
}, 40_000);

it("the rebuild notice says what is happening, not what the reader should run", () => {
  expect(REBUILD_NOTICE).toMatch(/is being rebuilt/);
  expect(REBUILD_NOTICE).not.toMatch(/: npm run build$/);
});
