// The tool table: every tool the server offers, in the order hosts list them.
import type { ToolDefinition } from "./define-tool.js";
import getSource from "./get-source.js";
import getSourceProvider from "./get-source-provider.js";
import getSourceStatus from "./get-source-status.js";
import listSourceEvents from "./list-source-events.js";
import listSourceLogs from "./list-source-logs.js";
import listSourceProviders from "./list-source-providers.js";
import listSources from "./list-sources.js";
import rehearseSourceEvent from "./rehearse-source-event.js";
import upsertSource from "./upsert-source.js";

// Each definition is checked against its own input/output types in its file; the table erases them.
export const TOOLS = [
  listSources,
  getSource,
  getSourceStatus,
  listSourceEvents,
  listSourceLogs,
  upsertSource,
  rehearseSourceEvent,
  listSourceProviders,
  getSourceProvider,
] as unknown as readonly ToolDefinition[];

/** Tools that change something in Knock; --read-only leaves them out. */
export function toolsFor(readOnly: boolean): readonly ToolDefinition[] {
  return readOnly ? TOOLS.filter((tool) => tool.annotations.readOnlyHint) : TOOLS;
}
