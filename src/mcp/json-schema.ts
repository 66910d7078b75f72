// Tool schemas as JSON Schema that every host accepts without complaint. zod's output is correct but
// spells "any value" as `{}` and nullable fields as `type: [X, "null"]`; several clients (and schema
// linters such as the MCP inspector's --strict) flag both, and single-type dialects drop the constraint.
//
// The SDK asks a schema for its JSON Schema through Standard JSON Schema (`~standard.jsonSchema`), so the
// portable form is handed over there: zod still validates every argument and result, and the SDK's own
// tools/list handler stays in place.
import type { StandardSchemaWithJSON } from "@modelcontextprotocol/server";
import { z } from "zod";

type Json = Record<string, unknown>;
type Target = "draft-2020-12" | "draft-07";

export function toPortableJsonSchema(
  schema: z.ZodType,
  io: "input" | "output",
  target: Target = "draft-2020-12",
): Json {
  // `$schema` is left out: it repeats in every tool of every tools/list, and these schemas use nothing that
  // reads differently in draft-07 and 2020-12 (MCP's default dialect).
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target, io }) as Json;
  return portable(rest) as Json;
}

// One wrapper per schema for the life of the process: a server instance is made per connection, and over
// HTTP per request, and none of them should convert the same schemas again.
const wrapped = new WeakMap<z.ZodType, StandardSchemaWithJSON>();

/** The zod schema as the SDK takes it: zod's validation, the portable JSON Schema (each computed once). */
export function portableSchema<T extends z.ZodType>(
  schema: T,
): StandardSchemaWithJSON<z.input<T>, z.output<T>> {
  let known = wrapped.get(schema);
  if (!known) {
    known = wrap(schema);
    wrapped.set(schema, known);
  }
  return known as StandardSchemaWithJSON<z.input<T>, z.output<T>>;
}

function wrap<T extends z.ZodType>(schema: T): StandardSchemaWithJSON<z.input<T>, z.output<T>> {
  const converted = new Map<string, Json>();
  const once = (io: "input" | "output", target: string) => {
    const key = `${io} ${target}`;
    let json = converted.get(key);
    if (!json) {
      json = toPortableJsonSchema(schema, io, target === "draft-07" ? "draft-07" : "draft-2020-12");
      converted.set(key, json);
    }
    return json;
  };
  const zod = schema["~standard"];
  return {
    "~standard": {
      version: 1,
      vendor: "knock-sources-mcp",
      validate: (value) => zod.validate(value),
      jsonSchema: {
        input: ({ target }) => once("input", target),
        output: ({ target }) => once("output", target),
      },
    },
  };
}

function portable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(portable);
  if (typeof node !== "object" || node === null) return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    // A record's key schema says only "string", which every JSON object key already is.
    if (key === "propertyNames" && isPlainStringSchema(value)) continue;
    // "Any other property" is JSON Schema's default, so saying it costs context and adds nothing.
    if (key === "additionalProperties" && (value === true || isEmptyObject(value))) continue;
    out[key] = portable(value);
  }
  if (Array.isArray(out.type)) {
    const types = out.type as string[];
    const { type: _drop, description, ...rest } = out;
    const branches = types.map((t) => (t === "null" ? { type: "null" } : { ...rest, type: t }));
    return description === undefined ? { anyOf: branches } : { description, anyOf: branches };
  }
  return out;
}

function isEmptyObject(value: unknown): boolean {
  return (
    typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length === 0
  );
}

function isPlainStringSchema(value: unknown): boolean {
  return JSON.stringify(value) === '{"type":"string"}';
}
