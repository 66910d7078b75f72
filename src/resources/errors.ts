// Resource failures as JSON-RPC errors. A plain Error carrying `code` is what the SDK forwards as-is; an
// McpError would reach the client with its "MCP error -32602:" prefix twice.
import { ErrorCode } from "@modelcontextprotocol/sdk/types.js";
import { KnockApiError } from "../knock/errors.js";
import { describeError } from "../mcp/describe-error.js";
import { InputError } from "../shared/errors.js";

/** The MCP specification's code for "resource not found". */
export const RESOURCE_NOT_FOUND = -32002;

export class ResourceError extends Error {
  override readonly name = "ResourceError";
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** Any failure of a resource request, worded by the shared formatter so the token never leaks. */
export function toResourceError(error: unknown, where: string, secrets: readonly string[]): ResourceError {
  if (error instanceof ResourceError) return error;
  return new ResourceError(codeOf(error), describeError(error, where, secrets));
}

function codeOf(error: unknown): number {
  if (error instanceof KnockApiError) {
    if (error.status === 404) return RESOURCE_NOT_FOUND;
    if (error.status === 400 || error.status === 422) return ErrorCode.InvalidParams;
  }
  if (error instanceof InputError) return ErrorCode.InvalidParams;
  return ErrorCode.InternalError;
}
