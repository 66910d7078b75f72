// MCP over stdio for both protocol eras: the SDK's entry (serveStdio) decides each connection's era from
// its opening message and pins one instance from the factory to it. Between the entry and the pipe sits a
// tap that sees every message, for two things the entry does not report: which resources a 2026-era
// client listens to, and the end of the connection, whatever ended it.

import type { Readable, Writable } from "node:stream";
import type {
  JSONRPCMessage,
  McpServerFactory,
  Transport,
  TransportSendOptions,
} from "@modelcontextprotocol/server";
import { StdioServerTransport, serveStdio } from "@modelcontextprotocol/server/stdio";
import { ListenInterest } from "./listen.js";
import { LineGuard } from "./stdio-line-guard.js";

export interface StdioSession {
  /** The listen streams of this connection (2026-era clients only). */
  listens: ListenInterest;
  /** Resolves when the connection is over: the client closed stdin, or the transport gave up on it. */
  closed: Promise<{ error?: Error }>;
  close(): Promise<void>;
}

export type StdioOptions = (
  | { input: Readable; output: Writable }
  /** Any transport instead of a pair of streams (tests connect an in-memory pair here). */
  | { transport: Transport }
) & {
  /** Errors outside any request, for the log; the connection goes on unless it closes. */
  onerror?: (error: Error) => void;
};

/** The factory of the instance that serves one connection, in the era its opening message chose. */
export type StdioFactory = (
  era: "legacy" | "modern",
  listens: ListenInterest,
) => ReturnType<McpServerFactory>;

export function serveOverStdio(factory: StdioFactory, options: StdioOptions): StdioSession {
  const listens = new ListenInterest();
  let wire: Transport;
  if ("transport" in options) {
    wire = options.transport;
  } else {
    const stdio = new StdioServerTransport(
      options.input.pipe(new LineGuard((answer) => stdio.send(answer).catch(() => undefined))),
      options.output,
    );
    wire = stdio;
  }
  // Ended input means the client hung up; a transport that closes on open input gave up on the stream.
  const gaveUp = "input" in options ? () => !options.input.readableEnded : () => false;
  const tap = new Tap(wire, listens, gaveUp);
  const handle = serveStdio(({ era }) => factory(era, listens), {
    legacy: "serve",
    transport: tap,
    ...(options.onerror ? { onerror: options.onerror } : {}),
  });
  return { listens, closed: tap.closed, close: () => handle.close() };
}

/**
 * A transport that passes everything through and tells the listen count what went by; a listen the count
 * refuses is answered here instead.
 */
class Tap implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: Transport["onmessage"];
  readonly closed: Promise<{ error?: Error }>;
  #lastError: Error | undefined;

  constructor(
    private readonly inner: Transport,
    private readonly listens: ListenInterest,
    gaveUp: () => boolean,
  ) {
    let settle: (outcome: { error?: Error }) => void = () => undefined;
    this.closed = new Promise((resolve) => {
      settle = resolve;
    });
    inner.onmessage = (message, extra) => {
      const refusal = listens.inbound(message);
      if (refusal) {
        inner.send(refusal).catch((error: unknown) => this.onerror?.(error as Error));
        return;
      }
      this.onmessage?.(message, extra);
    };
    inner.onerror = (error) => {
      this.#lastError = error;
      this.onerror?.(error);
    };
    inner.onclose = () => {
      listens.closed();
      this.onclose?.();
      settle(gaveUp() ? { error: this.#lastError ?? new Error("the stdio transport closed") } : {});
    };
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    this.listens.outbound(message);
    return this.inner.send(message, options);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  setProtocolVersion = (version: string): void => this.inner.setProtocolVersion?.(version);
}
