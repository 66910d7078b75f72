// Live logs over HTTP. A subscriptions/listen stream belongs to the replica that serves it and to one
// caller: each stream gets its own handler and event bus, so what its poller finds (with that caller's
// token, for as long as the stream is open) reaches that stream alone, never another caller's stream that
// names the same URI. A write through this replica tells the writer's own streams that the resource list
// changed.
import {
  type AuthInfo,
  createMcpHandler,
  InMemoryServerEventBus,
  type McpServerFactory,
} from "@modelcontextprotocol/server";
import type { Config } from "../config.js";
import type { KnockClient } from "../knock/client.js";
import { LogSubscriptions } from "../resources/subscriptions.js";
import { tryParseResourceUri } from "../resources/uris.js";
import { logWarning } from "../shared/log.js";
import { describeError } from "./describe-error.js";

interface Stream {
  caller: string;
  bus: InMemoryServerEventBus;
  end(graceful: boolean): Promise<void>;
}

export interface StreamCaller {
  client: KnockClient;
  /** A digest that ties the caller's streams together; never the token. */
  caller: string;
  secrets: readonly string[];
  /** The URIs the listen request names; log resources among them are polled. */
  uris: readonly string[];
  /** Aborts when the caller goes away. */
  closed: AbortSignal;
}

/** Each open stream polls Knock; these bound how many one replica, and one caller on it, may hold. */
export const MAX_STREAMS = 1_000;
export const MAX_STREAMS_PER_CALLER = 16;

export class LiveLogStreams {
  readonly #streams = new Set<Stream>();

  constructor(private readonly config: Config) {}

  async open(
    request: Request,
    serving: { factory: McpServerFactory; authInfo: AuthInfo; parsedBody: unknown },
    who: StreamCaller,
  ): Promise<Response> {
    const id = (serving.parsedBody as { id?: unknown } | undefined)?.id ?? null;
    if (this.#streams.size >= MAX_STREAMS) {
      return refusal(503, id, `This replica holds ${MAX_STREAMS} listen streams already; retry shortly.`);
    }
    const own = [...this.#streams].filter((stream) => stream.caller === who.caller).length;
    if (own >= MAX_STREAMS_PER_CALLER) {
      return refusal(
        429,
        id,
        `You have ${MAX_STREAMS_PER_CALLER} listen streams open on this replica; close one (one stream can name many resources) before opening another.`,
      );
    }
    const bus = new InMemoryServerEventBus();
    const handler = createMcpHandler(serving.factory, { legacy: "reject", bus });
    const response = await handler.fetch(request, {
      authInfo: serving.authInfo,
      parsedBody: serving.parsedBody,
    });
    // A refused listen (bad envelope, limit reached) is an ordinary JSON answer: nothing to hold.
    if (!response.headers.get("content-type")?.startsWith("text/event-stream")) {
      await handler.close();
      return response;
    }
    const interval = this.config.pollIntervalMs;
    const polls = new LogSubscriptions({
      client: who.client,
      intervalMs: interval,
      isConnected: () => !who.closed.aborted,
      onPollError: (uri, error) =>
        logWarning(
          `could not check ${uri} for new logs (will retry in ${interval} ms): ${describeError(error, "polling a listened resource", who.secrets)}`,
        ),
      notify: (uri) => bus.publish({ kind: "resource_updated", uri }),
    });
    for (const uri of who.uris) {
      const ref = tryParseResourceUri(uri);
      if (ref?.kind === "logs") polls.subscribe(uri, ref).catch(() => undefined);
    }
    let ended = false;
    const stream: Stream = {
      caller: who.caller,
      bus,
      end: async () => {
        if (ended) return;
        ended = true;
        this.#streams.delete(stream);
        polls.close();
        // Ends the stream with its final result when the caller is still there (a drain).
        await handler.close();
      },
    };
    this.#streams.add(stream);
    who.closed.addEventListener("abort", () => void stream.end(false), { once: true });
    return response;
  }

  /** The caller wrote through this replica: their own streams that asked are told to list again. */
  listChanged(caller: string): void {
    for (const stream of this.#streams) {
      if (stream.caller === caller) stream.bus.publish({ kind: "resources_list_changed" });
    }
  }

  /** Ends every stream gracefully: each gets its final result before it closes. */
  async closeAll(): Promise<void> {
    await Promise.all([...this.#streams].map((stream) => stream.end(true)));
  }
}

function refusal(status: number, id: unknown, message: string): Response {
  return Response.json(
    { jsonrpc: "2.0", id, error: { code: -32000, message } },
    { status, headers: { "retry-after": "1" } },
  );
}
