// Issue #12, finding 1: nothing a preprocess script leaves behind runs after its job. A rejection whose reason
// is a Proxy with looping traps used to be inspected by the worker's unhandled-rejection handling after the
// answer, holding a core while the pool counted the worker idle, and the next innocent script timed out.
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  closeScriptRunner,
  runPreprocessScript,
  type ScriptContext,
  scriptRunnerStats,
} from "../../src/sandbox/pipeline/script.js";
import { sleep } from "./helpers.js";
import { type SandboxProcess, startSandboxProcess } from "./sandbox-process.js";

const LOOP = "{ while (true) {} }";
const TRAPS = ["get", "getPrototypeOf", "getOwnPropertyDescriptor", "ownKeys", "has"]
  .map((trap) => `${trap}() ${LOOP}`)
  .join(", ");
const PROXY_REJECTION = `function main() { Promise.reject(new Proxy({}, { ${TRAPS} })); return { verified: true }; }`;
const ctx: ScriptContext = { vars: {}, body: {}, rawBody: "{}", headers: {} };

let sandbox: SandboxProcess | undefined;
afterEach(() => sandbox?.stop());
afterAll(() => closeScriptRunner());

describe("a script's leftovers after its answer", () => {
  it("two Proxy rejections leave no CPU use behind, and the next innocent script succeeds", async () => {
    sandbox = await startSandboxProcess();
    await sandbox.script("proxy", PROXY_REJECTION);
    await sandbox.script("innocent", "function main() { return { verified: true }; }");
    // Warm both workers of a two-core pool, so that each Proxy rehearsal lands on one of them.
    await Promise.all([sandbox.rehearse("innocent"), sandbox.rehearse("innocent")]);

    const answers = await Promise.all([sandbox.rehearse("proxy"), sandbox.rehearse("proxy")]);
    expect(answers.map((a) => [a.status, a.json.status])).toEqual([
      [200, "ok"],
      [200, "ok"],
    ]);
    const before = sandbox.cpuSeconds();
    await sleep(3000);
    const used = sandbox.cpuSeconds() - before;
    // Nothing is in flight: a worker still spinning on the traps would use about a core per second.
    expect(used).toBeLessThan(1);

    const next = await sandbox.rehearse("innocent");
    expect(next.json).toMatchObject({ status: "ok", errors: null });
  });

  it("an unhandled rejection costs no worker", async () => {
    expect(await runPreprocessScript("return { verified: true };", ctx)).toEqual({
      ok: true,
      output: { verified: true },
    });
    const spawned = scriptRunnerStats().spawned;
    for (let i = 0; i < 3; i++) {
      expect(
        await runPreprocessScript(
          "function main() { Promise.reject(new Error('left behind')); return { verified: true }; }",
          ctx,
        ),
      ).toEqual({ ok: true, output: { verified: true } });
      expect(await runPreprocessScript("return { verified: true };", ctx)).toEqual({
        ok: true,
        output: { verified: true },
      });
    }
    expect(scriptRunnerStats().spawned).toBe(spawned);
  });

  it("the realm offers no callback that runs after the job", async () => {
    const result = await runPreprocessScript(
      "return { kinds: [typeof FinalizationRegistry, typeof WeakRef, typeof Atomics, typeof SharedArrayBuffer, typeof WebAssembly] };",
      ctx,
    );
    expect(result).toEqual({ ok: true, output: { kinds: Array(5).fill("undefined") } });
  });
});
