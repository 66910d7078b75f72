#!/usr/bin/env node

// The process entry, and the only file that touches `process`: argv and env in, the MCP server out, over
// stdio (one host, whichever protocol era it opens with) or over Streamable HTTP with --port (a team, each
// caller with their own token). Everything it starts is stopped when the stdio connection ends (however
// it ends) and on SIGINT/SIGTERM, which over HTTP first drains the requests in flight.
import { randomBytes } from "node:crypto";
import { statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { setFlagsFromString } from "node:v8";
import type { HttpConfig } from "./config.js";
import {
  type Config,
  HELP,
  parseCommandLine,
  sandboxStateDirectoryMessage,
  sendsTokenInClear,
} from "./config.js";
import { KnockClient } from "./knock/client.js";
import { KnockHttp, sharedDispatcher } from "./knock/http.js";
import { createServer } from "./mcp/server.js";
import { serveOverStdio } from "./mcp/stdio.js";
import { logWarning } from "./shared/log.js";
import { redact } from "./shared/redact.js";
import { USER_AGENT, VERSION } from "./shared/version.js";

/**
 * The token the embedded sandbox is called with, and the only one it accepts: random per run, so another local
 * program (or a web page rebinding its name to 127.0.0.1) cannot drive the sandbox, whose script variables may
 * hold a user's signing secrets. Tokens are redacted from everything the server shows; a random one never
 * occurs in sandbox data.
 */
const SANDBOX_TOKEN = `knock-sources-mcp-sandbox-${randomBytes(18).toString("base64url")}`;

/** Over HTTP, how long requests in flight may take to finish after SIGTERM before they are cut off. */
const DRAIN_GRACE_MS = 10_000;

const cleanups: Array<() => Promise<unknown>> = [];
let stopping = false;
// Over HTTP the first cleanup is the drain, which may take its grace period.
let shutdownCapMs = 2_000;

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    // One after another, in reverse order of start (the server before the client it uses, the client
    // before the sandbox it talks to), and never waiting longer in all on a peer that hangs.
    const inOrder = (async () => {
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    })();
    await Promise.race([inOrder, new Promise((resolve) => setTimeout(resolve, shutdownCapMs).unref())]);
  }
  process.exit(code);
}

