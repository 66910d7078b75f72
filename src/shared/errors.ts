// Failures whose message is written for the model as it stands: a tool or a resource refusing input, or
// naming something that does not exist, says itself what to do instead. Knock's own failures are data
// (src/knock/errors.ts) and are worded at the MCP boundary.

/** The request was refused before anything was sent; nothing changed. */
export class InputError extends Error {
  override readonly name = "InputError";
}

/** What was asked for does not exist; the message says where valid names come from. */
export class NotFoundError extends Error {
  override readonly name = "NotFoundError";
}
