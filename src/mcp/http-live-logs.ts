// Live logs over HTTP. A subscriptions/listen stream belongs to the replica that serves it and to one
// caller: each stream gets its own handler and event bus, so what its poller finds (with that caller's
// token, for as long as the stream is open) reaches that stream alone, never another caller's stream that
// names the same URI. Within a stream, each resource is polled once however many spellings name it; across
// streams nothing is shared, not even between one caller's own (sharing would have to be keyed by token,
// for little gain), so the bound on what a caller may watch counts every stream's resources:
// MAX_LIVE_RESOURCES, the same bound as one stdio connection. A write through this replica tells the
// writer's own streams that the resource list changed.
import {
  type AuthInfo,
  createMcpHandler,
  InMemoryServerEventBus,
  type McpServerFactory,
  ProtocolErrorCode,
} from "@modelcontextprotocol/server";
import type { Config } from "../config.js";
import type { KnockClient } from "../knock/client.js";
import {
  LiveResourceLimitError,
  LogSubscriptions,
  MAX_LIVE_RESOURCES,
  polledResources,
} from "../resources/subscriptions.js";
import { tryParseResourceUri } from "../resources/uris.js";
import { describeError } from "./describe-error.js";
import { pollReports } from "./poll-reports.js";

interface Stream {
  caller: string;
  /** How many event-log resources it polls. */
  resources: number;
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

/**
 * Each open stream holds a connection; these bound how many one replica, and one caller on it, may hold.
 * What they poll is bounded by MAX_LIVE_RESOURCES per caller.
 */
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
    const own = [...this.#streams].filter((stream) => stream.caller === who.caller);
    if (own.length >= MAX_STREAMS_PER_CALLER) {
      return refusal(
        429,
        id,
        `You have ${MAX_STREAMS_PER_CALLER} listen streams open on this replica; close one (one stream can name many resources) before opening another.`,
      );
    }
    const resources = polledResources(who.uris).size;
    const held = own.reduce((sum, stream) => sum + stream.resources, 0);
    if (held + resources > MAX_LIVE_RESOURCES) {
      const about = { limit: MAX_LIVE_RESOURCES, held, total: held + resources };
      const refused = new LiveResourceLimitError({ ...about, via: "listen", per: "caller" });
      // Waiting does not help: only closing a stream or naming fewer resources does.
      return refusal(429, id, describeError(refused, "subscriptions/listen", who.secrets), {
        code: ProtocolErrorCode.InvalidRequest,
        retry: false,
      });
    }
    const bus = new InMemoryServerEventBus();
    const handler = createMcpHandler(serving.factory, { legacy: "reject", bus });
    const reports = pollReports(this.config.pollIntervalMs, who.secrets, "polling a listened resource");
    const polls = new LogSubscriptions({
      client: who.client,
      intervalMs: this.config.pollIntervalMs,
      isConnected: () => !who.closed.aborted,
      ...reports,
      notify: (uri) => bus.publish({ kind: "resource_updated", uri }),
    });
    let ended = false;
    const stream: Stream = {
      caller: who.caller,
      resources,
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
    // Held from here, not from the answer, so that the caller's listens in flight count against the bounds.
    this.#streams.add(stream);
    who.closed.addEventListener("abort", () => void stream.end(false), { once: true });
    let response: Response;
    try {
      response = await handler.fetch(request, {
        authInfo: serving.authInfo,
        parsedBody: serving.parsedBody,
      });
    } catch (error) {
      await stream.end(false);
      throw error;
    }
    // A refused listen (bad envelope, limit reached) is an ordinary JSON answer: nothing to hold.
    if (!response.headers.get("content-type")?.startsWith("text/event-stream")) {
      await stream.end(false);
      return response;
    }
    // Ended while the answer was being made (the caller left, or a drain): nothing to poll for.
    if (ended) return response;
    for (const uri of who.uris) {
      const ref = tryParseResourceUri(uri);
      if (ref?.kind === "logs") {
        polls
          .subscribe(uri, ref, { keepIfUnreachable: true })
          .catch((error) => reports.onPollError(uri, error));
      }
    }
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

function refusal(
  status: number,
  id: unknown,
  message: string,
  { code = -32000, retry = true }: { code?: number; retry?: boolean } = {},
): Response {
  return Response.json(
    { jsonrpc: "2.0", id, error: { code, message } },
    { status, ...(retry ? { headers: { "retry-after": "1" } } : {}) },
  );
}
