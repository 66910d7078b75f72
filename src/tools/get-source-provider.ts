import { z } from "zod";
import { PROVIDER_INCLUDES, Provider } from "../knock/schemas.js";
import { defineTool, READ_ONLY } from "./define-tool.js";
import { ProviderKey } from "./params.js";

export default defineTool({
  name: "get_source_provider",
  title: "Get a provider template",
  description:
    "Get a provider template: default settings and, with include, its script, default mappings, example " +
    "payloads, configuration fields and branding.\n" +
    "Use it to set up a source from a template and to find payloads to rehearse.\n" +
    'Example: {"key": "stripe", "include": ["example_payloads"]}.',
  input: z.strictObject({
    key: ProviderKey,
    include: z.array(z.enum(PROVIDER_INCLUDES)).optional().describe("Parts of the template to add."),
  }),
  output: Provider,
  annotations: READ_ONLY,
  handler: (args, { client, signal }) => client.getSourceProvider(args.key, args.include, signal),
});
