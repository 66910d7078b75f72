// resources/list: every concrete resource, in a fixed order, paged with an opaque cursor. The cursor holds
// the sort key of the last item sent rather than an offset, so a source created or deleted between two
// pages neither repeats nor skips the others.
import { InputError } from "../shared/errors.js";
import type { CatalogSnapshot } from "./catalog.js";
import { MIME, RECENT_LOGS } from "./read.js";
import { uriOf } from "./uris.js";

export const PAGE_SIZE = 100;

/** One entry of resources/list, as the protocol describes a resource. */
export interface Resource {
  uri: string;
  name: string;
  title: string;
  description: string;
  mimeType: string;
}

interface Listed {
  order: string;
  resource: Resource;
}

export function listResources(snapshot: CatalogSnapshot): Listed[] {
  const out: Listed[] = [];
  for (const p of snapshot.providers) {
    out.push({
      order: `0\u0000${p.key}`,
      resource: {
        uri: uriOf({ kind: "provider", provider: p.key }),
        name: `${p.name} — provider template`,
        title: `${p.name} — provider template`,
        description: `Knock's ${p.name} template (${p.key}): default settings, mappings and example payloads. Same as get_source_provider with every include.`,
        mimeType: MIME,
      },
    });
  }
  for (const s of snapshot.sources) {
    for (const environment of s.environments) {
      const at = `${s.key} · ${environment}`;
      const base = `1\u0000${s.key}\u0000${environment}\u0000`;
      out.push(
        {
          order: `${base}0`,
          resource: {
            uri: uriOf({ kind: "source", source: s.key, environment }),
            name: `${at} — source settings`,
            title: `${s.name} (${environment}) — source settings`,
            description: `Settings and mappings of source ${s.key} in ${environment}. Same as get_source.`,
            mimeType: MIME,
          },
        },
        {
          order: `${base}1`,
          resource: {
            uri: uriOf({ kind: "logs", source: s.key, environment }),
            name: `${at} — event logs`,
            title: `${s.name} (${environment}) — event logs`,
            description: `The ${RECENT_LOGS} most recent event logs of source ${s.key} in ${environment}, with their actions. Same as list_source_logs with include ["actions"]. Subscribe to hear of new ones.`,
            mimeType: MIME,
          },
        },
      );
    }
  }
  return out.sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
}

export function pageOf(
  all: readonly Listed[],
  cursor: string | undefined,
  pageSize = PAGE_SIZE,
): { resources: Resource[]; nextCursor?: string } {
  const after = cursor === undefined ? undefined : decodeCursor(cursor);
  const rest = after === undefined ? all : all.filter((item) => item.order > after);
  const page = rest.slice(0, pageSize);
  const last = page[page.length - 1];
  return {
    resources: page.map((item) => item.resource),
    ...(rest.length > pageSize && last ? { nextCursor: encodeCursor(last.order) } : {}),
  };
}

function encodeCursor(order: string): string {
  return Buffer.from(JSON.stringify({ v: 1, after: order })).toString("base64url");
}

function decodeCursor(cursor: string): string {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (typeof parsed === "object" && parsed !== null) {
      const { v, after } = parsed as Record<string, unknown>;
      if (v === 1 && typeof after === "string") return after;
    }
  } catch {
    // fall through to the one message
  }
  throw new InputError(
    `${JSON.stringify(cursor)} is not a cursor from this server. Pass back nextCursor exactly as received, or omit it to start again.`,
  );
}
