import { createHash, createHmac } from "node:crypto";
import vm from "node:vm";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  closeScriptRunner,
  runPreprocessScript,
  type ScriptContext,
} from "../../src/sandbox/pipeline/script.js";
import { PRELUDE_SOURCE } from "../../src/sandbox/pipeline/script-prelude.js";

const ctx: ScriptContext = {
  vars: { SECRET: "s3cret" },
  body: { type: "invoice.paid", data: { id: 7 } },
  rawBody: '{"type":"invoice.paid","data":{"id":7}}',
  headers: { "x-test": "yes" },
};

const TIMEOUT_MESSAGE = "preprocess script did not finish within 1000 ms";

afterAll(async () => {
  await closeScriptRunner();
});

/** Runs a script that must time out, checking the host event loop stays live and the elapsed time. */
async function expectTimeout(source: string) {
  let timerFiredAt: number | null = null;
  const started = performance.now();
  setTimeout(() => {
    timerFiredAt = performance.now() - started;
  }, 50);
  const result = await runPreprocessScript(source, ctx);
  const elapsed = performance.now() - started;
  expect(result).toEqual({ ok: false, error: TIMEOUT_MESSAGE });
  expect(elapsed).toBeLessThan(1500);
  return { elapsed, timerFiredAt: timerFiredAt as number | null };
}

describe("runPreprocessScript: results", () => {
  it("calls a sync main with ctx", async () => {
    const result = await runPreprocessScript(
      "function main(ctx) { return { verified: true, type: ctx.body.type, secret: ctx.vars.SECRET, h: ctx.headers['x-test'], raw: ctx.rawBody.length }; }",
      ctx,
    );
    expect(result).toEqual({
      ok: true,
      output: { verified: true, type: "invoice.paid", secret: "s3cret", h: "yes", raw: ctx.rawBody.length },
    });
  });

  it("awaits an async main", async () => {
    const result = await runPreprocessScript(
      "async function main(ctx) { const v = await Promise.resolve(ctx.body.data.id); await null; return { verified: v === 7, v }; }",
      ctx,
    );
    expect(result).toEqual({ ok: true, output: { verified: true, v: 7 } });
  });

  it("accepts main defined as a const arrow function", async () => {
    const result = await runPreprocessScript(
      "const main = async (ctx) => ({ verified: true, keys: Object.keys(ctx) });",
      ctx,
    );
    expect(result).toEqual({
      ok: true,
      output: { verified: true, keys: ["vars", "body", "rawBody", "headers"] },
    });
  });

  it("treats a script without main as a function body with ctx and event", async () => {
    expect(await runPreprocessScript("return event;", ctx)).toEqual({ ok: true, output: { ...ctx } });
    expect(await runPreprocessScript("// the main idea\nreturn { verified: ctx === event };", ctx)).toEqual({
      ok: true,
      output: { verified: true },
    });
  });

  it("reports a thrown error with its message", async () => {
    expect(await runPreprocessScript("function main() { throw new Error('bad signature'); }", ctx)).toEqual({
      ok: false,
      error: "preprocess script threw: bad signature",
    });
    expect(await runPreprocessScript("async function main() { await null; null.x; }", ctx)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^preprocess script threw: TypeError: Cannot read properties of null/),
    });
    expect(await runPreprocessScript("throw 'top-level'; function main() {}", ctx)).toEqual({
      ok: false,
      error: "preprocess script threw: top-level",
    });
  });

  it("reports a syntax error with its line", async () => {
    const result = await runPreprocessScript("function main(ctx) {\n  return { verified: true ;\n}", ctx);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(/^preprocess script has a syntax error \(line \d\): /);
  });

  it("requires main to return a plain object", async () => {
    for (const [body, got] of [
      ["return [1, 2];", "an array"],
      ["return 'yes';", "a string"],
      ["return null;", "null"],
      ["return;", "undefined"],
      ["return new Map();", "a non-plain object"],
    ] as const) {
      expect(await runPreprocessScript(`function main() { ${body} }`, ctx)).toEqual({
        ok: false,
        error: `main must return an object like {verified: true}, but it returned ${got}`,
      });
    }
  });

  it("reports a program without main", async () => {
    const result = await runPreprocessScript("var ready = true; // main comes later", ctx);
    expect(result).toEqual({ ok: false, error: expect.stringMatching(/must define function main\(ctx\)/) });
  });

  it("reports a result that cannot be JSON", async () => {
    const result = await runPreprocessScript(
      "function main() { const o = { verified: true }; o.self = o; return o; }",
      ctx,
    );
    expect(result).toEqual({
      ok: false,
      error: expect.stringMatching(/^main returned an object that cannot be serialized/),
    });
  });

  it("never rejects, even for an unserializable context", async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const result = await runPreprocessScript("return {verified: true};", { ...ctx, body: cyclic });
    expect(result).toEqual({
      ok: false,
      error: expect.stringMatching(/^preprocess context cannot be serialized/),
    });
  });

  it("runs concurrent calls independently", async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        runPreprocessScript(
          `function main() { globalThis.n = (globalThis.n || 0) + 1; return { i: ${i}, n: globalThis.n }; }`,
          ctx,
        ),
      ),
    );
    expect(results).toEqual(Array.from({ length: 8 }, (_, i) => ({ ok: true, output: { i, n: 1 } })));
  });
});

