import { z } from "zod";
import { SourcesResponse } from "../knock/schemas.js";
import { defineTool, READ_ONLY } from "./define-tool.js";
import { Environment } from "./params.js";

export default defineTool({
  name: "list_sources",
  title: "List sources",
  description:
    "List the project's data sources (Stripe, Segment, webhooks…). Start here: it gives the source keys " +
    "the other tools take.\n" +
    'Example: {"include": ["environment_settings"]} adds each source\'s settings and mappings.',
  input: z.strictObject({
    environment: Environment,
    include: z
      .array(z.enum(["environment_settings"]))
      .optional()
      .describe("Adds each source's settings and mappings per environment."),
  }),
  output: SourcesResponse,
  annotations: READ_ONLY,
  handler: (args, { client, defaultEnvironment, signal }) =>
    client.listSources(
      { environment: args.environment ?? defaultEnvironment, include: args.include },
      signal,
    ),
});
