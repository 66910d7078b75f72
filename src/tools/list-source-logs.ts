import { z } from "zod";
import { SourceLogsResponse } from "../knock/schemas.js";
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
    "Paging: pass page_info.after back as `after`.",
  input: z.strictObject({
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
  }),
  output: SourceLogsResponse,
  annotations: READ_ONLY,
  paged: true,
  handler: ({ key, environment, ...query }, { client, defaultEnvironment, signal }) =>
    client.listSourceLogs(key, { environment: environment ?? defaultEnvironment, ...query }, signal),
});
