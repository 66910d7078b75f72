// The one configuration parser: argv and environment in, a validated Config (or a message) out.
// Pure, so it is tested without touching the process; src/index.ts feeds it process.argv and process.env.
import { isIP } from "node:net";
import { parseArgs } from "node:util";
import { z } from "zod";

export interface Config {
  serviceToken: string | undefined;
  baseUrl: string;
  environment: string;
  readOnly: boolean;
  timeoutMs: number;
  maxRetries: number;
  sandbox: boolean;
  /** Allows a plain-http base URL on another machine (tokens then travel unencrypted). */
  allowInsecureHttp: boolean;
  sandboxState: string | undefined;
  sandboxVars: Record<string, string>;
  maxResultChars: number;
  pollIntervalMs: number;
  /** Set by --port: serve Streamable HTTP at /mcp instead of stdio. */
  http?: HttpConfig | undefined;
}

export interface HttpConfig {
  port: number;
  host: string;
  /** Host names (besides the loopback ones) a request's Host and Origin may name. */
  allowedHosts: string[];
  /** Requests in flight at once on this replica; more are answered 503 with Retry-After. */
  maxConcurrency: number;
  /** How long one request may take before it is answered 504 (listen streams excepted). */
  requestTimeoutMs: number;
}

export type Command =
  | { kind: "serve"; config: Config }
  | { kind: "sandbox-server"; port: number; state: string | undefined; vars: Record<string, string> }
  | { kind: "help" }
  | { kind: "version" };

export type ParseResult = { ok: true; command: Command } | { ok: false; message: string };

export const ENVIRONMENT_SLUG = /^[a-z0-9][a-z0-9_-]{0,63}$/;

const booleanText = z
  .string()
  .transform((v) => v.trim().toLowerCase())
  .pipe(
    z.enum(["true", "false", "1", "0", "yes", "no"], {
      message: "must be true or false (also accepted: 1 or 0, yes or no)",
    }),
  )
  .transform((v) => v === "true" || v === "1" || v === "yes");
const integerText = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const OBJECT_OF_STRINGS = 'must be a JSON object of strings such as {"NAME": "value"}';

/** Preprocess-script variables for the sandbox, as a JSON object of strings: {"STRIPE_WEBHOOK_SECRET": "…"}. */
const jsonVars = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: "custom", message: 'must be a JSON object such as {"NAME": "value"}' });
      return z.NEVER;
    }
  })
  .pipe(z.record(z.string(), z.string({ message: OBJECT_OF_STRINGS }), { message: OBJECT_OF_STRINGS }));

const HTTP_DEFAULTS = { host: "127.0.0.1", maxConcurrency: 128, requestTimeoutMs: 120_000 };

/**
 * Each setting once: its flag, its variable, what it means, how its text is validated, and its default.
 * `unset` says what applies when the setting is left out and the schema has no default of its own; the
 * help text and the README's options table are both made from this table.
 */