describe("runPreprocessScript: time limit", () => {
  it("stops a synchronous infinite loop while the host keeps running", async () => {
    const { elapsed, timerFiredAt } = await expectTimeout("function main() { while (true) {} }");
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(timerFiredAt).not.toBeNull();
    expect(timerFiredAt as unknown as number).toBeLessThan(500);
    expect(await runPreprocessScript("return { verified: true };", ctx)).toEqual({
      ok: true,
      output: { verified: true },
    });
  });

  it("stops an infinite loop after an await", async () => {
    const { timerFiredAt } = await expectTimeout("async function main() { await null; while (true) {} }");
    expect(timerFiredAt).not.toBeNull();
    expect(await runPreprocessScript("async function main() { return { verified: true }; }", ctx)).toEqual({
      ok: true,
      output: { verified: true },
    });
  });

  it("stops an endless chain of promise jobs", async () => {
    await expectTimeout("async function main() { for (;;) { await null; } }");
  });

  it("ends a never-settling promise", async () => {
    await expectTimeout("function main() { return new Promise(() => {}); }");
    await expectTimeout("async function main() { await new Promise(() => {}); return { verified: true }; }");
  });

  it("stops a top-level loop and a loop in a getter of the result", async () => {
    await expectTimeout("while (true) {} function main() { return {}; }");
    await expectTimeout("function main() { return { get verified() { for (;;) {} } }; }");
  });

  it("describes a thrown Proxy with a looping getPrototypeOf trap without losing the worker", async () => {
    // The trap would run if the runner inspected the thrown value's prototype outside the vm timeout, and
    // only the host's hard kill (after the time limit) would then end it.
    const trap = "{ getPrototypeOf() { for (;;) {} } }";
    for (const thrown of [`new Proxy({}, ${trap})`, `Object.create(new Proxy({}, ${trap}))`]) {
      const started = performance.now();
      const result = await runPreprocessScript(`throw ${thrown}; function main() { return {}; }`, ctx);
      expect(performance.now() - started, thrown).toBeLessThan(900);
      expect(result, thrown).toEqual({ ok: false, error: expect.stringMatching(/^preprocess script threw/) });
      expect(await runPreprocessScript("return { verified: true };", ctx)).toEqual({
        ok: true,
        output: { verified: true },
      });
    }
  });

  it("honours a custom timeout", async () => {
    const started = performance.now();
    expect(await runPreprocessScript("function main() { while (true) {} }", ctx, { timeoutMs: 100 })).toEqual(
      {
        ok: false,
        error: "preprocess script did not finish within 100 ms",
      },
    );
    expect(performance.now() - started).toBeLessThan(600);
  });
});

