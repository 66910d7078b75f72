// Invariants over the whole tool table, so a new tool cannot forget what every tool must have.
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { toPortableJsonSchema } from "../src/mcp/json-schema.js";
import { TOOLS } from "../src/tools/index.js";
import { connect, testConfig } from "./helpers/mcp.js";

const toolFiles = readdirSync(new URL("../src/tools/", import.meta.url)).filter(
  (f) => f.endsWith(".ts") && !["index.ts", "define-tool.ts", "params.ts"].includes(f),
);

describe("the tool table", () => {
  it("holds the sources operations, one file each, named after the tool, each name once", () => {
    expect(TOOLS.length).toBeGreaterThan(0);
    expect(TOOLS).toHaveLength(toolFiles.length);
    expect(new Set(TOOLS.map((t) => t.name)).size).toBe(TOOLS.length);
    expect(toolFiles.sort()).toEqual(TOOLS.map((t) => `${t.name.replaceAll("_", "-")}.ts`).sort());
  });

  it.each(TOOLS.map((t) => [t.name, t] as const))(
    "%s: name, hints, description and parameters",
    (name, tool) => {
      expect(name).toMatch(/^[a-z_]{1,30}$/);
      expect(tool.title.length).toBeGreaterThan(3);
      for (const hint of ["readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"] as const) {
        expect(typeof tool.annotations[hint]).toBe("boolean");
      }
      // A read-only tool cannot also claim to destroy something.
      if (tool.annotations.readOnlyHint) expect(tool.annotations.destructiveHint).toBe(false);
      expect(tool.description.length).toBeGreaterThan(80);
      expect(tool.description.length).toBeLessThanOrEqual(600);
      expect(tool.description).toMatch(/Example: \{/);

      const schema = z.toJSONSchema(tool.input, { target: "draft-07" }) as {
        properties?: Record<string, { description?: string }>;
        additionalProperties?: unknown;
      };
      expect(schema.additionalProperties).toBe(false);
      for (const [param, spec] of Object.entries(schema.properties ?? {})) {
        expect(spec.description, `${name}.${param} has no description`).toMatch(/\w{3,}/);
      }
    },
  );

  it("marks exactly upsert_source and rehearse_source_event as writing tools", () => {
    expect(TOOLS.filter((t) => !t.annotations.readOnlyHint).map((t) => t.name)).toEqual([
      "upsert_source",
      "rehearse_source_event",
    ]);
    const upsert = TOOLS.find((t) => t.name === "upsert_source");
    expect(upsert?.annotations).toMatchObject({ destructiveHint: true, idempotentHint: true });
    const rehearse = TOOLS.find((t) => t.name === "rehearse_source_event");
    expect(rehearse?.annotations).toMatchObject({ destructiveHint: false, idempotentHint: false });
  });

  it("every environment-scoped tool takes an optional environment; the provider tools take none", () => {
    for (const tool of TOOLS) {
      const shape = tool.input.shape as Record<string, z.ZodType>;
      if (tool.name.includes("provider")) expect(shape.environment).toBeUndefined();
      else expect(shape.environment?.safeParse(undefined).success, tool.name).toBe(true);
    }
  });
});

describe("the JSON Schemas hosts receive", () => {
  const walk = (
    node: unknown,
    path: string,
    visit: (node: Record<string, unknown>, path: string) => void,
  ) => {
    if (Array.isArray(node)) {
      for (const [i, n] of node.entries()) walk(n, `${path}[${i}]`, visit);
    } else if (node && typeof node === "object") {
      visit(node as Record<string, unknown>, path);
      for (const [k, v] of Object.entries(node)) walk(v, `${path}.${k}`, visit);
    }
  };

  it.each(TOOLS.map((t) => [t.name, t] as const))(
    "%s: no bare {} and no multi-type arrays",
    (_name, tool) => {
      for (const [io, schema] of [
        ["input", tool.input],
        ["output", tool.output],
      ] as const) {
        walk(toPortableJsonSchema(schema, io), io, (node, path) => {
          expect(Array.isArray(node.type), `${path}.type is an array`).toBe(false);
          if (node.additionalProperties !== undefined && typeof node.additionalProperties === "object") {
            expect(
              Object.keys(node.additionalProperties as object).length,
              `${path}.additionalProperties is {}`,
            ).toBeGreaterThan(0);
          }
        });
      }
    },
  );

  it("keeps nullability as anyOf with a null branch", () => {
    const schema = toPortableJsonSchema(z.object({ a: z.string().nullable().describe("A.") }), "output");
    expect(schema.properties).toEqual({
      a: { description: "A.", anyOf: [{ type: "string" }, { type: "null" }] },
    });
  });
});

describe("the context the tool list costs", () => {
  it("stays within 14 KB of JSON for all the tools with their output schemas", async () => {
    const session = await connect(testConfig(), undefined);
    try {
      const { tools } = await session.mcp.listTools();
      expect(tools.map((t) => t.name)).toEqual(TOOLS.map((t) => t.name));
      const bytes = Buffer.byteLength(JSON.stringify(tools));
      // Paid in the model's context on every turn; trim descriptions before raising this.
      expect(bytes, `tools/list is ${bytes} bytes`).toBeLessThanOrEqual(14 * 1024);
    } finally {
      await session.close();
    }
  });
});
