import type { z } from "zod";
import type { KnockClient } from "../knock/client.js";

/** The MCP safety hints. Required, so no tool can be defined without saying what it does to the world. */
export interface SafetyHints {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

export interface ToolContext {
  client: KnockClient;
  /** The environment used when the model does not pass one (--environment / KNOCK_ENVIRONMENT). */
  defaultEnvironment: string;
  signal: AbortSignal;
}

export interface ToolDefinition<I extends z.ZodObject = z.ZodObject, O extends z.ZodObject = z.ZodObject> {
  name: string;
  title: string;
  description: string;
  input: I;
  output: O;
  annotations: SafetyHints;
  /**
   * The result is one page of `entries`, and the tool called again with a smaller `limit` gives a page
   * whose cursor continues where that one ends: a result over the budget is asked for again rather than cut.
   */
  paged?: true;
  /** A success changes which sources exist, so lists and completions built from them are out of date. */
  changesCatalog?: true;
  /**
   * The event logs a result mentions, for hosts that browse resources: each becomes a resource_link to
   * knock://{environment}/sources/{source}/logs/{log_id} beside the result's text.
   */
  links?: (
    result: z.output<O>,
    args: z.output<I>,
    defaultEnvironment: string,
  ) => Array<{ environment: string; source: string; logId: string }>;
  handler(args: z.output<I>, context: ToolContext): Promise<z.output<O>>;
}

/** Identity at runtime; it exists so that each tool file is checked against ToolDefinition with its own types. */
export function defineTool<I extends z.ZodObject, O extends z.ZodObject>(
  tool: ToolDefinition<I, O>,
): ToolDefinition<I, O> {
  return tool;
}

export const READ_ONLY: SafetyHints = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: true,
};
