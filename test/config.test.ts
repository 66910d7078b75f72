import { describe, expect, it } from "vitest";
import { parseCommandLine, sendsTokenInClear } from "../src/config.js";

const serve = (argv: string[], env: Record<string, string> = {}) => {
  const result = parseCommandLine(argv, env);
  if (!result.ok) throw new Error(result.message);
  if (result.command.kind !== "serve") throw new Error(`expected serve, got ${result.command.kind}`);
  return result.command.config;
};
const failure = (argv: string[], env: Record<string, string> = {}) => {
  const result = parseCommandLine(argv, env);
  if (result.ok) throw new Error("expected a failure");
  return result.message;
};

describe("configuration", () => {
  it("has the documented defaults", () => {
    expect(serve([])).toEqual({
      serviceToken: undefined,
      baseUrl: "https://control.knock.app",
      environment: "development",
      readOnly: false,
      timeoutMs: 30_000,
      maxRetries: 2,
      sandbox: false,
      allowInsecureHttp: false,
      sandboxState: undefined,
      sandboxVars: {},
      maxResultChars: 60_000,
      pollIntervalMs: 15_000,
    });
  });

  it("reads every variable", () => {
    expect(
      serve([], {
        KNOCK_SERVICE_TOKEN: "knock_st_x",
        KNOCK_MGMT_BASE_URL: "http://127.0.0.1:9999",
        KNOCK_ENVIRONMENT: "staging",
        KNOCK_READ_ONLY: "true",
        KNOCK_TIMEOUT_MS: "5000",
        KNOCK_MAX_RETRIES: "0",
        KNOCK_SANDBOX: "1",
        KNOCK_ALLOW_INSECURE_HTTP: "yes",
        KNOCK_SANDBOX_STATE: "/tmp/state.json",
        KNOCK_SANDBOX_VARS: '{"STRIPE_WEBHOOK_SECRET": "whsec_mine"}',
        KNOCK_MAX_RESULT_CHARS: "20000",
        KNOCK_POLL_INTERVAL_MS: "5000",
      }),
    ).toEqual({
      serviceToken: "knock_st_x",
      baseUrl: "http://127.0.0.1:9999",
      environment: "staging",
      readOnly: true,
      timeoutMs: 5000,
      maxRetries: 0,
      sandbox: true,
      allowInsecureHttp: true,
      sandboxState: "/tmp/state.json",
      sandboxVars: { STRIPE_WEBHOOK_SECRET: "whsec_mine" },
      maxResultChars: 20_000,
      pollIntervalMs: 5_000,
    });
  });

  it("flags beat variables", () => {
    const config = serve(
      ["--environment", "production", "--timeout-ms=1000", "--service-token", "knock_st_flag", "--read-only"],
      {
        KNOCK_ENVIRONMENT: "staging",
        KNOCK_TIMEOUT_MS: "9000",
        KNOCK_SERVICE_TOKEN: "knock_st_env",
        KNOCK_READ_ONLY: "false",
      },
    );
    expect(config).toMatchObject({
      environment: "production",
      timeoutMs: 1000,
      serviceToken: "knock_st_flag",
      readOnly: true,
    });
  });

  it("treats empty variables as unset and booleans case-insensitively", () => {
    expect(serve([], { KNOCK_SERVICE_TOKEN: "  ", KNOCK_READ_ONLY: "TRUE" })).toMatchObject({
      serviceToken: undefined,
      readOnly: true,
    });
  });

  it.each([
    [["--timeout-ms", "abc"], {}, /--timeout-ms \(KNOCK_TIMEOUT_MS\) must be a whole number \(got "abc"\)/],
    [[], { KNOCK_TIMEOUT_MS: "10" }, /KNOCK_TIMEOUT_MS \(--timeout-ms\) must be at least 100/],
    [["--max-retries", "11"], {}, /--max-retries \(KNOCK_MAX_RETRIES\) must be at most 10/],
    [
      [],
      { KNOCK_MGMT_BASE_URL: "control.knock.app" },
      /KNOCK_MGMT_BASE_URL \(--base-url\) must be an http\(s\) URL/,
    ],
    [
      ["--base-url", "https://control.knock.app/?x=1"],
      {},
      /--base-url \(KNOCK_MGMT_BASE_URL\) must be an http\(s\) URL with no user, password, query/,
    ],
    [
      ["--base-url", "https://u:p@control.knock.app"],
      {},
      /--base-url \(KNOCK_MGMT_BASE_URL\) must be an http\(s\) URL with no user/,
    ],
    [["--environment", "Prod Env"], {}, /--environment \(KNOCK_ENVIRONMENT\) must be an environment slug/],
    [
      [],
      { KNOCK_READ_ONLY: "maybe" },
      /KNOCK_READ_ONLY \(--read-only\) must be true or false \(also accepted: 1 or 0, yes or no\)/,
    ],
    [["--unknown"], {}, /Unknown option '--unknown'.*--help/],
    [["serve"], {}, /Unexpected argument 'serve'/],
    [["--sandbox-vars", "{nope"], {}, /--sandbox-vars \(KNOCK_SANDBOX_VARS\) must be a JSON object/],
    [
      [],
      { KNOCK_SANDBOX_VARS: '{"A": 1}' },
      /KNOCK_SANDBOX_VARS \(--sandbox-vars\) must be a JSON object of strings/,
    ],
  ])("refuses bad values: %j %j", (argv, env, expected) => {
    expect(failure(argv, env)).toMatch(expected);
  });

  it.each([
    [["--sandbox-state", "/tmp/s.json"], {}, "--sandbox-state (KNOCK_SANDBOX_STATE) only applies"],
    [[], { KNOCK_SANDBOX_STATE: "/tmp/s.json" }, "--sandbox-state (KNOCK_SANDBOX_STATE) only applies"],
    [["--sandbox-vars", "{}"], {}, "--sandbox-vars (KNOCK_SANDBOX_VARS) only applies"],
    [[], { KNOCK_SANDBOX_VARS: '{"A": "b"}', KNOCK_SANDBOX: "false" }, "--sandbox-vars (KNOCK_SANDBOX_VARS)"],
    [
      ["--sandbox-state", "s.json", "--sandbox-vars", "{}"],
      {},
      "--sandbox-state (KNOCK_SANDBOX_STATE), --sandbox-vars (KNOCK_SANDBOX_VARS) only apply",
    ],
  ])("refuses sandbox settings without --sandbox: %j %j", (argv, env, expected) => {
    const message = failure(argv, env);
    expect(message).toContain(expected);
    expect(message).toContain("add --sandbox (KNOCK_SANDBOX)");
  });

  it("takes the sandbox settings with --sandbox, from a flag or KNOCK_SANDBOX", () => {
    expect(serve(["--sandbox", "--sandbox-state", "s.json"]).sandboxState).toBe("s.json");
    expect(serve([], { KNOCK_SANDBOX: "yes", KNOCK_SANDBOX_VARS: '{"A": "b"}' }).sandboxVars).toEqual({
      A: "b",
    });
  });

  it("knows which base URLs send the token in clear", () => {
    expect(sendsTokenInClear("http://knock.internal.example")).toBe(true);
    expect(sendsTokenInClear("https://control.knock.app")).toBe(false);
    expect(sendsTokenInClear("http://127.0.0.1:8787")).toBe(false);
    expect(sendsTokenInClear("http://localhost:8787")).toBe(false);
  });

  it("reports every bad value at once", () => {
    expect(failure([], { KNOCK_TIMEOUT_MS: "x", KNOCK_MAX_RETRIES: "y" }).split("\n")).toHaveLength(2);
  });

  it("never echoes script variables, which may hold signing secrets", () => {
    const message = failure([], { KNOCK_SANDBOX_VARS: '{"STRIPE_WEBHOOK_SECRET": 12345678}' });
    expect(message).toMatch(/KNOCK_SANDBOX_VARS/);
    expect(message).not.toContain("12345678");
  });

  it("never echoes the token in a message", () => {
    const message = failure(["--service-token", "", "--timeout-ms", "x"]);
    expect(message).toMatch(/--service-token \(KNOCK_SERVICE_TOKEN\) must not be empty/);
  });

  it("parses the sandbox-server command", () => {
    expect(parseCommandLine(["sandbox-server", "--port", "8787", "--state", "s.json"], {})).toEqual({
      ok: true,
      command: { kind: "sandbox-server", port: 8787, state: "s.json", vars: {} },
    });
    expect(parseCommandLine(["sandbox-server", "--port", "70000"], {})).toMatchObject({ ok: false });
  });

  it("knows --help and --version", () => {
    expect(parseCommandLine(["--help"], {})).toEqual({ ok: true, command: { kind: "help" } });
    expect(parseCommandLine(["--version"], {})).toEqual({ ok: true, command: { kind: "version" } });
  });
});