async function main(): Promise<void> {
  const parsed = parseCommandLine(process.argv.slice(2), process.env);
  if (!parsed.ok) {
    logWarning(parsed.message);
    process.exit(2);
  }
  const { command } = parsed;
  if (command.kind === "help" || command.kind === "version") {
    // Asked for by a person at a terminal, not the protocol: stdout, so it can be piped or paged.
    // biome-ignore lint/plugin: --help and --version start no MCP session; their text is the whole output.
    process.stdout.write(`${command.kind === "help" ? HELP : VERSION}\n`);
    return;
  }
  // The sandbox writes its state through a temp file beside the state file: a missing directory would
  // otherwise surface later as a raw ENOENT on that temp file's name.
  const statePath =
    command.kind === "sandbox-server" ? command.state : command.config.sandbox && command.config.sandboxState;
  if (statePath && !isDirectory(dirname(resolve(statePath)))) {
    logWarning(
      sandboxStateDirectoryMessage(
        command.kind === "sandbox-server" ? "state" : "sandbox-state",
        dirname(resolve(statePath)),
      ),
    );
    process.exit(2);
  }
  process.on("SIGINT", () => void shutdown(0));
  process.on("SIGTERM", () => void shutdown(0));
  // Never fatal: a host shows nothing of a crashed server. The token is kept out of the log line.
  const secrets =
    command.kind === "serve" && command.config.serviceToken ? [command.config.serviceToken] : [];
  process.on("unhandledRejection", (reason) =>
    logWarning(redact(`unhandled rejection: ${String(reason)}`, secrets)),
  );

  if (command.kind === "sandbox-server") {
    // Loaded only in this mode: the emulator and node:vm cost start-up time nobody else should pay.
    const { startSandbox } = await import("./sandbox/index.js");
    const sandbox = await startSandbox({ port: command.port, statePath: command.state, vars: command.vars });
    cleanups.push(() => sandbox.close());
    logWarning(`sandbox API listening on ${sandbox.url} (any bearer token is accepted)`);
    return;
  }

  let config: Config = command.config;
  if (config.sandbox) {
    const { startSandbox } = await import("./sandbox/index.js");
    const sandbox = await startSandbox({
      statePath: config.sandboxState,
      vars: config.sandboxVars,
      token: SANDBOX_TOKEN,
    });
    cleanups.push(() => sandbox.close());
    config = { ...config, baseUrl: sandbox.url, serviceToken: SANDBOX_TOKEN };
    logWarning(`running against the local sandbox at ${sandbox.url}; nothing reaches a real Knock account`);
  } else {
    // Reached only with --allow-insecure-http: the parser refuses such a URL otherwise.
    if (sendsTokenInClear(config.baseUrl)) {
      logWarning(
        `the base URL ${config.baseUrl} is plain http to another machine: tokens travel unencrypted (allowed by --allow-insecure-http).`,
      );
    }
    if (!config.serviceToken && !config.http) {
      logWarning(
        "no service token: set KNOCK_SERVICE_TOKEN (or --service-token), or use --sandbox. Tools will answer with this hint until then.",
      );
    }
  }

  if (config.http) await serveOverHttp({ ...config, http: config.http }, secrets);
  else await serveStdioSession(config, secrets);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

async function serveStdioSession(config: Config, secrets: readonly string[]): Promise<void> {
  // A stdio server lives as long as the host's session and is idle most of the time, so its resident memory
  // should stay flat: V8's old generation may grow by at most a quarter of what survived the last full
  // collection before the next one (its default allows up to four times), which on a live heap of about 20 MB
  // keeps RSS near 120 MB and flat, for collections that cost little (measured with `npm run bench`). V8's
  // memory-saving mode (--optimize-for-size), used before, kept RSS lower but sawing by ±20 MB, for a fifth
  // less throughput and calls no faster than a plain SDK server's. Read at each collection: set in time.
  setFlagsFromString("--heap-growing-percent=25");
  const http = config.serviceToken
    ? new KnockHttp({
        baseUrl: config.baseUrl,
        token: config.serviceToken,
        userAgent: USER_AGENT,
        timeoutMs: config.timeoutMs,
        maxRetries: config.maxRetries,
      })
    : undefined;
  if (http) cleanups.push(() => http.close());

  const client = http && new KnockClient(http);
  const session = serveOverStdio((era, listens) => createServer(config, { client, listens }, era), {
    input: process.stdin,
    // biome-ignore lint/plugin: the protocol itself is what goes to stdout, through the SDK transport.
    output: process.stdout,
    onerror: (error) => logWarning(redact(`stdio: ${error.message}`, secrets)),
  });
  cleanups.push(() => session.close());
  // The host closing stdin is how a stdio session ends; a transport that gives up (a line longer than it
  // buffers, a broken stdout) ends it too, and then the process says why and exits non-zero.
  const { error } = await session.closed;
  if (stopping) return;
  if (error)
    logWarning("the stdio transport closed the connection after the error above; exiting with status 1");
  await shutdown(error ? 1 : 0);
}

async function serveOverHttp(
  config: Config & { http: HttpConfig },
  configured: readonly string[],
): Promise<void> {
  // A replica's live heap is small (about 25 MB) and what it allocates dies with the request. V8's default lets
  // the old generation grow to up to four times what survived the last full collection before the next one,
  // so RSS climbs to about 200 MB of garbage and saws up and down there; growing by at most half keeps it near
  // 135 MB and flat, for full collections that cost little on so small a heap (measured with `npm run bench`:
  // throughput and p99 no worse; a quarter, as over stdio, cost some of both). V8's memory-saving mode cost a
  // quarter of the throughput and doubled the p99 at 64 callers.
  setFlagsFromString("--heap-growing-percent=50");
  // Loaded only in this mode, like undici: stdio hosts should not pay for it at start-up.
  const { serveHttp } = await import("./mcp/http.js");
  const dispatcher = await sharedDispatcher(config.http.maxConcurrency);
  cleanups.push(() => dispatcher.close());
  const clientFor = (token: string) =>
    new KnockClient(
      new KnockHttp({
        baseUrl: config.baseUrl,
        token,
        userAgent: USER_AGENT,
        timeoutMs: config.timeoutMs,
        maxRetries: config.maxRetries,
        dispatcher,
      }),
    );
  const serving = await serveHttp({
    config,
    clientFor,
    sandboxToken: config.sandbox ? config.serviceToken : undefined,
  });
  shutdownCapMs = DRAIN_GRACE_MS + 2_000;
  cleanups.push(() => serving.drain(DRAIN_GRACE_MS));
  if (!config.sandbox && configured.length > 0) {
    logWarning(
      "KNOCK_SERVICE_TOKEN (--service-token) is set but not used over HTTP: each caller sends their own token as Authorization: Bearer, and the server lends its token to no one.",
    );
  }
  logWarning(
    `serving MCP over Streamable HTTP at ${serving.url}${config.sandbox ? " (sandbox: any bearer token, or none, is accepted)" : "; each request needs Authorization: Bearer <Knock service token>"}`,
  );
}

main().catch((error: unknown) => {
  logWarning(error instanceof Error ? error.message : String(error));
  void shutdown(1);
});