describe("runPreprocessScript: isolation", () => {
  it("does not leak host objects through constructors", async () => {
    const source = `function main(ctx) {
      const attempts = {
        global: () => this.constructor.constructor("return process")(),
        globalThis: () => globalThis.constructor.constructor("return process")(),
        ctx: () => ctx.constructor.constructor("return process")(),
        helper: () => hmacSha256.constructor("return process")(),
        proto: () => Object.getPrototypeOf(globalThis).constructor.constructor("return process")(),
      };
      const out = { verified: true };
      for (const [name, attempt] of Object.entries(attempts)) {
        try { const p = attempt(); out[name] = typeof p === "object" && p !== null && typeof p.exit === "function" ? "LEAKED" : typeof p; }
        catch (e) { out[name] = "threw"; }
      }
      out.process = typeof process;
      out.require = typeof require;
      out.buffer = typeof Buffer;
      out.timers = typeof setTimeout;
      return out;
    }`;
    const result = await runPreprocessScript(source, ctx);
    expect(result.ok).toBe(true);
    const output = result.ok ? result.output : {};
    for (const name of ["global", "globalThis", "ctx", "helper", "proto"]) {
      expect(output[name], name).not.toBe("LEAKED");
      expect(["threw", "undefined"]).toContain(output[name]);
    }
    expect(output).toMatchObject({
      process: "undefined",
      require: "undefined",
      buffer: "undefined",
      timers: "undefined",
    });
  });

  it("gives each call a fresh context", async () => {
    await runPreprocessScript(
      "function main() { globalThis.leftover = 1; Object.prototype.polluted = 1; return {}; }",
      ctx,
    );
    expect(
      await runPreprocessScript(
        "function main() { return { leftover: typeof leftover, polluted: typeof ({}).polluted }; }",
        ctx,
      ),
    ).toEqual({ ok: true, output: { leftover: "undefined", polluted: "undefined" } });
  });

  it("keeps the helpers and ordinary buffer use working under the buffer count", async () => {
    const result = await runPreprocessScript(
      `function main(ctx) {
        const key = base64Decode("a25vY2stc2FuZGJveA==");
        const bytes = new Uint8Array([1, 2, 3]);
        return {
          hmac: hmacSha256(key, ctx.rawBody, "base64"),
          equal: timingSafeEqual(sha256("a"), sha256("a")),
          mapped: Array.from(bytes.map((b) => b * 2)),
          view: new DataView(bytes.buffer).getUint8(2),
          isView: ArrayBuffer.isView(bytes),
          text: utf8Decode(utf8Encode("héllo")),
        };
      }`,
      ctx,
    );
    expect(result).toMatchObject({
      ok: true,
      output: { equal: true, mapped: [2, 4, 6], view: 3, isView: true, text: "héllo" },
    });
  });

  it("survives a script that exhausts memory", async () => {
    const result = await runPreprocessScript(
      "function main() { const a = []; for (;;) a.push(new Array(1e6).fill(1)); }",
      ctx,
      { timeoutMs: 5000 },
    );
    expect(result).toEqual({ ok: false, error: expect.stringMatching(/memory|did not finish/) });
    expect(await runPreprocessScript("return { verified: true };", ctx)).toEqual({
      ok: true,
      output: { verified: true },
    });
  });
});

