// Between stdin and the SDK's stdio transport. The transport drops a line that is not JSON without a word, and
// reports one that is JSON but not a JSON-RPC message (a batch array, a number) only to its onerror, so the
// client waits for an answer that never comes. This guard answers such lines as JSON-RPC 2.0 asks (-32700
// Parse error, -32600 Invalid Request, with the request's id when one can be read, else null) and drops them;
// every other byte goes on unchanged, so the transport still parses, limits and frames everything itself.
// The price is a second JSON.parse per line: microseconds for a request, a few milliseconds for a 1 MB one.

import { Transform, type TransformCallback } from "node:stream";
import {
  INVALID_REQUEST,
  type JSONRPCErrorResponse,
  PARSE_ERROR,
  STDIO_DEFAULT_MAX_BUFFER_SIZE,
} from "@modelcontextprotocol/server";

const NEWLINE = 0x0a;

export class LineGuard extends Transform {
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  // A line longer than the transport accepts passes unchecked: the transport refuses it and closes (src/index.ts
  // then exits with the reason), which is the behaviour we want rather than a second copy of its limit.
  #unchecked = false;

  constructor(
    private readonly answer: (message: JSONRPCErrorResponse) => void,
    private readonly maxLineBytes = STDIO_DEFAULT_MAX_BUFFER_SIZE,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    let start = 0;
    for (let newline = chunk.indexOf(NEWLINE); newline !== -1; newline = chunk.indexOf(NEWLINE, start)) {
      const piece = chunk.subarray(start, newline + 1);
      start = newline + 1;
      if (this.#unchecked) {
        this.#unchecked = false;
        this.push(piece);
        continue;
      }
      const line = this.#pendingBytes === 0 ? piece : Buffer.concat([...this.#pending, piece]);
      this.#pending = [];
      this.#pendingBytes = 0;
      if (this.#admits(line)) this.push(line);
    }
    const rest = chunk.subarray(start);
    if (rest.length > 0) this.#hold(rest);
    done();
  }

  override _flush(done: TransformCallback): void {
    // An unterminated last line is never a message to the transport either; hand it over as it is.
    for (const piece of this.#pending) this.push(piece);
    this.#pending = [];
    done();
  }

  #hold(rest: Buffer): void {
    if (this.#unchecked) {
      this.push(rest);
      return;
    }
    this.#pending.push(rest);
    this.#pendingBytes += rest.length;
    if (this.#pendingBytes > this.maxLineBytes) {
      for (const piece of this.#pending) this.push(piece);
      this.#pending = [];
      this.#pendingBytes = 0;
      this.#unchecked = true;
    }
  }

  /** Whether the line goes on to the transport; when not, it has been answered (or is a stray response). */
  #admits(line: Buffer): boolean {
    const text = line.toString("utf8").trim();
    if (text === "") return true;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      this.#reply(null, PARSE_ERROR, `Parse error: the line is not JSON (${(error as Error).message})`);
      return false;
    }
    const problem = invalidity(value);
    if (problem === undefined) return true;
    // A malformed response is not answered: answering responses could make two peers echo each other forever.
    if (isObject(value) && !("method" in value) && ("result" in value || "error" in value)) return false;
    this.#reply(idOf(value), INVALID_REQUEST, `Invalid Request: ${problem}`);
    return false;
  }

  #reply(id: string | number | null, code: number, message: string): void {
    // JSON-RPC 2.0 requires a null id when the request's own cannot be read; the SDK's type leaves it out.
    this.answer({ jsonrpc: "2.0", id, error: { code, message } } as unknown as JSONRPCErrorResponse);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function idOf(value: unknown): string | number | null {
  if (!isObject(value)) return null;
  const { id } = value;
  return typeof id === "string" || (typeof id === "number" && Number.isFinite(id)) ? id : null;
}

/** Why a parsed line is not one JSON-RPC 2.0 message, by the rules of JSON-RPC itself; undefined when it is. */
function invalidity(value: unknown): string | undefined {
  if (Array.isArray(value)) {
    return "a batch (a JSON array) is not accepted by MCP; send one JSON-RPC message per line";
  }
  if (!isObject(value)) return "a JSON-RPC message is a JSON object";
  if (value.jsonrpc !== "2.0") return 'the "jsonrpc" member must be "2.0"';
  if ("id" in value && idOf(value) === null) return 'the "id" member must be a string or a number';
  if ("method" in value) {
    if (typeof value.method !== "string") return 'the "method" member must be a string';
    if ("params" in value && !isObject(value.params)) return 'the "params" member must be an object';
    return undefined;
  }
  if (!("id" in value)) return 'a request needs a "method" member';
  if ("result" in value === "error" in value) return 'a response has exactly one of "result" and "error"';
  return undefined;
}
