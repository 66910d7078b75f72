import { z } from "zod";
import { Source } from "../knock/schemas.js";
import { defineTool, READ_ONLY } from "./define-tool.js";
import { Environment, SourceKey } from "./params.js";

export default defineTool({
  name: "get_source",
  title: "Get a source",
  description:
    "Get a source's settings in an environment: endpoint, verification, event type and idempotency paths, " +
    "preprocess script, and event → action mappings.\n" +
    "Use it to see how events are parsed and which workflows they trigger.\n" +
    'Example: {"key": "stripe"}.',
  input: z.strictObject({ key: SourceKey, environment: Environment }),
  output: Source,
  annotations: READ_ONLY,
  handler: (args, { client, defaultEnvironment, signal }) =>
    client.getSource(args.key, args.environment ?? defaultEnvironment, signal),
});
