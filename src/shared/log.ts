// stderr is the only place this process may write free text: stdout carries the MCP protocol.
export function logWarning(message: string): void {
  console.error(`knock-sources-mcp: ${message}`);
}