const SETTINGS = {
  serviceToken: {
    flag: "service-token",
    env: "KNOCK_SERVICE_TOKEN",
    meaning:
      "Knock service token. Without one (and without `--sandbox`) the server still starts, and every tool answers with how to set it.",
    unset: "none",
    schema: z.string().trim().min(1, "must not be empty").optional(),
  },
  baseUrl: {
    flag: "base-url",
    env: "KNOCK_MGMT_BASE_URL",
    meaning: "Management API base URL.",
    schema: z
      .string()
      .refine(isBaseUrl, "must be an http(s) URL with no user, password, query or fragment")
      .default("https://control.knock.app"),
  },
  environment: {
    flag: "environment",
    env: "KNOCK_ENVIRONMENT",
    meaning: "Environment slug used when a tool call does not pass `environment`.",
    schema: z
      .string()
      .regex(ENVIRONMENT_SLUG, "must be an environment slug such as development")
      .default("development"),
  },
  readOnly: {
    flag: "read-only",
    env: "KNOCK_READ_ONLY",
    meaning: "Leave out `upsert_source` and `rehearse_source_event`.",
    schema: booleanText.default(false),
  },
  timeoutMs: {
    flag: "timeout-ms",
    env: "KNOCK_TIMEOUT_MS",
    meaning: "Deadline of one HTTP attempt, body included (100–600000).",
    schema: integerText(100, 600_000).default(30_000),
  },
  maxRetries: {
    flag: "max-retries",
    env: "KNOCK_MAX_RETRIES",
    meaning:
      "Retries of a GET or PUT after a connection error, 408, 409 (Knock's lock timeout), 429 or 5xx (0–10).",
    schema: integerText(0, 10).default(2),
  },
  sandbox: {
    flag: "sandbox",
    env: "KNOCK_SANDBOX",
    meaning: "Run against the embedded sandbox instead of Knock; no token needed.",
    schema: booleanText.default(false),
  },
  allowInsecureHttp: {
    flag: "allow-insecure-http",
    env: "KNOCK_ALLOW_INSECURE_HTTP",
    meaning:
      "Accept a plain `http://` base URL on another machine, which sends tokens unencrypted; without it such a URL is refused. Only 127.0.0.0/8, `[::1]` and `localhost` count as this machine.",
    schema: booleanText.default(false),
  },
  sandboxState: {
    flag: "sandbox-state",
    env: "KNOCK_SANDBOX_STATE",
    meaning: "With `--sandbox`: keep the sandbox's state in this JSON file across runs.",
    unset: "none",
    schema: z.string().min(1, "must be a file path").optional(),
  },
  sandboxVars: {
    flag: "sandbox-vars",
    env: "KNOCK_SANDBOX_VARS",
    meaning:
      'With `--sandbox`: preprocess-script variables as a JSON object of strings, merged over the sandbox\'s defaults, e.g. `{"STRIPE_WEBHOOK_SECRET": "whsec_…"}`.',
    schema: jsonVars.default({}),
  },
  maxResultChars: {
    flag: "max-result-chars",
    env: "KNOCK_MAX_RESULT_CHARS",
    meaning:
      "Upper bound on one tool result's or resource's text (5000–1000000); longer lists are cut by whole entries with a note, and log pages are asked for again with a smaller `limit` so `page_info.after` continues exactly.",
    schema: integerText(5_000, 1_000_000).default(60_000),
  },
  pollIntervalMs: {
    flag: "poll-interval-ms",
    env: "KNOCK_POLL_INTERVAL_MS",
    meaning: "How often a subscribed logs resource is checked for new logs (1000–3600000).",
    schema: integerText(1_000, 3_600_000).default(15_000),
  },
  port: {
    flag: "port",
    env: "KNOCK_MCP_PORT",
    meaning: "Serve MCP over Streamable HTTP at `/mcp` on this port instead of stdio (`0` picks a free one).",
    unset: "none (stdio)",
    schema: integerText(0, 65_535).optional(),
  },
  host: {
    flag: "host",
    env: "KNOCK_MCP_HOST",
    meaning:
      "With `--port`: the interface to listen on. Anything but loopback needs `--allowed-hosts`, and is refused with `--sandbox`.",
    unset: `\`${HTTP_DEFAULTS.host}\``,
    schema: z
      .string()
      .refine(
        (v) => isHostname(v.replace(/^\[(.*)\]$/, "$1")) || isIP(v.replace(/^\[(.*)\]$/, "$1")) !== 0,
        "must be an interface address or host name such as 127.0.0.1 or 0.0.0.0",
      )
      .optional(),
  },
  allowedHosts: {
    flag: "allowed-hosts",
    env: "KNOCK_MCP_ALLOWED_HOSTS",
    meaning:
      "With `--port`: comma-separated host names clients reach the server by (e.g. `mcp.example.com`); a request whose `Host` or `Origin` names any other is refused with 403.",
    unset: "loopback names only",
    schema: z
      .string()
      .transform((v) =>
        v
          .split(",")
          .map((h) => h.trim().toLowerCase())
          .filter(Boolean),
      )
      .refine(
        (hosts) => hosts.every(isHostname),
        "must be host names separated by commas, such as mcp.example.com (no scheme or port)",
      )
      .optional(),
  },
  maxConcurrency: {
    flag: "max-concurrency",
    env: "KNOCK_MCP_MAX_CONCURRENCY",
    meaning:
      "With `--port`: requests in flight at once on this replica (1–10000); more are answered 503 with `Retry-After`. Listen streams do not count.",
    unset: `\`${HTTP_DEFAULTS.maxConcurrency}\``,
    schema: integerText(1, 10_000).optional(),
  },
  requestTimeoutMs: {
    flag: "request-timeout-ms",
    env: "KNOCK_MCP_REQUEST_TIMEOUT_MS",
    meaning:
      "With `--port`: how long one request may take before it is answered 504 and its Knock calls are stopped (1000–3600000). Listen streams are not bounded.",
    unset: `\`${HTTP_DEFAULTS.requestTimeoutMs}\``,
    schema: integerText(1_000, 3_600_000).optional(),
  },
} as const;

/** Settings that only mean something with --sandbox; given without it they are refused. */
const SANDBOX_ONLY = ["sandboxState", "sandboxVars"] as const;
/** Settings that only mean something with --port; given without it they are refused. */
const HTTP_ONLY = ["host", "allowedHosts", "maxConcurrency", "requestTimeoutMs"] as const;

