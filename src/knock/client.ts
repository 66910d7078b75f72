// Typed calls for the nine sources operations of Knock's Management API. It knows paths, which operations
// take `environment`, the wrapped bodies and the response shapes; it knows nothing about MCP.
import type { z } from "zod";
import { KnockResponseError } from "./errors.js";
import type { KnockHttp, RequestSpec } from "./http.js";
import type { ProviderInclude } from "./schemas.js";
import * as S from "./schemas.js";
import { apiPath } from "./url.js";

export interface LogsQuery {
  environment: string;
  date?: string | undefined;
  starting_at?: string | undefined;
  ending_at?: string | undefined;
  event?: string | undefined;
  id?: string | undefined;
  include?: readonly "actions"[] | undefined;
  after?: string | undefined;
  before?: string | undefined;
  limit?: number | undefined;
}

/** The writable fields of a source (SourceRequest); only those given are sent. */
export interface SourceRequest {
  name: string;
  description?: string | null | undefined;
  custom_image_url?: string | null | undefined;
  preconfigured_provider?: string | undefined;
  environment_settings?: Record<string, unknown> | undefined;
}

type Signal = AbortSignal | undefined;

export class KnockClient {
  constructor(readonly http: KnockHttp) {}

  async listSources(
    q: { environment?: string; include?: readonly "environment_settings"[] },
    signal?: Signal,
  ) {
    return this.#call(S.SourcesResponse, {
      method: "GET",
      path: apiPath`/v1/sources`,
      query: { environment: q.environment, include: q.include },
      target: { resource: "collection" },
      signal,
    });
  }

  async getSource(key: string, environment: string, signal?: Signal) {
    return this.#call(S.Source, {
      method: "GET",
      path: apiPath`/v1/sources/${key}`,
      query: { environment },
      target: { resource: "source", key, environment },
      signal,
    });
  }

  async upsertSource(key: string, environment: string, source: SourceRequest, signal?: Signal) {
    const wrapped = await this.#call(S.WrappedSource, {
      method: "PUT",
      path: apiPath`/v1/sources/${key}`,
      query: { environment },
      body: { source: withoutUndefined(source) },
      target: { resource: "source", key, environment },
      signal,
    });
    return wrapped.source;
  }

  async getSourceStatus(key: string, environment: string | undefined, signal?: Signal) {
    return this.#call(S.SourceStatus, {
      method: "GET",
      path: apiPath`/v1/sources/${key}/status`,
      query: { environment },
      target: { resource: "source", key, environment },
      signal,
    });
  }

  async rehearseSource(key: string, environment: string, payload: Record<string, unknown>, signal?: Signal) {
    return this.#call(S.RehearseResult, {
      method: "POST",
      path: apiPath`/v1/sources/${key}/rehearse`,
      query: { environment },
      body: { payload },
      target: { resource: "source", key, environment },
      signal,
    });
  }

  async listSourceEvents(key: string, environment: string | undefined, signal?: Signal) {
    return this.#call(S.SourceEventsResponse, {
      method: "GET",
      path: apiPath`/v1/sources/${key}/events`,
      query: { environment },
      target: { resource: "source", key, environment },
      signal,
    });
  }

  async listSourceLogs(key: string, q: LogsQuery, signal?: Signal) {
    return this.#call(S.SourceLogsResponse, {
      method: "GET",
      path: apiPath`/v1/sources/${key}/logs`,
      query: { ...q },
      target: { resource: "source", key, environment: q.environment },
      signal,
    });
  }

  async listSourceProviders(signal?: Signal) {
    return this.#call(S.ProvidersResponse, {
      method: "GET",
      path: apiPath`/v1/source_providers`,
      target: { resource: "collection" },
      signal,
    });
  }

  async getSourceProvider(key: string, include: readonly ProviderInclude[] | undefined, signal?: Signal) {
    return this.#call(S.Provider, {
      method: "GET",
      path: apiPath`/v1/source_providers/${key}`,
      query: { include },
      target: { resource: "provider", key },
      signal,
    });
  }

  async #call<T extends z.ZodType>(schema: T, spec: RequestSpec): Promise<z.output<T>> {
    const body = await this.http.request(spec);
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const issues = parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`)
        .join("; ");
      throw new KnockResponseError(
        `Knock's answer to ${spec.method} ${spec.path} did not have the documented shape (${issues}). ` +
          "Check that --base-url / KNOCK_MGMT_BASE_URL points at Knock's Management API.",
      );
    }
    return parsed.data;
  }
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
