// Issue #12, finding 2: buffer memory escaped the worker's resourceLimits (JS heap only). A script allocating and
// touching 64 MB Uint8Arrays took the process from ~90 MB to ~1.4 GB RSS, which stayed there after the script.
// Now a job's buffers are counted and refused past 256 MB, and the worker that held them is retired.
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  closeScriptRunner,
  runPreprocessScript,
  type ScriptContext,
} from "../../src/sandbox/pipeline/script.js";
import { sleep } from "./helpers.js";
import { type SandboxProcess, startSandboxProcess } from "./sandbox-process.js";

const LIMIT_ERROR = "preprocess script allocated more than 256 MB of buffers";
const MB = 1024 * 1024;
const ctx: ScriptContext = { vars: {}, body: {}, rawBody: "{}", headers: {} };

let sandbox: SandboxProcess | undefined;
afterEach(() => sandbox?.stop());
afterAll(() => closeScriptRunner());

describe("buffer memory of one script", () => {
  it("a buffer bomb adds at most ~300 MB to the process, which returns to its baseline after", async () => {
    sandbox = await startSandboxProcess();
    await sandbox.script("innocent", "function main() { return { verified: true }; }");
    await sandbox.script(
      "bomb",
      `function main() {
        const keep = [];
        for (let i = 0; i < 40; i++) { const a = new Uint8Array(${64 * MB}); a.fill(1); keep.push(a); }
        return { verified: true, kept: keep.length };
      }`,
    );
    await Promise.all([sandbox.rehearse("innocent"), sandbox.rehearse("innocent")]);
    await sleep(300);
    const baseline = sandbox.memoryMb().rss;

    const bomb = await sandbox.rehearse("bomb");
    expect(bomb.json.errors).toEqual([{ field: "preprocess_script", message: LIMIT_ERROR }]);
    expect(sandbox.memoryMb().peak).toBeLessThan(baseline + 300);

    let after = sandbox.memoryMb().rss;
    for (let waited = 0; after > baseline + 50 && waited < 5000; waited += 100) {
      await sleep(100);
      after = sandbox.memoryMb().rss;
    }
    expect(after).toBeLessThan(baseline + 50);
    expect((await sandbox.rehearse("innocent")).json).toMatchObject({ status: "ok" });
  });

  it("lazily committed and shared buffers are refused too", async () => {
    expect(
      await runPreprocessScript(
        `function main() { return { sab: typeof SharedArrayBuffer, wasm: typeof WebAssembly, big: new ArrayBuffer(${8 * 1024 * MB}).byteLength }; }`,
        ctx,
      ),
    ).toEqual({ ok: false, error: LIMIT_ERROR });
  });

  // Each route allocates about 64 MB five times without keeping it: the count is cumulative, so the fifth is refused.
  const routes: Record<string, string> = {
    "typed-array constructor": `new Float64Array(${8 * MB})`,
    "ArrayBuffer slice with no species": `(() => { const b = new ArrayBuffer(${64 * MB}); b.constructor = undefined; return b.slice(0); })()`,
    "typed-array slice with no species": `(() => { const a = new Uint8Array(${32 * MB}); a.constructor = undefined; return a.slice(); })()`,
    toSorted: `new Uint8Array(${32 * MB}).toSorted()`,
    "%TypedArray%.from": `Float64Array.from(new Uint8Array(${8 * MB}))`,
    "resize of a resizable buffer": `new ArrayBuffer(0, { maxByteLength: ${64 * MB} }).resize(${64 * MB})`,
    "a valueOf that lies about the length": `(() => { let n = 0; return new ArrayBuffer({ valueOf: () => (n++ === 0 ? ${64 * MB} : 0) }); })()`,
    utf8Encode: `utf8Encode("€".repeat(${(64 * MB) / 3}))`,
  };
  for (const [name, allocation] of Object.entries(routes)) {
    it(`counts ${name}`, async () => {
      const result = await runPreprocessScript(
        `function main() { for (let i = 0; i < 5; i++) ${allocation}; return { verified: true }; }`,
        ctx,
        { timeoutMs: 10_000 },
      );
      expect(result).toEqual({ ok: false, error: LIMIT_ERROR });
    });
  }
});
