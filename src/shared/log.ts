// stderr is the only place this process may write free text: stdout carries the MCP protocol.
export function logWarning(message: string): void {
  console.error(`knock-sources-mcp: ${message}`);
}

/** One structured line (an access-log entry), as JSON on stderr. */
export function logJson(entry: Record<string, unknown>): void {
  console.error(JSON.stringify(entry));
}
