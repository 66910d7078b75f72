// Which event-log resources a 2026-era client is listening to. On stdio the SDK's entry answers
// subscriptions/listen itself and never shows the request to the server, but every message of the
// connection passes through the wire transport: the acknowledgement names the URIs a stream was granted,
// and a stream ends with the client's cancellation or the entry's final response to it. Counting those
// lets polling run only while someone listens. A listen that would make the connection watch more than
// MAX_LIVE_RESOURCES event-log resources is answered here with an error and never reaches the entry.
import {
  type JSONRPCMessage,
  ProtocolErrorCode,
  SUBSCRIPTION_ID_META_KEY,
} from "@modelcontextprotocol/server";
import { LiveResourceLimitError, MAX_LIVE_RESOURCES, polledResources } from "../resources/subscriptions.js";
import { describeError } from "./describe-error.js";

type StreamId = string | number;

export interface ListenObserver {
  /** The first stream naming `uri` opened. */
  started(uri: string): void;
  /** The last stream naming `uri` ended. */
  stopped(uri: string): void;
}

export class ListenInterest {
  readonly #streams = new Map<StreamId, readonly string[]>();
  readonly #counts = new Map<string, number>();
  // Listens admitted but not yet acknowledged: they count against the bound already.
  readonly #admitted = new Map<StreamId, readonly string[]>();
  #observer: ListenObserver | undefined;

  /** One observer: the server instance pinned to the connection. URIs already listened to are replayed. */
  observe(observer: ListenObserver): void {
    this.#observer = observer;
    for (const uri of this.#counts.keys()) observer.started(uri);
  }

  /** Every URI some open stream names. */
  get uris(): string[] {
    return [...this.#counts.keys()];
  }

  /** A message from the client; what it returns is the answer to send instead of passing the message on. */
  inbound(message: JSONRPCMessage): JSONRPCMessage | undefined {
    if ("method" in message && message.method === "notifications/cancelled" && !("id" in message)) {
      const requestId = (message.params as { requestId?: StreamId } | undefined)?.requestId;
      if (requestId !== undefined) this.#end(requestId);
    }
    if ("method" in message && message.method === "subscriptions/listen" && "id" in message) {
      return this.#admit(message.id, urisOf(message.params));
    }
    return undefined;
  }

  outbound(message: JSONRPCMessage): void {
    if ("method" in message && message.method === "notifications/subscriptions/acknowledged") {
      const params = message.params as { _meta?: Record<string, unknown> } | undefined;
      const id = params?._meta?.[SUBSCRIPTION_ID_META_KEY];
      if (typeof id === "string" || typeof id === "number") this.#begin(id, urisOf(params));
      return;
    }
    // The entry answers a listen request only when its stream is over.
    if ("id" in message && message.id !== undefined && ("result" in message || "error" in message)) {
      this.#end(message.id);
    }
  }

  /** The connection is gone: every stream with it. */
  closed(): void {
    this.#admitted.clear();
    for (const id of [...this.#streams.keys()]) this.#end(id);
  }

  #admit(id: StreamId, uris: readonly string[]): JSONRPCMessage | undefined {
    const held = polledResources([...this.#counts.keys(), ...[...this.#admitted.values()].flat()]);
    const total = new Set([...held, ...polledResources(uris)]).size;
    if (total <= MAX_LIVE_RESOURCES) {
      this.#admitted.set(id, uris);
      return undefined;
    }
    const about = { limit: MAX_LIVE_RESOURCES, held: held.size, total };
    const refused = new LiveResourceLimitError({ ...about, via: "listen", per: "connection" });
    // The wording names counts only, nothing the client sent, so there is no secret to redact.
    const message = describeError(refused, "subscriptions/listen", []);
    return { jsonrpc: "2.0", id, error: { code: ProtocolErrorCode.InvalidRequest, message } };
  }

  #begin(id: StreamId, uris: readonly string[]): void {
    this.#end(id);
    const unique = [...new Set(uris)];
    this.#streams.set(id, unique);
    for (const uri of unique) {
      const count = (this.#counts.get(uri) ?? 0) + 1;
      this.#counts.set(uri, count);
      if (count === 1) this.#observer?.started(uri);
    }
  }

  #end(id: StreamId): void {
    this.#admitted.delete(id);
    const uris = this.#streams.get(id);
    if (!uris) return;
    this.#streams.delete(id);
    for (const uri of uris) {
      const count = (this.#counts.get(uri) ?? 1) - 1;
      if (count > 0) {
        this.#counts.set(uri, count);
      } else {
        this.#counts.delete(uri);
        this.#observer?.stopped(uri);
      }
    }
  }
}

/** The resource URIs a listen request (or its acknowledgement) names in its params. */
export function urisOf(params: unknown): string[] {
  const uris = (params as { notifications?: { resourceSubscriptions?: unknown } } | undefined)?.notifications
    ?.resourceSubscriptions;
  return Array.isArray(uris) ? uris.filter((uri): uri is string => typeof uri === "string") : [];
}
