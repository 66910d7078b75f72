// The prompt table, registered with the SDK: each argument validated by zod and completed from what
// exists (sources, environments, providers, a source's event types, a key still free).
import { completable, type McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import { ENVIRONMENT_SLUG } from "../config.js";
import type { PromptDefinition } from "../prompts/define-prompt.js";
import { completers } from "../resources/complete.js";
import { logWarning } from "../shared/log.js";
import type { Connection } from "./connection.js";
import { describeError } from "./describe-error.js";

const KEY = z.string().min(1).max(256);
const ENVIRONMENT = z.string().regex(ENVIRONMENT_SLUG, "must be an environment slug such as development");

export function registerPrompts(
  server: McpServer,
  prompts: readonly PromptDefinition[],
  connection: Connection,
): void {
  const { client, catalog, config, secrets } = connection;
  const complete =
    client && catalog && completers({ client, catalog, defaultEnvironment: config.environment });
  for (const prompt of prompts) {
    const shape: Record<string, z.ZodType> = {};
    for (const [name, arg] of Object.entries(prompt.arguments)) {
      const base = (arg.completes === "environment" ? ENVIRONMENT : KEY).describe(arg.description);
      // A completion is a convenience: when Knock cannot be reached it offers nothing (and says why on
      // stderr) rather than failing the request.
      const field = completable(base, async (value, context) => {
        if (!complete) return [];
        try {
          return await complete[arg.completes](value ?? "", context);
        } catch (error) {
          logWarning(
            `completion of ${prompt.name}.${name} failed: ${describeError(error, "completion/complete", secrets)}`,
          );
          return [];
        }
      });
      shape[name] = arg.required ? field : field.optional();
    }
    const argsSchema = z.strictObject(shape) as z.ZodType<Record<string, string | undefined>>;
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