type SettingName = keyof typeof SETTINGS;
const BOOLEAN_FLAGS: ReadonlySet<SettingName> = new Set(["readOnly", "sandbox", "allowInsecureHttp"]);
const SECRET_SETTINGS: ReadonlySet<SettingName> = new Set(["serviceToken", "sandboxVars"]);

export function parseCommandLine(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ParseResult {
  if (argv[0] === "sandbox-server") return parseSandboxServer(argv.slice(1));

  const options: Record<string, { type: "string" | "boolean" }> = {
    help: { type: "boolean" },
    version: { type: "boolean" },
  };
  for (const [name, setting] of Object.entries(SETTINGS)) {
    options[setting.flag] = { type: BOOLEAN_FLAGS.has(name as SettingName) ? "boolean" : "string" };
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }));
  } catch (error) {
    return { ok: false, message: `${(error as Error).message}. Run with --help to see the options.` };
  }
  if (values.help) return { ok: true, command: { kind: "help" } };
  if (values.version) return { ok: true, command: { kind: "version" } };

  const config: Record<string, unknown> = {};
  const given = new Set<SettingName>();
  const problems: string[] = [];
  for (const [name, setting] of Object.entries(SETTINGS)) {
    const fromFlag = values[setting.flag];
    // Flags beat the environment; an empty variable counts as unset, as shells and MCP host configs often
    // leave one behind.
    const raw =
      fromFlag === true ? "true" : fromFlag === false ? undefined : (fromFlag ?? nonEmpty(env[setting.env]));
    if (raw !== undefined) given.add(name as SettingName);
    const parsed = (setting.schema as z.ZodType).safeParse(raw);
    if (parsed.success) {
      config[name] = parsed.data;
    } else {
      const reason = parsed.error.issues[0]?.message ?? "is invalid";
      const source =
        fromFlag === undefined ? `${setting.env} (--${setting.flag})` : `--${setting.flag} (${setting.env})`;
      // Secrets (the token, script variables such as signing secrets) are never echoed, even when wrong.
      const shown = SECRET_SETTINGS.has(name as SettingName) ? "" : ` (got ${JSON.stringify(raw)})`;
      problems.push(`${source} ${reason}${shown}`);
    }
  }
  if (problems.length > 0) return { ok: false, message: problems.join("\n") };
  const straySandbox = SANDBOX_ONLY.filter((key) => given.has(key));
  if (!config.sandbox && straySandbox.length > 0) {
    return {
      ok: false,
      message: `${straySandbox.map(settingName).join(", ")} only ${straySandbox.length === 1 ? "applies" : "apply"} to the sandbox: add ${settingName("sandbox")} to run against the embedded sandbox, or leave ${straySandbox.length === 1 ? "it" : "them"} out.`,
    };
  }
  if (!config.sandbox && !config.allowInsecureHttp && sendsTokenInClear(config.baseUrl as string)) {
    return {
      ok: false,
      message: `${settingName("baseUrl")} ${config.baseUrl as string} is plain http to another machine: every request would carry its token unencrypted. Use https, or add ${settingName("allowInsecureHttp")} if the network in between is trusted.`,
    };
  }
  const http = httpConfig(config);
  if (typeof http === "string") return { ok: false, message: http };
  for (const name of ["port", ...HTTP_ONLY]) delete config[name];
  return { ok: true, command: { kind: "serve", config: { ...(config as unknown as Config), http } } };
}

/** The HTTP settings as one object, or why they cannot be served as given. */
function httpConfig(values: Record<string, unknown>): HttpConfig | undefined | string {
  const name = settingName;
  if (values.port === undefined) {
    const stray = HTTP_ONLY.filter((key) => values[key] !== undefined);
    if (stray.length === 0) return undefined;
    return `${stray.map(name).join(", ")} only apply to HTTP: add ${name("port")} to serve Streamable HTTP, or leave them out for stdio.`;
  }
  const host = (values.host as string | undefined) ?? HTTP_DEFAULTS.host;
  const allowedHosts = (values.allowedHosts as string[] | undefined) ?? [];
  if (!isLoopback(host)) {
    if (values.sandbox) {
      return `${name("host")} ${host} is not a loopback address, and the sandbox is only served on this machine (127.0.0.1, ::1 or localhost): anyone who reached it could read and change its data.`;
    }
    if (allowedHosts.length === 0) {
      return (
        `${name("host")} ${host} accepts connections from other machines, so ${name("allowedHosts")} must name the host names clients reach this server by ` +
        "(e.g. mcp.example.com); requests naming any other Host are refused, which is what protects against DNS rebinding."
      );
    }
  }
  return {
    port: values.port as number,
    host,
    allowedHosts,
    maxConcurrency: (values.maxConcurrency as number | undefined) ?? HTTP_DEFAULTS.maxConcurrency,
    requestTimeoutMs: (values.requestTimeoutMs as number | undefined) ?? HTTP_DEFAULTS.requestTimeoutMs,
  };
}

