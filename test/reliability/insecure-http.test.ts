// Issue 12, finding 7: which base URLs count as this machine. A prefix test once took
// http://127.0.0.1.evil.example.com for a loopback address and sent the token there in clear, unwarned.
import { describe, expect, it } from "vitest";
import { parseCommandLine, sendsTokenInClear } from "../../src/config.js";

const parse = (argv: string[], env: Record<string, string> = {}) => parseCommandLine(argv, env);

describe("plain-http base URLs", () => {
  it.each([
    "http://127.0.0.1.evil.example.com",
    "http://127.attacker.example",
    "http://localhost.evil.example.com",
    "http://evil-localhost",
    "http://[::ffff:127.0.0.1]",
    "http://[::2]",
    "http://knock.internal.example:8080",
    "http://10.0.0.5",
  ])("%s is another machine", (url) => {
    expect(sendsTokenInClear(url)).toBe(true);
  });

  it.each([
    "http://127.0.0.1:8787",
    "http://127.9.8.7",
    "http://localhost:8787",
    "http://LOCALHOST",
    "http://[::1]:8787",
    // The URL parser normalises these to 127.0.0.1.
    "http://0x7f000001",
    "http://2130706433",
    "https://127.0.0.1.evil.example.com",
    "https://control.knock.app",
  ])("%s keeps the token off the wire in clear", (url) => {
    expect(sendsTokenInClear(url)).toBe(false);
  });

  it("refuses a non-local http base URL, naming the way out, without echoing the token", () => {
    const result = parse([
      "--base-url",
      "http://127.0.0.1.evil.example.com",
      "--service-token",
      "sk_test_secret",
    ]);
    expect(result.ok).toBe(false);
    const message = result.ok ? "" : result.message;
    expect(message).toContain("http://127.0.0.1.evil.example.com");
    expect(message).toContain("--allow-insecure-http (KNOCK_ALLOW_INSECURE_HTTP)");
    expect(message).not.toContain("sk_test_secret");
  });

  it("refuses it for HTTP serving too, where every caller brings a token", () => {
    expect(parse(["--port", "0", "--base-url", "http://127.attacker.example"]).ok).toBe(false);
  });

  it("accepts it with --allow-insecure-http or KNOCK_ALLOW_INSECURE_HTTP", () => {
    for (const result of [
      parse(["--base-url", "http://knock.internal.example", "--allow-insecure-http"]),
      parse([], { KNOCK_MGMT_BASE_URL: "http://knock.internal.example", KNOCK_ALLOW_INSECURE_HTTP: "1" }),
    ]) {
      expect(result.ok && result.command.kind === "serve" && result.command.config.baseUrl).toBe(
        "http://knock.internal.example",
      );
    }
  });

  it("accepts loopback http without the flag", () => {
    expect(parse(["--base-url", "http://127.0.0.1:8787", "--service-token", "t"]).ok).toBe(true);
    expect(parse(["--base-url", "http://[::1]:8787", "--service-token", "t"]).ok).toBe(true);
  });
});
