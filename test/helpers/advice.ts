// What the model is told when a call fails: the error a promise rejects with, worded by the MCP boundary's
// one formatter. Tests of the client use it to check the advice its errors lead to.
import { describeError } from "../../src/mcp/describe-error.js";

export async function adviceFor(promise: Promise<unknown>): Promise<string> {
  let failure: unknown;
  try {
    await promise;
  } catch (error) {
    failure = error;
  }
  if (failure === undefined) throw new Error("expected the call to fail");
  return describeError(failure, "test", []);
}