/** How messages name a setting: its flag, then its variable. */
export function settingName(key: SettingName): string {
  return `--${SETTINGS[key].flag} (${SETTINGS[key].env})`;
}

/**
 * Why a state file cannot be written in `directory` (which the caller found missing or not a directory).
 * The check itself touches the filesystem, so src/index.ts makes it; the wording lives here with the others.
 */
export function sandboxStateDirectoryMessage(flag: "sandbox-state" | "state", directory: string): string {
  const name = flag === "state" ? "sandbox-server --state" : settingName("sandboxState");
  return `${name}: the directory ${directory} does not exist (or is not a directory), so the sandbox's state cannot be kept there. Create it, or name a file in an existing directory.`;
}

/** Addresses that only this machine can reach. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  return bare === "localhost" || bare === "::1" || (isIP(bare) === 4 && bare.startsWith("127."));
}

function isHostname(value: string): boolean {
  return /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i.test(
    value,
  );
}

function parseSandboxServer(argv: readonly string[]): ParseResult {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { port: { type: "string" }, state: { type: "string" }, vars: { type: "string" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return { ok: false, message: `sandbox-server: ${(error as Error).message}` };
  }
  const port = integerText(0, 65_535).default(0).safeParse(values.port);
  if (!port.success) return { ok: false, message: `sandbox-server --port ${port.error.issues[0]?.message}` };
  const vars = jsonVars.default({}).safeParse(values.vars);
  if (!vars.success) return { ok: false, message: `sandbox-server --vars ${vars.error.issues[0]?.message}` };
  const state = typeof values.state === "string" && values.state !== "" ? values.state : undefined;
  return { ok: true, command: { kind: "sandbox-server", port: port.data, state, vars: vars.data } };
}

// Paths are appended to the base URL as text, so a query or fragment would end up in the wrong place, and
// credentials in it would be shown in network error messages.
function isBaseUrl(value: string): boolean {
  if (!/^https?:\/\/[^/]+/.test(value) || !URL.canParse(value)) return false;
  const url = new URL(value);
  return (
    url.username === "" && url.password === "" && url.search === "" && url.hash === "" && !value.includes("?")
  );
}

/**
 * Plain http sends the token unencrypted; it is only reasonable to a server on this machine. The URL parser has
 * already normalised the host (0x7f000001 and 2130706433 read 127.0.0.1), so a name that merely starts like a
 * loopback address, such as 127.0.0.1.example.com, is not mistaken for one.
 */
export function sendsTokenInClear(baseUrl: string): boolean {
  const { protocol, hostname } = new URL(baseUrl);
  return protocol === "http:" && !isLoopback(hostname);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value;
}

/** One row per setting, for the help text and the README's options table (kept equal by a test). */
export const OPTIONS: ReadonlyArray<{ flag: string; env: string; default: string; meaning: string }> =
  Object.values(SETTINGS).map((setting) => {
    const fallback = (setting.schema as z.ZodType).safeParse(undefined);
    const value = fallback.success ? fallback.data : undefined;
    const shown =
      value !== undefined ? `\`${typeof value === "string" ? value : JSON.stringify(value)}\`` : undefined;
    return {
      flag: `--${setting.flag}`,
      env: setting.env,
      default: shown ?? ("unset" in setting ? setting.unset : "none"),
      meaning: setting.meaning,
    };
  });

/** The README's options table, rows only, as made from OPTIONS. */
export function optionsMarkdown(): string {
  return [
    "| flag | variable | default | meaning |",
    "|---|---|---|---|",
    ...OPTIONS.map((o) => `| \`${o.flag}\` | \`${o.env}\` | ${o.default} | ${o.meaning} |`),
  ].join("\n");
}

/** Words of `text` as lines of at most `width` characters, each after `indent`. */
function wrap(text: string, width: number, indent: string): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") lines.push(line);
  return lines.map((l) => indent + l).join("\n");
}

const plain = (text: string) => text.replaceAll("`", "");

export const HELP = `knock-sources-mcp — an MCP server (stdio or Streamable HTTP) for Knock data sources

Usage:
  knock-sources-mcp [options]                 serve MCP over stdio
  knock-sources-mcp --port N [options]        serve MCP over Streamable HTTP at /mcp
  knock-sources-mcp sandbox-server [--port N] [--state FILE] [--vars JSON]
                                              run only the local sandbox API

Options (each also read from the environment variable shown; flags win):
${OPTIONS.map(
  (o) =>
    `  ${o.flag.padEnd(20)} ${o.env}  (default: ${plain(o.default)})\n${wrap(plain(o.meaning), 74, "      ")}`,
).join("\n")}
  --help, --version
`;
