import { z } from "zod";
import { SourceStatus } from "../knock/schemas.js";
import { defineTool, READ_ONLY } from "./define-tool.js";
import { Environment, SourceKey } from "./params.js";

export default defineTool({
  name: "get_source_status",
  title: "Get source status",
  description:
    "A source's health in an environment: events in 30 days, the last event's time, mappings, and " +
    "workflow mappings awaiting a commit.\n" +
    "Use it first when asked whether a source receives events or why a mapping has no effect.\n" +
    'Example: {"key": "stripe"}.',
  input: z.strictObject({ key: SourceKey, environment: Environment }),
  output: SourceStatus,
  annotations: READ_ONLY,
  handler: (args, { client, defaultEnvironment, signal }) =>
    client.getSourceStatus(args.key, args.environment ?? defaultEnvironment, signal),
});
