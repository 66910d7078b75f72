// Live event-log resources. Knock has no push for new logs, so one timer polls the newest log of each
// subscribed resource; it runs only while something is subscribed, never keeps the process alive, and stops
// for good when the connection closes. Who asks (a 2025-era resources/subscribe, a 2026-era
// subscriptions/listen stream) is the MCP side's business; this counts interest per resource.
//
// A resource is counted, polled and ended in its canonical spelling (parsed, then built again), so
// `%73rc-0` and `src-0` are one resource, one poll. Each spelling a subscriber used is remembered and told
// of a new log, because a client matches notifications against the URI it sent (the 2026-era SDK routes
// them to listen streams by exact string).
import type { KnockClient } from "../knock/client.js";
import { type LogsRef, tryParseResourceUri, uriOf } from "./uris.js";

/**
 * The most event-log resources one connection may watch at once (over HTTP: one caller's listen streams
 * on a replica). Each costs one Knock request per poll interval.
 */
export const MAX_LIVE_RESOURCES = 100;

/** Watching more resources would pass MAX_LIVE_RESOURCES; nothing was added. */
export class LiveResourceLimitError extends Error {
  override readonly name = "LiveResourceLimitError";
  constructor(
    readonly about: {
      limit: number;
      /** Resources watched before the refused request. */
      held: number;
      /** Resources that would be watched had it been accepted. */
      total: number;
      via: "subscribe" | "listen";
      /** Who the bound is counted for: a connection, or an HTTP caller's streams on one replica. */
      per: "connection" | "caller";
    },
  ) {
    super(`watching ${about.total} event-log resources would pass the limit of ${about.limit}`);
  }
}

/** The canonical URI of the event-log resource `uri` names, or undefined when it names none. */
export function logsResourceOf(uri: string): { key: string; ref: LogsRef } | undefined {
  const ref = tryParseResourceUri(uri);
  if (ref?.kind !== "logs") return undefined;
  try {
    return { key: uriOf(ref), ref };
  } catch {
    // Not valid Unicode once decoded: no request could be made for it, so nothing would be polled.
    return undefined;
  }
}

/** The distinct event-log resources among `uris`, canonical: what watching all of them costs. */
export function polledResources(uris: Iterable<string>): Set<string> {
  const keys = new Set<string>();
  for (const uri of uris) {
    const key = logsResourceOf(uri)?.key;
    if (key) keys.add(key);
  }
  return keys;
}

export interface SubscriptionDeps {
  client: KnockClient;
  intervalMs: number;
  /** A resource's checks began to fail (once per outage, with its canonical URI); polling goes on. */
  onPollError: (uri: string, error: unknown) => void;
  /** A resource whose checks had failed answered again (its canonical URI). */
  onPollRecovered: (uri: string) => void;
  /** Sends notifications/resources/updated; must not throw (it is called fire-and-forget). */
  notify: (uri: string) => void;
  /** False once the transport is gone, in case a close hook was missed. */
  isConnected: () => boolean;
}

interface Resource {
  ref: LogsRef;
  /** The URIs subscribers named it by; each is told of a new log. */
  spellings: Set<string>;
  /** Settles when the newest log at subscribe time is known; until then the resource is not polled. */
  ready: Promise<void>;
  live: boolean;
  /** Undefined until a check succeeds: that first answer is the baseline, not news. */
  newestId: string | null | undefined;
  /** Its last check failed: the failure was logged once, and its recovery will be. */
  failing: boolean;
}

export class LogSubscriptions {
  // By canonical URI. An entry is replaced, never reused, after it ends: work started for an entry finds
  // it gone (or another in its place) on return and has no effect.
  readonly #resources = new Map<string, Resource>();
  #timer: NodeJS.Timeout | undefined;
  #polling = false;
  // Bumped by close(): work started before it finishes without effect.
  #generation = 0;
  #abort = new AbortController();

  constructor(private readonly deps: SubscriptionDeps) {}

  /** Resources watched, those still fetching their newest log included. */
  get size(): number {
    return this.#resources.size;
  }

