import { FieldErrors } from "../errors.js";
import { compareNewestFirst, decodeCursor, type Position, paginate, positionOf } from "../pagination.js";
import { presentLog } from "../present.js";
import { environmentParam, includeParam } from "../query.js";
import type { StoredLog } from "../types.js";
import type { RouteContext } from "./context.js";

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 100;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

function parseDate(value: string): [number, number] | null {
  const match = DATE.exec(value);
  if (!match) return null;
  const start = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  // Date.UTC rolls 2024-02-31 over to March; a round trip catches it.
  if (new Date(start).toISOString().slice(0, 10) !== value) return null;
  return [start, start + 24 * 60 * 60 * 1000];
}

function parseDateTime(value: string): number | null {
  if (!DATE_TIME.test(value)) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

export function listSourceLogs({ store, query, key }: RouteContext): unknown {
  const environment = environmentParam(query, true);
  const include = includeParam(query, ["actions"] as const);
  store.requireSource(key);

  const errors = new FieldErrors();
  let limit = DEFAULT_LIMIT;
  const limitText = query.get("limit");
  if (limitText !== null) {
    const n = /^\d+$/.test(limitText) ? Number(limitText) : Number.NaN;
    if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT) {
      errors.add("limit", `must be an integer from 1 to ${MAX_LIMIT}`);
    } else {
      limit = n;
    }
  }
  const cursors: { after?: Position; before?: Position } = {};
  for (const name of ["after", "before"] as const) {
    const text = query.get(name);
    if (text === null || text === "") continue;
    const position = decodeCursor(text);
    if (position) cursors[name] = position;
    else
      errors.add(name, "is not a valid cursor (use page_info.after / page_info.before from a previous page)");
  }
  if (cursors.after && cursors.before) errors.add("before", "cannot be combined with after");

  const filters: Array<(log: StoredLog) => boolean> = [];
  const date = query.get("date");
  if (date !== null) {
    const range = parseDate(date);
    if (!range) errors.add("date", "must be a date in the form YYYY-MM-DD");
    else
      filters.push(
        (log) => Date.parse(log.inserted_at) >= range[0] && Date.parse(log.inserted_at) < range[1],
      );
  }
  for (const [name, inclusive] of [
    ["starting_at", (ms: number, bound: number) => ms >= bound],
    ["ending_at", (ms: number, bound: number) => ms <= bound],
  ] as const) {
    const text = query.get(name);
    if (text === null) continue;
    const bound = parseDateTime(text);
    if (bound === null) errors.add(name, "must be an ISO-8601 date-time such as 2024-01-15T12:00:00Z");
    else filters.push((log) => inclusive(Date.parse(log.inserted_at), bound));
  }
  const event = query.get("event");
  if (event !== null) filters.push((log) => log.event === event);
  const id = query.get("id");
  if (id !== null) filters.push((log) => log.id === id);
  errors.throwIfAny();

  const sorted = store
    .logsOf(key, environment)
    .filter((log) => filters.every((keep) => keep(log)))
    .sort((a, b) => compareNewestFirst(positionOf(a), positionOf(b)));
  const page = paginate(sorted, limit, cursors);
  return {
    entries: page.entries.map((log) => presentLog(log, include.has("actions"))),
    page_info: { after: page.after, before: page.before, page_size: limit },
  };
}
