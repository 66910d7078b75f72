// Live event-log resources. Knock has no push for new logs, so one timer polls the
// newest log of each subscribed source; it runs only while something is subscribed, never keeps the
// process alive, and stops for good when the connection closes. Who asks (a 2025-era resources/subscribe,
// a 2026-era subscriptions/listen stream) is the MCP side's business; this counts interest per URI.
import type { KnockClient } from "../knock/client.js";
import type { LogsRef } from "./uris.js";

export interface SubscriptionDeps {
  client: KnockClient;
  intervalMs: number;
  /** A poll failed; polling goes on at the next interval. */
  onPollError: (uri: string, error: unknown) => void;
  /** Sends notifications/resources/updated; must not throw (it is called fire-and-forget). */
  notify: (uri: string) => void;
  /** False once the transport is gone, in case a close hook was missed. */
  isConnected: () => boolean;
}

interface Subscription {
  ref: LogsRef;
  newestId: string | null;
}

export class LogSubscriptions {
  readonly #subs = new Map<string, Subscription>();
  // A token per URI whose subscribe is still fetching its newest log. unsubscribe and close() remove it,
  // and a later subscribe replaces it, so a subscribe that finds its token gone on return adds nothing.
  readonly #pending = new Map<string, symbol>();
  #timer: NodeJS.Timeout | undefined;
  #polling = false;
  // Bumped by close(): work started before it finishes without effect.
  #generation = 0;
  #abort = new AbortController();

  constructor(private readonly deps: SubscriptionDeps) {}

  get size(): number {
    return this.#subs.size;
  }

  /** Resolves once the newest log at subscribe time is known; a later, newer one triggers the update. */
  async subscribe(uri: string, ref: LogsRef): Promise<void> {
    if (this.#subs.has(uri)) return;
    const token = Symbol(uri);
    this.#pending.set(uri, token);
    try {
      const newestId = await this.#newestId(ref);
      // Unsubscribed, closed or subscribed again while the request was out: this call adds nothing.
      if (this.#pending.get(uri) !== token || this.#subs.has(uri)) return;
      this.#subs.set(uri, { ref, newestId });
      this.#schedule();
    } catch (error) {
      // A failure after the interest ended (close() aborts the request) is nobody's concern.
      if (this.#pending.get(uri) === token) throw error;
    } finally {
      if (this.#pending.get(uri) === token) this.#pending.delete(uri);
    }
  }

  unsubscribe(uri: string): void {
    this.#pending.delete(uri);
    this.#subs.delete(uri);
    if (this.#subs.size === 0) this.#stopTimer();
  }

  close(): void {
    this.#generation += 1;
    this.#pending.clear();
    this.#subs.clear();
    this.#stopTimer();
    this.#abort.abort();
    this.#abort = new AbortController();
  }

  #stopTimer(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    if (this.#timer || this.#polling || this.#subs.size === 0) return;
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
      await Promise.all([...this.#subs].map(([uri, sub]) => this.#poll(uri, sub, generation)));
    } finally {
      this.#polling = false;
    }
    if (generation === this.#generation) this.#schedule();
  }

  async #poll(uri: string, sub: Subscription, generation: number): Promise<void> {
    try {
      const newest = await this.#newestId(sub.ref);
      // Unsubscribed or closed while the request was out: say nothing.
      if (generation !== this.#generation || this.#subs.get(uri) !== sub) return;
      if (newest !== null && newest !== sub.newestId) {
        sub.newestId = newest;
        this.deps.notify(uri);
      }
    } catch (error) {
      if (generation !== this.#generation) return;
      this.deps.onPollError(uri, error);
    }
  }

  async #newestId(ref: LogsRef): Promise<string | null> {
    const page = await this.deps.client.listSourceLogs(
      ref.source,
      { environment: ref.environment, limit: 1 },
      this.#abort.signal,
    );
    return page.entries[0]?.id ?? null;
  }
}
