// The prompt table, registered with the SDK: each argument validated by zod and completed from what
// exists (sources, environments, providers, a source's event types, a key still free).
import { completable, type McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import { ENVIRONMENT_SLUG } from "../config.js";
import type { PromptArgument, PromptDefinition } from "../prompts/define-prompt.js";
import { type SafeComplete, safeCompleters } from "./completion.js";
import type { Connection } from "./connection.js";

const KEY = z.string().min(1).max(256);
const ENVIRONMENT = z.string().regex(ENVIRONMENT_SLUG, "must be an environment slug such as development");

/**
 * `completions: false` is for an instance that will not answer completion/complete (over HTTP, one that serves
 * any other request): its prompts take argument schemas built once per process, which spares every such
 * request the zod schemas and completers that are about half of building an instance.
 */
export function registerPrompts(
  server: McpServer,
  prompts: readonly PromptDefinition[],
  connection: Connection,
  { completions }: { completions: boolean },
): void {
  const { config } = connection;
  const completerOf = completions ? safeCompleters(connection) : undefined;
  for (const prompt of prompts) {
    const argsSchema = completerOf
      ? argumentsSchema(prompt, (name, arg) => completerOf(arg.completes, `${prompt.name}.${name}`))
      : plainArgumentsSchema(prompt);
    server.registerPrompt(
      prompt.name,
      { title: prompt.title, description: prompt.description, argsSchema },
      (args) => ({
        description: prompt.title,
        messages: [
          {
            role: "user" as const,
            content: {
              type: "text" as const,
              text: prompt.text(args, { defaultEnvironment: config.environment }),
            },
          },
        ],
      }),
    );
  }
}

type ArgumentsSchema = z.ZodType<Record<string, string | undefined>>;

/** The prompt's arguments as one strict object; with `completerOf`, each argument completes (which mutates it). */
function argumentsSchema(
  prompt: PromptDefinition,
  completerOf?: (name: string, arg: PromptArgument) => SafeComplete,
): ArgumentsSchema {
  const shape: Record<string, z.ZodType> = {};
  for (const [name, arg] of Object.entries(prompt.arguments)) {
    const base = (arg.completes === "environment" ? ENVIRONMENT : KEY).describe(arg.description);
    const field = completerOf ? completable(base, completerOf(name, arg)) : base;
    shape[name] = arg.required ? field : field.optional();
  }
  return z.strictObject(shape) as ArgumentsSchema;
}

// Shared by every instance: without completers the schemas hold nothing of a connection.
const plainSchemas = new WeakMap<PromptDefinition, ArgumentsSchema>();

function plainArgumentsSchema(prompt: PromptDefinition): ArgumentsSchema {
  let schema = plainSchemas.get(prompt);
  if (!schema) {
    schema = argumentsSchema(prompt);
    plainSchemas.set(prompt, schema);
  }
  return schema;
}