describe("crypto helpers", () => {
  const vectors: Array<{ key: string; message: string }> = [
    { key: "", message: "" },
    { key: "key", message: "The quick brown fox jumps over the lazy dog" },
    { key: "whsec_x", message: "a".repeat(55) },
    { key: "k", message: "b".repeat(56) },
    { key: "k", message: "c".repeat(64) },
    { key: "k".repeat(64), message: "exactly one block of key" },
    { key: "longer than the block size ".repeat(5), message: "d".repeat(1000) },
    { key: "clé 🔑", message: "héllo wörld — 你好 — 😀 — \u{10FFFF}" },
    { key: "lone", message: "x\uD800y\uDC00z" },
  ];

  it("hmacSha256, sha256 and base64Decode match node:crypto inside a script", async () => {
    const result = await runPreprocessScript(
      `function main(ctx) {
        const vectors = JSON.parse(ctx.rawBody);
        return {
          hex: vectors.map((v) => hmacSha256(v.key, v.message, "hex")),
          b64: vectors.map((v) => hmacSha256(v.key, v.message, "base64")),
          plain: vectors.map((v) => sha256(v.message)),
          bytesKey: hmacSha256(base64Decode("a25vY2stc2FuZGJveC1jbGVyay1rZXkh"), "msg_1.1700000000.{}", "base64"),
          decoded: Array.from(base64Decode("AAEC/w==")),
          urlsafe: Array.from(base64Decode("-_8")),
          encoded: base64Encode(new Uint8Array([0, 1, 2, 255])),
        };
      }`,
      { ...ctx, rawBody: JSON.stringify(vectors) },
    );
    expect(result.ok).toBe(true);
    const output = result.ok ? result.output : {};
    expect(output.hex).toEqual(
      vectors.map((v) => createHmac("sha256", v.key).update(v.message).digest("hex")),
    );
    expect(output.b64).toEqual(
      vectors.map((v) => createHmac("sha256", v.key).update(v.message).digest("base64")),
    );
    expect(output.plain).toEqual(vectors.map((v) => createHash("sha256").update(v.message).digest("hex")));
    expect(output.bytesKey).toBe(
      createHmac("sha256", Buffer.from("a25vY2stc2FuZGJveC1jbGVyay1rZXkh", "base64"))
        .update("msg_1.1700000000.{}")
        .digest("base64"),
    );
    expect(output.decoded).toEqual([0, 1, 2, 255]);
    expect(output.urlsafe).toEqual([251, 255]);
    expect(output.encoded).toBe("AAEC/w==");
  });

  it("timingSafeEqual compares strings", async () => {
    const result = await runPreprocessScript(
      `return { same: timingSafeEqual("abc", "abc"), diff: timingSafeEqual("abc", "abd"), len: timingSafeEqual("abc", "abcd"),
        empty: timingSafeEqual("", ""), notString: timingSafeEqual(undefined, "x"), bytes: timingSafeEqual(new Uint8Array([1]), new Uint8Array([1])) };`,
      ctx,
    );
    expect(result).toEqual({
      ok: true,
      output: { same: true, diff: false, len: false, empty: true, notString: false, bytes: true },
    });
  });

  it("rejects an invalid base64 string and an unknown encoding", async () => {
    expect(await runPreprocessScript("return { v: base64Decode('ab$d') };", ctx)).toEqual({
      ok: false,
      error: expect.stringMatching(/^preprocess script threw: TypeError: base64Decode: invalid character/),
    });
    expect(await runPreprocessScript("return { v: hmacSha256('k', 'm', 'latin1') };", ctx)).toEqual({
      ok: false,
      error: expect.stringMatching(/encoding must be/),
    });
  });

  // The prelude evaluated directly in a vm context, for many random inputs.
  const context = vm.createContext(Object.create(null));
  vm.runInContext(PRELUDE_SOURCE, context);
  const inContext = vm.runInContext(
    "({ hmacSha256, sha256, base64Decode, base64Encode, utf8Encode, utf8Decode })",
    context,
  ) as {
    hmacSha256: (k: string | Uint8Array, m: string | Uint8Array, e: string) => string;
    sha256: (m: string, e: string) => string;
    base64Decode: (s: string) => Uint8Array;
    base64Encode: (b: Uint8Array) => string;
    utf8Encode: (s: string) => Uint8Array;
    utf8Decode: (b: Uint8Array) => string;
  };

  it("matches node:crypto on random unicode keys and messages", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", maxLength: 200 }),
        fc.string({ unit: "binary", maxLength: 300 }),
        (key, message) => {
          expect(inContext.hmacSha256(key, message, "hex")).toBe(
            createHmac("sha256", key).update(message).digest("hex"),
          );
          expect(inContext.sha256(message, "base64")).toBe(
            createHash("sha256").update(message).digest("base64"),
          );
          expect(Buffer.from(inContext.utf8Encode(message)).equals(Buffer.from(message, "utf8"))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("matches node:crypto on random byte keys and round-trips base64", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 150 }), fc.uint8Array({ maxLength: 300 }), (key, message) => {
        const k = new (vm.runInContext("Uint8Array", context) as typeof Uint8Array)(key);
        const m = new (vm.runInContext("Uint8Array", context) as typeof Uint8Array)(message);
        expect(inContext.hmacSha256(k, m, "base64")).toBe(
          createHmac("sha256", key).update(message).digest("base64"),
        );
        const b64 = Buffer.from(message).toString("base64");
        expect(inContext.base64Encode(m)).toBe(b64);
        expect(Array.from(inContext.base64Decode(b64))).toEqual(Array.from(message));
        expect(inContext.utf8Decode(m)).toBe(Buffer.from(message).toString("utf8"));
      }),
      { numRuns: 300 },
    );
  });

  it("decodes invalid UTF-8 like TextDecoder", () => {
    const Ctx = vm.runInContext("Uint8Array", context) as typeof Uint8Array;
    for (const bytes of [
      [0xed, 0xa0, 0x80],
      [0xe0, 0x80],
      [0xf0, 0x90, 0x80],
      [0xc0, 0xaf],
      [0xf4, 0x90, 0x80, 0x80],
      [0xe2, 0x82],
    ]) {
      expect(inContext.utf8Decode(new Ctx(bytes))).toBe(new TextDecoder().decode(new Uint8Array(bytes)));
    }
  });

  it("hashes a message of a million bytes", () => {
    const big = "x".repeat(1_000_000);
    expect(inContext.sha256(big, "hex")).toBe(createHash("sha256").update(big).digest("hex"));
  });
});
