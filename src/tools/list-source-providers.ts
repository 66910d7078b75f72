import { z } from "zod";
import { ProvidersResponse } from "../knock/schemas.js";
import { defineTool, READ_ONLY } from "./define-tool.js";

export default defineTool({
  name: "list_source_providers",
  title: "List provider templates",
  description:
    "List the provider templates for new sources (Stripe, Segment, Clerk…).\n" +
    "Use it before creating a source; get_source_provider shows one.\n" +
    "Example: {}.",
  input: z.strictObject({}),
  output: ProvidersResponse,
  annotations: READ_ONLY,
  handler: (_args, { client, signal }) => client.listSourceProviders(signal),
});
