import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { SANDBOX_VARS } from "./catalog/index.js";
import { createRequestListener } from "./http.js";
import { randomIds } from "./ids.js";
import { lockState, type StateLock } from "./lock.js";
import { loadState, SandboxStateError, StateWriter } from "./persist.js";
import { DEFAULT_LOG_LIMITS, type LogLimits } from "./retention.js";
import { seedState } from "./seed.js";
import { SandboxStore } from "./state.js";

export { SandboxStateError } from "./persist.js";

export interface SandboxOptions {
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** Port to bind; 0 (default) picks a free one. */
  port?: number;
  /** JSON file holding the whole state; without it the state lives in memory only. */
  statePath?: string;
  /** Preprocess-script variables, merged over SANDBOX_VARS. */
  vars?: Record<string, string>;
  /** Per-run preprocess-script time limit; default 1000 ms. */
  scriptTimeoutMs?: number;
  /**
   * The one bearer token accepted, for a sandbox embedded in the server; without it any non-empty token is
   * (sandbox-server, which other clients call with a token of their choosing).
   */
  token?: string;
  /** Clock, for tests. */
  now?: () => Date;
  /** How many logs are kept (retention.ts); the defaults, for tests. */
  logLimits?: Partial<LogLimits>;
}

export interface SandboxHandle {
  /** http://HOST:PORT, to use as the Management API base URL. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Starts a local emulator of Knock's Management API sources endpoints. Throws SandboxStateError when
 * `statePath` exists but does not hold a usable state, cannot be written, or is held by another sandbox (its
 * lock file, lock.ts); a missing file is seeded and written.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<SandboxHandle> {
  const lock = options.statePath ? await lockState(options.statePath) : null;
  try {
    return await serve(options, lock);
  } catch (error) {
    await lock?.release();
    throw error;
  }
}

async function serve(options: SandboxOptions, lock: StateLock | null): Promise<SandboxHandle> {
  const now = options.now ?? (() => new Date());
  const loaded = options.statePath ? await loadState(options.statePath) : null;
  const writer = options.statePath ? new StateWriter(options.statePath, loaded?.logFileBytes ?? 0) : null;
  const limits = { ...DEFAULT_LOG_LIMITS, ...options.logLimits };
  const store = new SandboxStore(loaded?.state ?? seedState(now()), writer, now, limits);
  try {
    if (!loaded || loaded.version === 1) await store.writeAll();
    else if (loaded.tornTail) await writer?.truncateLogs(loaded.logFileBytes);
  } catch (error) {
    await store.close().catch(() => undefined);
    throw new SandboxStateError(options.statePath ?? "", `cannot be written (${(error as Error).message})`);
  }

  const server = createServer(
    createRequestListener(
      store,
      {
        vars: { ...SANDBOX_VARS, ...options.vars },
        scriptTimeoutMs: options.scriptTimeoutMs ?? 1000,
        ids: randomIds,
      },
      { token: options.token },
    ),
  );
  const host = options.host ?? "127.0.0.1";
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(":") ? `[${host}]` : host;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      })
        .then(() => store.close())
        // The lock goes last, once nothing more will be written, and whatever else failed.
        .finally(() => lock?.release());
      return closing;
    },
  };
}
