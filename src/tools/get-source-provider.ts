import { z } from "zod";
import { PROVIDER_INCLUDES, Provider } from "../knock/schemas.js";
import { defineTool, READ_ONLY } from "./define-tool.js";
import { ProviderKey } from "./params.js";

export default defineTool({
  name: "get_source_provider",
  title: "Get a source provider template",
  description:
    "Get a provider template: default settings and, on request, its preprocessing script, default " +
    "action mappings, example payloads, configuration fields and branding.\n" +
    "Use it to configure a source from a template (upsert_source with preconfigured_provider) and to find " +
    "payloads to rehearse.\n" +
    'Example: {"key": "stripe", "include": ["example_payloads", "default_action_mappings"]}.',
  input: z.strictObject({
    key: ProviderKey,
    include: z
      .array(z.enum(PROVIDER_INCLUDES))
      .optional()
      .describe("Parts of the template to add to the answer."),
  }),
  output: Provider,
  annotations: READ_ONLY,
  handler: (args, { client, signal }) => client.getSourceProvider(args.key, args.include, signal),
});
