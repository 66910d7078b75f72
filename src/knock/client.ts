// Typed calls for the nine sources operations of Knock's Management API. It knows paths, which operations
// take `environment`, the wrapped bodies and the response shapes; it knows nothing about MCP.
import type { z } from "zod";
import { KnockApiError, KnockError, KnockResponseError, type Subject } from "./errors.js";
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

/** Pages of GET /v1/sources read at most in one listing: a bound on calls for a project of many sources. */
export const MAX_SOURCE_PAGES = 20;

/** Every source, from as many pages as Knock gave (up to the bound). */
export interface SourcesList {
  entries: S.SourceSummary[];
  /** Set when the bound stopped the listing with pages left: how many were read, and the next cursor. */
  incomplete?: { pages: number; after: string };
}

const COLLECTION: Subject = { resource: "collection" };

export class KnockClient {
  constructor(readonly http: KnockHttp) {}

  /**
   * All sources: each page's `page_info.after` is passed back as `after` for the next, as Knock's SDK
   * pages its cursor lists (knock-mgmt-node src/core/pagination.ts, EntriesCursor) and its CLI pages this
   * one (`after`/`before`/`limit`, knock-cli src/lib/helpers/page.ts). No `limit` is sent: Knock's default.
   */
  async listSources(
    q: { environment?: string; include?: readonly "environment_settings"[] },
    signal?: Signal,
  ): Promise<SourcesList> {
    const entries: S.SourceSummary[] = [];
    let after: string | undefined;
    for (let pages = 1; ; pages++) {
      const page = await this.#call(
        S.SourcesPage,
        {
          method: "GET",
          path: apiPath`/v1/sources`,
          query: { environment: q.environment, include: q.include, after },
          signal,
        },
        COLLECTION,
      );
      entries.push(...page.entries);
      const next = page.page_info?.after;
      if (!next) return { entries };
      if (pages >= MAX_SOURCE_PAGES) return { entries, incomplete: { pages, after: next } };
      after = next;
    }
  }

  async getSource(key: string, environment: string, signal?: Signal) {
    return this.#call(
      S.Source,
      {
        method: "GET",
        path: apiPath`/v1/sources/${key}`,
        query: { environment },
        signal,
      },
      { resource: "source", key, environment },
    );
  }

  /** Whether Knock has this source: a GET that answers 404 says no; any other failure is thrown. */
  async sourceExists(key: string, environment: string, signal?: Signal): Promise<boolean> {
    try {
      await this.getSource(key, environment, signal);
      return true;
    } catch (error) {
      if (error instanceof KnockApiError && error.status === 404) return false;
      throw error;
    }
  }

  async upsertSource(key: string, environment: string, source: SourceRequest, signal?: Signal) {
    const wrapped = await this.#call(
      S.WrappedSource,
      {
        method: "PUT",
        path: apiPath`/v1/sources/${key}`,
        query: { environment },
        body: { source: withoutUndefined(source) },
        signal,
      },
      { resource: "source", key, environment },
    );
    return wrapped.source;
  }

  async getSourceStatus(key: string, environment: string | undefined, signal?: Signal) {
    return this.#call(
      S.SourceStatus,
      {
        method: "GET",
        path: apiPath`/v1/sources/${key}/status`,
        query: { environment },
        signal,
      },
      { resource: "source", key, environment },
    );
  }

  async rehearseSource(key: string, environment: string, payload: Record<string, unknown>, signal?: Signal) {
    return this.#call(
      S.RehearseResult,
      {
        method: "POST",
        path: apiPath`/v1/sources/${key}/rehearse`,
        query: { environment },
        body: { payload },
        signal,
      },
      { resource: "source", key, environment },
    );
  }

  async listSourceEvents(key: string, environment: string | undefined, signal?: Signal) {
    return this.#call(
      S.SourceEventsResponse,
      {
        method: "GET",
        path: apiPath`/v1/sources/${key}/events`,
        query: { environment },
        signal,
      },
      { resource: "source", key, environment },
    );
  }

  /** `maxRetries` lowers the client's retries for this call (a poll retries at its next interval). */
  async listSourceLogs(key: string, q: LogsQuery, signal?: Signal, options: { maxRetries?: number } = {}) {
    return this.#call(
      S.SourceLogsResponse,
      {
        method: "GET",
        path: apiPath`/v1/sources/${key}/logs`,
        query: { ...q },
        signal,
        maxRetries: options.maxRetries,
      },
      { resource: "source", key, environment: q.environment },
    );
  }

  async listSourceProviders(signal?: Signal) {
    return this.#call(
      S.ProvidersResponse,
      {
        method: "GET",
        path: apiPath`/v1/source_providers`,
        signal,
      },
      COLLECTION,
    );
  }

  async getSourceProvider(key: string, include: readonly ProviderInclude[] | undefined, signal?: Signal) {
    return this.#call(
      S.Provider,
      {
        method: "GET",
        path: apiPath`/v1/source_providers/${key}`,
        query: { include },
        signal,
      },
      { resource: "provider", key },
    );
  }

  /** One request: errors say what it was about (`subject`), and the answer must have its documented shape. */
  async #call<T extends z.ZodType>(schema: T, spec: RequestSpec, subject: Subject): Promise<z.output<T>> {
    let body: unknown;
    try {
      body = await this.http.request(spec);
    } catch (error) {
      if (error instanceof KnockError) error.subject ??= subject;
      throw error;
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const issues = parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`)
        .join("; ");
      throw new KnockResponseError("unexpected-shape", issues, { request: `${spec.method} ${spec.path}` });
    }
    return parsed.data;
  }
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
