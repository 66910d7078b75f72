// What one server instance works with: the settings, the Knock client (absent without a token), the
// secrets no answer may show, the catalog behind lists and completions, and the era it serves.
import type { Config } from "../config.js";
import type { KnockClient } from "../knock/client.js";
import type { Catalog } from "../resources/catalog.js";

export interface Connection {
  era: "legacy" | "modern";
  config: Config;
  client: KnockClient | undefined;
  secrets: readonly string[];
  catalog: Catalog | undefined;
  /** After a write through this server: lists and completions must not show what was there before. */
  catalogChanged(): void;
}
