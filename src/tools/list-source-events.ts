import { z } from "zod";
import { SourceEventsResponse } from "../knock/schemas.js";
import { defineTool, READ_ONLY } from "./define-tool.js";
import { Environment, SourceKey } from "./params.js";

export default defineTool({
  name: "list_source_events",
  title: "List a source's event types",
  description:
    "List the event types a source received and when each was last seen.\n" +
    "Use it for exact event names to map, or to filter list_source_logs by.\n" +
    'Example: {"key": "segment"}.',
  input: z.strictObject({ key: SourceKey, environment: Environment }),
  output: SourceEventsResponse,
  annotations: READ_ONLY,
  handler: (args, { client, defaultEnvironment, signal }) =>
    client.listSourceEvents(args.key, args.environment ?? defaultEnvironment, signal),
});
