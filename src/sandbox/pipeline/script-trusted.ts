// Runs one of the catalog's own preprocess scripts synchronously on this thread, for seeding only: the
// first-start logs hold what the template's script really returns for each seeded delivery, without
// paying for a worker at start-up (~100-400 ms measured here on 2 cores). Never for a user's script: those
// go through runPreprocessScript (script.ts), whose worker keeps a runaway script off this thread. The
// prelude and its result protocol are the same, so the output is the one a rehearsal would log.

import { createContext, runInContext, Script } from "node:vm";
import { outputFromJson, type ScriptContext, type ScriptResult } from "./script.js";
import { PRELUDE_SOURCE } from "./script-prelude.js";

const TIMEOUT_MS = 1000;
let prelude: Script | undefined;

export function runCatalogScript(source: string, ctx: ScriptContext): ScriptResult {
  prelude ??= new Script(PRELUDE_SOURCE, { filename: "knock-preprocess-prelude.js" });
  const sandbox: Record<string, unknown> = Object.create(null);
  const context = createContext(sandbox, {
    codeGeneration: { strings: false, wasm: false },
    microtaskMode: "afterEvaluate",
  });
  try {
    prelude.runInContext(context);
    new Script(source, { filename: "preprocess.js" }).runInContext(context, { timeout: TIMEOUT_MS });
    sandbox.__knockInput = JSON.stringify(ctx);
    runInContext(
      '__knock.start(typeof main === "function" ? main : undefined, "no function main")',
      context,
      {
        timeout: TIMEOUT_MS,
      },
    );
    const outcome: unknown = runInContext("__knock.result()", context, { timeout: TIMEOUT_MS });
    if (typeof outcome !== "string") return { ok: false, error: "main did not settle" };
    if (outcome.startsWith("ok:")) return outputFromJson(outcome.slice(3));
    return { ok: false, error: outcome.replace(/^err:/, "") };
  } catch (error) {
    return { ok: false, error: `catalog script failed: ${(error as Error).message}` };
  }
}
