import { z } from "zod";
import { ProvidersResponse } from "../knock/schemas.js";
import { defineTool, READ_ONLY } from "./define-tool.js";

export default defineTool({
  name: "list_source_providers",
  title: "List source provider templates",
  description:
    "List the provider templates Knock offers for new sources (Stripe, Segment, Clerk…), with their keys.\n" +
    "Use it before creating a source, then get_source_provider for a template's settings and mappings.\n" +
    "Example: {}.",
  input: z.strictObject({}),
  output: ProvidersResponse,
  annotations: READ_ONLY,
  handler: (_args, { client, signal }) => client.listSourceProviders(signal),
});
