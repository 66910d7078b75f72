import type { IdSource } from "../ids.js";
import type { SandboxStore } from "../state.js";

export interface SandboxConfig {
  vars: Record<string, string>;
  scriptTimeoutMs: number;
  ids: IdSource;
}

export interface RouteContext {
  store: SandboxStore;
  config: SandboxConfig;
  query: URLSearchParams;
  /** Decoded `{key}` path segment, when the route has one. */
  key: string;
  /** Parsed JSON body; undefined when the request had none. */
  body: unknown;
}

/** A handler returns the JSON body of a 200 response or throws a SandboxHttpError. */
export type Handler = (ctx: RouteContext) => unknown | Promise<unknown>;
