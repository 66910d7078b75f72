// Which event-log resources a 2026-era client is listening to. On stdio the SDK's entry answers
// subscriptions/listen itself and never shows the request to the server, but every message of the
// connection passes through the wire transport: the acknowledgement names the URIs a stream was granted,
// and a stream ends with the client's cancellation or the entry's final response to it. Counting those
// lets polling run only while someone listens.
import { type JSONRPCMessage, SUBSCRIPTION_ID_META_KEY } from "@modelcontextprotocol/server";

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

  inbound(message: JSONRPCMessage): void {
    if ("method" in message && message.method === "notifications/cancelled" && !("id" in message)) {
      const requestId = (message.params as { requestId?: StreamId } | undefined)?.requestId;
      if (requestId !== undefined) this.#end(requestId);
    }
  }

  outbound(message: JSONRPCMessage): void {
    if ("method" in message && message.method === "notifications/subscriptions/acknowledged") {
      const params = message.params as
        | { notifications?: { resourceSubscriptions?: unknown }; _meta?: Record<string, unknown> }
        | undefined;
      const id = params?._meta?.[SUBSCRIPTION_ID_META_KEY];
      const uris = params?.notifications?.resourceSubscriptions;
      if ((typeof id === "string" || typeof id === "number") && Array.isArray(uris)) {
        this.#begin(
          id,
          uris.filter((uri): uri is string => typeof uri === "string"),
        );
      }
      return;
    }
    // The entry answers a listen request only when its stream is over.
    if ("id" in message && message.id !== undefined && ("result" in message || "error" in message)) {
      this.#end(message.id);
    }
  }

  /** The connection is gone: every stream with it. */
  closed(): void {
    for (const id of [...this.#streams.keys()]) this.#end(id);
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
