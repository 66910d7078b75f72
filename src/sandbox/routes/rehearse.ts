import { FieldErrors, invalidParams } from "../errors.js";
import { rehearse } from "../pipeline/rehearse.js";
import { environmentParam } from "../query.js";
import { isPlainObject } from "../types.js";
import type { RouteContext } from "./context.js";

export async function rehearseSource({ store, query, key, body, config }: RouteContext): Promise<unknown> {
  const environment = environmentParam(query, true);
  if (environment === "production") {
    throw invalidParams([
      {
        field: "environment",
        message: "rehearsal cannot run in production; use development or staging",
        type: null,
      },
    ]);
  }
  const source = store.requireSource(key);
  const errors = new FieldErrors();
  const payload = isPlainObject(body) ? body.payload : undefined;
  if (!isPlainObject(payload)) {
    errors.add("payload", 'is required and must be an object such as {"body": {...}, "headers": {...}}');
  } else if (payload.headers !== undefined && payload.headers !== null && !isPlainObject(payload.headers)) {
    errors.add("payload.headers", "must be an object of header names to values");
  }
  errors.throwIfAny();
  return rehearse(store, source, environment, payload as Record<string, unknown>, config);
}
