import { z } from "zod";
import { SourcesResponse } from "../knock/schemas.js";
import { defineTool, READ_ONLY } from "./define-tool.js";
import { Environment } from "./params.js";

export default defineTool({
  name: "list_sources",
  title: "List sources",
  description:
    "List the data sources (Stripe, Segment, custom webhooks…) connected to the Knock project.\n" +
    "Start here: it gives the source keys every other source tool takes.\n" +
    'Example: {"include": ["environment_settings"]} to also see each source\'s settings and mappings.',
  input: z.strictObject({
    environment: Environment,
    include: z
      .array(z.enum(["environment_settings"]))
      .optional()
      .describe("Add environment_settings (settings and mappings per environment) to each source."),
  }),
  output: SourcesResponse,
  annotations: READ_ONLY,
  handler: (args, { client, defaultEnvironment, signal }) =>
    client.listSources(
      { environment: args.environment ?? defaultEnvironment, include: args.include },
      signal,
    ),
});
