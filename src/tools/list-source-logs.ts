import { z } from "zod";
import { fitToBudget } from "../budget.js";
import { SourceLogsResponse } from "../knock/schemas.js";
import { defineTool, READ_ONLY } from "./define-tool.js";
import { Cursor, DateTime, Day, Environment, Limit, SourceKey } from "./params.js";

export default defineTool({
  name: "list_source_logs",
  title: "List a source's event logs",
  description:
    "List the event logs of a source, newest first: each received event with its data, preprocess output and " +
    'verification status, and with include ["actions"] the actions it ran and their results.\n' +
    "Use it to see why an event did or did not trigger a workflow.\n" +
    'Example: {"key": "stripe", "event": "invoice.paid", "include": ["actions"], "limit": 10}.\n' +
    "Paging: pass page_info.after back as `after` for older logs.",
  input: z.strictObject({
    key: SourceKey,
    environment: Environment,
    include: z
      .array(z.enum(["actions"]))
      .optional()
      .describe("Add the actions each event ran."),
    event: z.string().min(1).max(256).optional().describe("Only this event type (from list_source_events)."),
    id: z
      .string()
      .min(1)
      .max(256)
      .optional()
      .describe("Only the log with this id (a log_id from a rehearsal)."),
    date: Day.describe("Only logs from this UTC day, YYYY-MM-DD."),
    starting_at: DateTime.describe("Only logs at or after this ISO 8601 time."),
    ending_at: DateTime.describe("Only logs at or before this ISO 8601 time."),
    after: Cursor("after"),
    before: Cursor("before"),
    limit: Limit,
  }),
  output: SourceLogsResponse,
  annotations: READ_ONLY,
  handler: async ({ key, environment, ...query }, { client, defaultEnvironment, signal, maxResultChars }) => {
    const request = { environment: environment ?? defaultEnvironment, ...query };
    const page = await client.listSourceLogs(key, request, signal);
    // A page over the budget would be cut, and Knock's cursor would then skip the entries left out. Asking
    // again for as many logs as fit gives a page whose page_info.after continues exactly where it ends.
    const fitting = fitToBudget(page, maxResultChars).value.entries;
    if (Array.isArray(fitting) && fitting.length > 0 && fitting.length < page.entries.length) {
      return client.listSourceLogs(key, { ...request, limit: fitting.length }, signal);
    }
    return page;
  },
});
