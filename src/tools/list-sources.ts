import { z } from "zod";
import { SourcesResponse } from "../knock/schemas.js";
import { defineTool, READ_ONLY } from "./define-tool.js";
import { Environment } from "./params.js";

export default defineTool({
  name: "list_sources",
  title: "List sources",
  description:
    "List the project's data sources (Stripe, Segment, webhooks). Start here: it gives the source keys " +
    "the other tools take.\n" +
    'Example: {"include": ["environment_settings"]}.',
  input: z.strictObject({
    environment: Environment,
    include: z
      .array(z.enum(["environment_settings"]))
      .optional()
      .describe("Adds each source's settings and mappings per environment."),
  }),
  output: SourcesResponse.extend({ note: z.string().optional() }),
  annotations: READ_ONLY,
  handler: async (args, { client, defaultEnvironment, signal }) => {
    const { entries, incomplete } = await client.listSources(
      { environment: args.environment ?? defaultEnvironment, include: args.include },
      signal,
    );
    if (!incomplete) return { entries };
    return {
      entries,
      note:
        `Only the first ${entries.length} sources (${incomplete.pages} pages) are listed: Knock has more, ` +
        "and this server reads at most that many pages. get_source reads any source by its key.",
    };
  },
});
