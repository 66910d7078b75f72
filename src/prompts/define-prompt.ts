// A prompt is a short plan for the assistant: which tools to call, in which order, and what to conclude
// from each. Its text never embeds data the tools would fetch; the assistant calls them itself.

/** Where an argument's completions come from (src/resources/complete.ts offers each). */
export type Completes = "source" | "environment" | "provider" | "event" | "new_key";

export interface PromptArgument {
  description: string;
  required: boolean;
  completes: Completes;
}

export interface PromptContext {
  /** The environment used when the caller does not name one (--environment). */
  defaultEnvironment: string;
}

export interface PromptDefinition {
  name: string;
  title: string;
  description: string;
  arguments: Record<string, PromptArgument>;
  /** Whether the plan changes something in Knock (hidden with --read-only, like the tools that do). */
  writes: boolean;
  text(args: Record<string, string | undefined>, context: PromptContext): string;
}

/** The arguments most plans share: a source, and the environment it is looked at in. */
export const SOURCE_ARGUMENT: PromptArgument = {
  description: "The source key (from list_sources).",
  required: true,
  completes: "source",
};
export const ENVIRONMENT_ARGUMENT: PromptArgument = {
  description: "Environment slug; the server's default when left out.",
  required: false,
  completes: "environment",
};

export function definePrompt(prompt: PromptDefinition): PromptDefinition {
  return prompt;
}

/** The environment a plan is about, said once so every step uses the same one. */
export const environmentOf = (args: Record<string, string | undefined>, context: PromptContext) =>
  args.environment ?? context.defaultEnvironment;