  /**
   * Resolves once the newest log at subscribe time is known; a later, newer one triggers the update. A
   * spelling of a resource already watched adds no poll and counts nothing; a new resource past
   * MAX_LIVE_RESOURCES is refused with LiveResourceLimitError. If that first check fails, the subscribe
   * fails, unless `keepIfUnreachable`: a listen stream has no one to tell, so its resource is kept, the
   * failure reported like a poll's, and the next good check becomes the baseline.
   */
  async subscribe(uri: string, ref: LogsRef, { keepIfUnreachable = false } = {}): Promise<void> {
    const key = uriOf(ref);
    const held = this.#resources.get(key);
    if (held) {
      held.spellings.add(uri);
      return held.ready;
    }
    if (this.#resources.size >= MAX_LIVE_RESOURCES) {
      const count = this.#resources.size;
      const about = { limit: MAX_LIVE_RESOURCES, held: count, total: count + 1 };
      throw new LiveResourceLimitError({ ...about, via: "subscribe", per: "connection" });
    }
    const resource: Resource = {
      ref,
      spellings: new Set([uri]),
      ready: Promise.resolve(),
      live: false,
      newestId: undefined,
      failing: false,
    };
    this.#resources.set(key, resource);
    resource.ready = this.#start(key, resource, keepIfUnreachable);
    return resource.ready;
  }

  /** One subscriber's name for a resource is gone (its listen stream ended); others keep it watched. */
  release(uri: string): void {
    const key = logsResourceOf(uri)?.key;
    const resource = key === undefined ? undefined : this.#resources.get(key);
    if (!key || !resource) return;
    resource.spellings.delete(uri);
    if (resource.spellings.size === 0) this.#end(key);
  }

  /** The resource `uri` names, in any spelling, is no longer watched. */
  unsubscribe(uri: string): void {
    const key = logsResourceOf(uri)?.key;
    if (key) this.#end(key);
  }

  close(): void {
    this.#generation += 1;
    this.#resources.clear();
    this.#stopTimer();
    this.#abort.abort();
    this.#abort = new AbortController();
  }

  async #start(key: string, resource: Resource, keepIfUnreachable: boolean): Promise<void> {
    try {
      const newestId = await this.#newestId(resource.ref);
      // Unsubscribed or closed while the request was out: this call adds nothing.
      if (this.#resources.get(key) !== resource) return;
      resource.newestId = newestId;
    } catch (error) {
      // A failure after the interest ended (close() aborts the request) is nobody's concern.
      if (this.#resources.get(key) !== resource) return;
      if (!keepIfUnreachable) {
        this.#resources.delete(key);
        throw error;
      }
      resource.failing = true;
      this.deps.onPollError(key, error);
    }
    resource.live = true;
    this.#schedule();
  }

  #end(key: string): void {
    this.#resources.delete(key);
    if (this.#resources.size === 0) this.#stopTimer();
  }

  #stopTimer(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    if (this.#timer || this.#polling || this.#resources.size === 0) return;
    this.#timer = setTimeout(() => void this.#tick(), this.deps.intervalMs);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    this.#timer = undefined;
    if (!this.deps.isConnected()) {
      this.close();
      return;
    }
    this.#polling = true;
    const generation = this.#generation;
    try {
      const live = [...this.#resources].filter(([, resource]) => resource.live);
      await Promise.all(live.map(([key, resource]) => this.#poll(key, resource, generation)));
    } finally {
      this.#polling = false;
    }
    if (generation === this.#generation) this.#schedule();
  }

  async #poll(key: string, resource: Resource, generation: number): Promise<void> {
    const current = () => generation === this.#generation && this.#resources.get(key) === resource;
    try {
      const newest = await this.#newestId(resource.ref, false);
      // Unsubscribed or closed while the request was out: say nothing.
      if (!current()) return;
      if (resource.failing) {
        resource.failing = false;
        this.deps.onPollRecovered(key);
      }
      if (resource.newestId === undefined) {
        resource.newestId = newest;
      } else if (newest !== null && newest !== resource.newestId) {
        resource.newestId = newest;
        for (const uri of resource.spellings) this.deps.notify(uri);
      }
    } catch (error) {
      if (!current() || resource.failing) return;
      resource.failing = true;
      this.deps.onPollError(key, error);
    }
  }

  /**
   * A poll (`retries: false`) is not retried: the next interval is its retry, and an outage should cost Knock
   * one request per resource per interval, not one per attempt. The first look, which a subscribe waits for,
   * is retried as any call.
   */
  async #newestId(ref: LogsRef, retries = true): Promise<string | null> {
    const page = await this.deps.client.listSourceLogs(
      ref.source,
      { environment: ref.environment, limit: 1 },
      this.#abort.signal,
      retries ? {} : { maxRetries: 0 },
    );
    return page.entries[0]?.id ?? null;
  }
}
