// What exists, for resources/list and completions: one sources call and one providers call, shared by every
// request for a short while so that paging through a long list or typing a completion costs no extra calls.
import type { KnockClient } from "../knock/client.js";

export interface CatalogSource {
  key: string;
  name: string;
  environments: string[];
}

export interface CatalogProvider {
  key: string;
  name: string;
}

export interface CatalogSnapshot {
  providers: CatalogProvider[];
  sources: CatalogSource[];
}

export const CATALOG_TTL_MS = 30_000;

export class Catalog {
  #cached: { at: number; value: Promise<CatalogSnapshot> } | undefined;

  constructor(
    private readonly client: KnockClient,
    private readonly ttlMs = CATALOG_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  get(): Promise<CatalogSnapshot> {
    const cached = this.#cached;
    if (cached && this.now() - cached.at < this.ttlMs) return cached.value;
    const value = this.#load();
    this.#cached = { at: this.now(), value };
    // A failure is not remembered: the next request tries again.
    value.catch(() => {
      if (this.#cached?.value === value) this.#cached = undefined;
    });
    return value;
  }

  /** The next get() asks Knock again: something was written that the cached snapshot does not show. */
  invalidate(): void {
    this.#cached = undefined;
  }

  async #load(): Promise<CatalogSnapshot> {
    // No `environment`: the answer then carries the settings of every environment of each source.
    const [sources, providers] = await Promise.all([
      this.client.listSources({ include: ["environment_settings"] }),
      this.client.listSourceProviders(),
    ]);
    const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
    return {
      // A name Knock left out is shown as the key: titles only, nothing is looked up by name.
      providers: providers.entries.map((p) => ({ key: p.key, name: p.provider?.name ?? p.key })).sort(byKey),
      sources: sources.entries
        .map((s) => ({
          key: s.key,
          name: s.name ?? s.key,
          environments: Object.keys(s.environment_settings ?? {}).sort(),
        }))
        .sort(byKey),
    };
  }
}

export function allEnvironments(snapshot: CatalogSnapshot): string[] {
  return [...new Set(snapshot.sources.flatMap((s) => s.environments))].sort();
}
