// The prompt table, registered with the SDK: each argument validated by zod and completed from what
// exists (sources, environments, providers, a source's event types, a key still free).
import { completable, type McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import { ENVIRONMENT_SLUG } from "../config.js";
import type { PromptArgument, PromptDefinition } from "../prompts/define-prompt.js";
import { completers } from "../resources/complete.js";
import { logWarning } from "../shared/log.js";
import type { Connection } from "./connection.js";
import { describeError } from "./describe-error.js";

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
  const { client, catalog, config, secrets } = connection;
  const complete =
    completions &&
    client &&
    catalog &&
    completers({ client, catalog, defaultEnvironment: config.environment });
  // A completion is a convenience: when Knock cannot be reached it offers nothing (and says why on stderr)
  // rather than failing the request.
  const completerOf =
    (prompt: PromptDefinition, name: string, arg: PromptArgument) =>
    async (value: string | undefined, context?: { arguments?: Record<string, string> }) => {
      if (!complete) return [];
      try {
        return await complete[arg.completes](value ?? "", context);
      } catch (error) {
        logWarning(
          `completion of ${prompt.name}.${name} failed: ${describeError(error, "completion/complete", secrets)}`,
        );
        return [];
      }
    };
  for (const prompt of prompts) {
    const argsSchema = completions
      ? argumentsSchema(prompt, (name, arg) => completerOf(prompt, name, arg))
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

type Completer = (
  value: string | undefined,
  context?: { arguments?: Record<string, string> },
) => Promise<string[]>;
type ArgumentsSchema = z.ZodType<Record<string, string | undefined>>;

/** The prompt's arguments as one strict object; with `completerOf`, each argument completes (which mutates it). */
function argumentsSchema(
  prompt: PromptDefinition,
  completerOf?: (name: string, arg: PromptArgument) => Completer,
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
