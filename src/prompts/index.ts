// The prompt table: every prompt the server offers, in the order hosts list them.
import type { PromptDefinition } from "./define-prompt.js";
import diagnoseSource from "./diagnose-source.js";
import reviewSource from "./review-source.js";
import setupSource from "./setup-source.js";

export const PROMPTS: readonly PromptDefinition[] = [diagnoseSource, reviewSource, setupSource];

/** Plans that change something in Knock; --read-only leaves them out, as it does the tools they call. */
export function promptsFor(readOnly: boolean): readonly PromptDefinition[] {
  return readOnly ? PROMPTS.filter((prompt) => !prompt.writes) : PROMPTS;
}
