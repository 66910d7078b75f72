import type { StoredLog } from "./types.js";

// Cursors are opaque to clients: base64url of "<inserted_at ms>:<seq>", the sort key of a log. Pointing at a
// position instead of an offset keeps pages stable while new logs arrive at the top.

export interface Position {
  ms: number;
  seq: number;
}

export function positionOf(log: StoredLog): Position {
  return { ms: Date.parse(log.inserted_at), seq: log.seq };
}

export function encodeCursor(position: Position): string {
  return Buffer.from(`${position.ms}:${position.seq}`, "utf8").toString("base64url");
}

export function decodeCursor(cursor: string): Position | null {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  const match = /^(\d{1,15}):(\d{1,15})$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!match) return null;
  return { ms: Number(match[1]), seq: Number(match[2]) };
}

/** Newest first: negative when a comes before b in list order. */
export function compareNewestFirst(a: Position, b: Position): number {
  return b.ms - a.ms || b.seq - a.seq;
}

export interface Page<T> {
  entries: T[];
  after: string | null;
  before: string | null;
}

/**
 * Pages over logs already filtered and sorted newest first. `after` returns the `limit` entries that follow
 * the cursor; `before` the `limit` entries that precede it (closest to it), so following `before` from a page
 * returns exactly the previous page.
 */
export function paginate(
  sorted: StoredLog[],
  limit: number,
  cursor: { after?: Position; before?: Position },
): Page<StoredLog> {
  let start: number;
  let end: number;
  if (cursor.before) {
    const pivot = cursor.before;
    end = sorted.findIndex((log) => compareNewestFirst(positionOf(log), pivot) >= 0);
    if (end === -1) end = sorted.length;
    start = Math.max(0, end - limit);
  } else {
    const pivot = cursor.after;
    start = pivot ? sorted.findIndex((log) => compareNewestFirst(positionOf(log), pivot) > 0) : 0;
    if (start === -1) start = sorted.length;
    end = Math.min(sorted.length, start + limit);
  }
  const entries = sorted.slice(start, end);
  const first = entries[0];
  const last = entries[entries.length - 1];
  return {
    entries,
    after: last && end < sorted.length ? encodeCursor(positionOf(last)) : null,
    before: first && start > 0 ? encodeCursor(positionOf(first)) : null,
  };
}