describe("HTTP settings", () => {
  it("are absent without --port, and complete with it, from flags or variables", () => {
    expect(serve([]).http).toBeUndefined();
    expect(serve(["--port", "8080"]).http).toEqual({
      port: 8080,
      host: "127.0.0.1",
      allowedHosts: [],
      maxConcurrency: 128,
      requestTimeoutMs: 120_000,
    });
    expect(
      serve([], {
        KNOCK_MCP_PORT: "9000",
        KNOCK_MCP_HOST: "0.0.0.0",
        KNOCK_MCP_ALLOWED_HOSTS: "MCP.example.com, knock.internal",
        KNOCK_MCP_MAX_CONCURRENCY: "16",
        KNOCK_MCP_REQUEST_TIMEOUT_MS: "5000",
      }).http,
    ).toEqual({
      port: 9000,
      host: "0.0.0.0",
      allowedHosts: ["mcp.example.com", "knock.internal"],
      maxConcurrency: 16,
      requestTimeoutMs: 5000,
    });
  });

  it("refuses HTTP-only settings without --port, naming them and --port", () => {
    const message = failure(["--host", "127.0.0.1", "--max-concurrency", "4"]);
    expect(message).toMatch(/--host \(KNOCK_MCP_HOST\), --max-concurrency \(KNOCK_MCP_MAX_CONCURRENCY\)/);
    expect(message).toMatch(/--port \(KNOCK_MCP_PORT\)/);
  });

  it("refuses a non-loopback --host without --allowed-hosts, and any non-loopback host in --sandbox", () => {
    expect(failure(["--port", "8080", "--host", "0.0.0.0"])).toMatch(
      /--host \(KNOCK_MCP_HOST\) 0\.0\.0\.0 accepts connections from other machines, so --allowed-hosts \(KNOCK_MCP_ALLOWED_HOSTS\) must name/,
    );
    expect(
      failure(["--port", "8080", "--host", "0.0.0.0", "--allowed-hosts", "mcp.example.com", "--sandbox"]),
    ).toMatch(/not a loopback address, and the sandbox is only served on this machine/);
    for (const loopback of ["127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"]) {
      expect(serve(["--port", "8080", "--host", loopback, "--sandbox"]).http?.host).toBe(loopback);
    }
  });

  it("refuses allowed hosts that are not host names, and bad ports", () => {
    expect(failure(["--port", "8080", "--allowed-hosts", "https://mcp.example.com"])).toMatch(
      /--allowed-hosts \(KNOCK_MCP_ALLOWED_HOSTS\) must be host names/,
    );
    expect(failure(["--port", "8080", "--allowed-hosts", "mcp.example.com:8080"])).toMatch(
      /no scheme or port/,
    );
    expect(failure(["--port", "65536"])).toMatch(/--port \(KNOCK_MCP_PORT\) must be at most 65535/);
    expect(failure(["--port", "80", "--host", "not a host"])).toMatch(
      /--host \(KNOCK_MCP_HOST\) must be an interface/,
    );
  });
});
