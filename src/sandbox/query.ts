import { FieldErrors, invalidParams } from "./errors.js";
import { requireEnvironment } from "./state.js";
import type { Environment } from "./types.js";

/** `environment` query parameter: missing → 422 when required, unknown → 404. */
export function environmentParam(query: URLSearchParams, required: true): Environment;
export function environmentParam(query: URLSearchParams, required: false): Environment | undefined;
export function environmentParam(query: URLSearchParams, required: boolean): Environment | undefined {
  const value = query.get("environment");
  if (value === null || value === "") {
    if (required) throw invalidParams([{ field: "environment", message: "is required", type: null }]);
    return undefined;
  }
  return requireEnvironment(value);
}

/**
 * `include` arrives in bracket form (`include[]=a&include[]=b`); plain `include=a` and comma lists are accepted
 * too. Any value outside the endpoint's enum is a 422.
 */
export function includeParam<T extends string>(query: URLSearchParams, allowed: readonly T[]): Set<T> {
  const values = [...query.getAll("include[]"), ...query.getAll("include")]
    .flatMap((value) => value.split(","))
    .map((value) => value.trim())
    .filter((value) => value !== "");
  const errors = new FieldErrors();
  const out = new Set<T>();
  for (const value of values) {
    if ((allowed as readonly string[]).includes(value)) out.add(value as T);
    else errors.add("include", `"${value}" is not one of: ${allowed.join(", ")}`);
  }
  errors.throwIfAny();
  return out;
}
