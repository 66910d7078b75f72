import { z } from "zod";
import { type SourceLog, SourceLogsResponse } from "../knock/schemas.js";
import { defineTool, READ_ONLY } from "./define-tool.js";
import { Cursor, DateTime, Day, Environment, Limit, SourceKey, Text } from "./params.js";

export default defineTool({
  name: "list_source_logs",
  title: "List a source's event logs",
  description:
    "List a source's event logs, newest first, with data, preprocess output and verification status; " +
    'include ["actions"] adds what each event ran.\n' +
    "Use it to see why an event did or did not trigger a workflow.\n" +
    'Example: {"key": "stripe", "event": "invoice.paid", "include": ["actions"]}.\n' +
    'Paging: pass page_info.after back as `after`. Smaller pages: action_payload "differing".',
  input: z
    .strictObject({
      key: SourceKey,
      environment: Environment,
      include: z
        .array(z.enum(["actions"]))
        .optional()
        .describe("Add the actions each event ran."),
      event: Text(256).optional().describe("Only this event type (from list_source_events)."),
      id: Text(256).optional().describe("Only this log id, e.g. a rehearsal's log_id."),
      date: Day.describe("Only logs from this UTC day, YYYY-MM-DD."),
      starting_at: DateTime.describe("Only logs at or after this ISO 8601 time."),
      ending_at: DateTime.describe("Only logs at or before this ISO 8601 time."),
      after: Cursor("after"),
      before: Cursor("before"),
      limit: Limit,
      action_payload: z
        .enum(["all", "differing", "none"])
        .optional()
        .describe('"differing": copies of data become "(same as data.<path>)"; "none": left out.'),
    })
    .refine(
      (q) => !excludeEachOther(q),
      "date, starting_at and ending_at leave no time between them, so no log could match: give the one day as date, or a range as starting_at and ending_at",
    ),
  output: SourceLogsResponse,
  annotations: READ_ONLY,
  paged: true,
  links: (page, { key, environment }, defaultEnvironment) =>
    page.entries.map((log) => ({
      environment: environment ?? defaultEnvironment,
      source: key,
      logId: log.id,
    })),
  handler: async ({ key, environment, action_payload, ...query }, { client, defaultEnvironment, signal }) => {
    const page = await client.listSourceLogs(
      key,
      { environment: environment ?? defaultEnvironment, ...query },
      signal,
    );
    if (action_payload === undefined || action_payload === "all") return page;
    return { ...page, entries: page.entries.map((log) => withLessPayload(log, action_payload)) };
  },
});

// Each action's action_payload holds the values its mapping resolved from the event, so a mapping such as
// `data: body.data.object` repeats much of the log's own `data` in every action. Knock's shape is kept by
// default; on request a copied value gives way to where the log holds it, or action_payload is left out.

/** Values shorter than this (as JSON) stay: a pointer would not be much shorter. */
const MIN_REPLACED = 64;

function withLessPayload(log: SourceLog, mode: "differing" | "none"): SourceLog {
  if (!log.actions?.length) return log;
  if (mode === "none") {
    return { ...log, actions: log.actions.map(({ action_payload: _omitted, ...action }) => action) };
  }
  const payloads = log.actions.map((action) => asRecord(action.action_payload));
  const wanted = new Set<string>();
  for (const payload of payloads) {
    for (const value of Object.values(payload ?? {})) {
      const text = isContainer(value) ? canonical(value) : "";
      if (text.length >= MIN_REPLACED) wanted.add(text);
    }
  }
  if (wanted.size === 0) return log;
  const found = new Map<string, string>();
  for (const where of ["data", "preprocess_output"]) index(log[where], where, wanted, found);
  if (found.size === 0) return log;
  return {
    ...log,
    actions: log.actions.map((action, i) => {
      const payload = payloads[i];
      if (!payload) return action;
      const shown = Object.fromEntries(
        Object.entries(payload).map(([name, value]) => {
          const at = isContainer(value) ? found.get(canonical(value)) : undefined;
          return [name, at === undefined ? value : `(same as ${at})`];
        }),
      );
      return { ...action, action_payload: shown };
    }),
  };
}

/**
 * Walks a value bottom-up, building each container's canonical JSON once, and records the path of the first
 * place each wanted one occurs.
 */
function index(value: unknown, path: string, wanted: Set<string>, found: Map<string, string>): string {
  let text: string;
  if (Array.isArray(value)) {
    text = `[${value.map((item, i) => index(item, `${path}[${i}]`, wanted, found)).join(",")}]`;
  } else if (isContainer(value)) {
    const record = value as Record<string, unknown>;
    const members = Object.keys(record)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${index(record[k], `${path}${segment(k)}`, wanted, found)}`);
    text = `{${members.join(",")}}`;
  } else {
    return JSON.stringify(value) ?? "null";
  }
  if (wanted.has(text) && !found.has(text)) found.set(text, path);
  return text;
}

/** JSON with object keys sorted, so that equal values compare equal whatever order Knock wrote them in. */
function canonical(value: unknown): string {
  return index(value, "", new Set(), new Map());
}

function segment(key: string): string {
  return /^[A-Za-z_]\w*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

function isContainer(value: unknown): value is object {
  return typeof value === "object" && value !== null;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return isContainer(value) && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

const DAY_MS = 86_400_000;

/** Filters that no log can satisfy at once: a day outside the range, or a range that ends before it starts. */
function excludeEachOther(q: { date?: string; starting_at?: string; ending_at?: string }): boolean {
  const day = q.date === undefined ? undefined : Date.parse(`${q.date}T00:00:00Z`);
  const from = q.starting_at === undefined ? undefined : Date.parse(q.starting_at);
  const to = q.ending_at === undefined ? undefined : Date.parse(q.ending_at);
  if (from !== undefined && to !== undefined && from > to) return true;
  if (day === undefined) return false;
  return (from !== undefined && from >= day + DAY_MS) || (to !== undefined && to < day);
}
